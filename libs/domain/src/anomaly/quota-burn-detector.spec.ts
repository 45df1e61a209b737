import { createKeyBaseline } from './key-baseline';
import { detectQuotaBurn } from './quota-burn-detector';
import { MINUTE_MS, NO_SOURCES } from './types';
import { MONDAY, WEEK, calls, dailyCycleCalls, replayUntil, startReplay, windowWith } from './test/series';

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
});
