import { createKeyBaseline } from './key-baseline';
import { seasonalExpectation } from './seasonal-baseline';
import { detectQuotaBurn } from './quota-burn-detector';
import { MINUTE_MS, NO_SOURCES } from './types';
import {
  MONDAY,
  WEEK,
  calls,
  dailyCycleCalls,
  replayUntil,
  startReplay,
  windowWith,
  type Replay,
} from './test/series';

const seasonalDispersion = (replay: Replay): number =>
  seasonalExpectation(replay.baseline.seasonal, replay.next + 0.5).dispersion;

const DAY_MS = 86_400_000;

describe('quota burn', () => {
  const noHistory = createKeyBaseline('key_test');
  const now = MONDAY + 600; // 10:00
  const nowMs = (now + 1) * MINUTE_MS;
  const day = { startMs: MONDAY * MINUTE_MS, endMs: MONDAY * MINUTE_MS + DAY_MS };
  const windowAt = (perMinute: number) => ({
    keyId: 'key_test',
    endMinute: now,
    minutes: Array.from({ length: 30 }, () => calls(perMinute, { credits: perMinute * 2 })),
    sources: NO_SOURCES,
  });

  it('projects the exhaustion time of a daily quota burnt at the current rate', () => {
    const finding = detectQuotaBurn(
      windowAt(100),
      noHistory,
      { requestsPerDay: { limit: 50_000, used: 20_000, window: day } },
      nowMs,
    );
    expect(finding?.kind).toBe('quota_burn');
    const minutes = Number(finding?.evidence.minutesToExhaustion);
    // 30,000 left at a little under 100 a minute (the rate is taken at its lower bound).
    expect(minutes).toBeGreaterThan(300);
    expect(minutes).toBeLessThan(330);
    expect(finding?.severity).toBe('high');
    expect(Date.parse(finding?.evidence.projectedExhaustionAt as string)).toBeLessThan(day.endMs);
    expect(finding?.evidence.quota).toBe('requestsPerDay');
  });

  it('stays silent when the quota lasts the window out, is already used up, or absent', () => {
    expect(
      detectQuotaBurn(
        windowAt(10),
        noHistory,
        { requestsPerDay: { limit: 50_000, used: 20_000, window: day } },
        nowMs,
      ),
    ).toBeNull();
    expect(
      detectQuotaBurn(
        windowAt(100),
        noHistory,
        { requestsPerDay: { limit: 50_000, used: 50_000, window: day } },
        nowMs,
      ),
    ).toBeNull();
    expect(detectQuotaBurn(windowAt(100), noHistory, {}, nowMs)).toBeNull();
  });

  it('reports the quota that runs out first, credits included', () => {
    const month = { startMs: MONDAY * MINUTE_MS, endMs: MONDAY * MINUTE_MS + 30 * DAY_MS };
    const finding = detectQuotaBurn(
      windowAt(100),
      noHistory,
      {
        requestsPerDay: { limit: 50_000, used: 20_000, window: day },
        creditsPerMonth: { limit: 100_000, used: 95_000, window: month },
      },
      nowMs,
    );
    expect(finding?.evidence.quota).toBe('creditsPerMonth');
    expect(finding?.severity).toBe('critical');
  });

  it('does not project a burn from one short batch', () => {
    const batch = {
      ...windowAt(0),
      minutes: [...windowAt(0).minutes.slice(0, 25), ...Array.from({ length: 5 }, () => calls(400))],
    };
    expect(
      detectQuotaBurn(
        batch,
        noHistory,
        { requestsPerDay: { limit: 50_000, used: 20_000, window: day } },
        nowMs,
      ),
    ).toBeNull();
  });

  it('does not alarm at a busy key’s usual daily peak when its quota has some headroom', () => {
    const replay = replayUntil(startReplay(MONDAY), MONDAY + WEEK + 14 * 60, (minute) =>
      calls(dailyCycleCalls(minute)),
    );
    let usedToday = 0;
    for (let minute = MONDAY + WEEK; minute < replay.next; minute++) {
      usedToday += dailyCycleCalls(minute);
    }
    const dailyVolume = Array.from({ length: 1440 }, (_, offset) => dailyCycleCalls(MONDAY + offset)).reduce(
      (a, b) => a + b,
    );
    const today = { startMs: (MONDAY + WEEK) * MINUTE_MS, endMs: (MONDAY + WEEK) * MINUTE_MS + DAY_MS };
    const peak = calls(dailyCycleCalls(replay.next));
    const quotas = {
      requestsPerDay: {
        limit: Math.round(1.1 * dailyVolume),
        used: usedToday + peak.requests,
        window: today,
      },
    };
    const clock = (replay.next + 1) * MINUTE_MS;
    expect(detectQuotaBurn(windowWith(replay, peak), replay.baseline, quotas, clock)).toBeNull();
    // The same usage projected without the seasonal baseline would alarm: the peak is 1.8× the daily average.
    expect(
      detectQuotaBurn(windowWith(replay, peak), createKeyBaseline('key_test'), quotas, clock),
    ).not.toBeNull();
  });

  it('does not take two batches of a batch-sending client for a burn rate, but still sees a real one', () => {
    // A quiet client that sends 20 calls at once every hour or so: two batches in the last 30 minutes.
    const batchAt = (minute: number): number => (minute % 67 === 0 ? 20 : 0);
    const replay = replayUntil(startReplay(MONDAY), MONDAY + WEEK + 10 * 60, (minute) =>
      calls(batchAt(minute)),
    );
    expect(seasonalDispersion(replay)).toBeGreaterThan(10);
    const minutes = Array.from({ length: 30 }, (_, index) => calls(index === 3 || index === 20 ? 20 : 0));
    const window = { keyId: 'key_test', endMinute: replay.next, minutes, sources: NO_SOURCES };
    const today = { startMs: (MONDAY + WEEK) * MINUTE_MS, endMs: (MONDAY + WEEK) * MINUTE_MS + DAY_MS };
    const clock = (replay.next + 1) * MINUTE_MS;
    const quotas = { requestsPerDay: { limit: 500, used: 240, window: today } };
    expect(detectQuotaBurn(window, replay.baseline, quotas, clock)).toBeNull();
    // The same two batches from a client that sends independent calls would be a projected burn…
    expect(detectQuotaBurn(window, createKeyBaseline('key_test'), quotas, clock)).not.toBeNull();
    // …and a sustained 20 calls a minute from the batch client is one.
    const sustained = { ...window, minutes: Array.from({ length: 30 }, () => calls(20)) };
    expect(detectQuotaBurn(sustained, replay.baseline, quotas, clock)?.kind).toBe('quota_burn');
  });
});
