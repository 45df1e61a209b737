import fc from 'fast-check';
import { createKeyBaseline } from './key-baseline';
import { seasonalExpectation } from './seasonal-baseline';
import { detectQuotaBurn } from './quota-burn-detector';
import { MINUTE_MS, MINUTES_PER_DAY, NO_SOURCES } from './types';
import {
  MONDAY,
  WEEK,
  calls,
  dailyCycleCalls,
  jitter,
  replayUntil,
  startReplay,
  step,
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

  it('does not take three batches of a batch-sending client for a burn rate, but still sees a real one', () => {
    // A quiet client that sends 20 calls at once every hour or so: three batches in the last 30 minutes, one in
    // each third of the window.
    const batchAt = (minute: number): number => (minute % 67 === 0 ? 20 : 0);
    const replay = replayUntil(startReplay(MONDAY), MONDAY + WEEK + 10 * 60, (minute) =>
      calls(batchAt(minute)),
    );
    expect(seasonalDispersion(replay)).toBeGreaterThan(10);
    const minutes = Array.from({ length: 30 }, (_, index) =>
      calls(index === 3 || index === 13 || index === 24 ? 20 : 0),
    );
    const window = { keyId: 'key_test', endMinute: replay.next, minutes, sources: NO_SOURCES };
    const today = { startMs: (MONDAY + WEEK) * MINUTE_MS, endMs: (MONDAY + WEEK) * MINUTE_MS + DAY_MS };
    const clock = (replay.next + 1) * MINUTE_MS;
    const quotas = { requestsPerDay: { limit: 500, used: 240, window: today } };
    expect(detectQuotaBurn(window, replay.baseline, quotas, clock)).toBeNull();
    // The same three batches from a client that sends independent calls would be a projected burn…
    expect(detectQuotaBurn(window, createKeyBaseline('key_test'), quotas, clock)).not.toBeNull();
    // …and a sustained 20 calls a minute from the batch client is one.
    const sustained = { ...window, minutes: Array.from({ length: 30 }, () => calls(20)) };
    expect(detectQuotaBurn(sustained, replay.baseline, quotas, clock)?.kind).toBe('quota_burn');
  });

  describe('a quiet key with a daily cron batch and a small daily quota', () => {
    // A few calls a day, plus 25 calls a minute for 3 minutes at 09:00 every day; the quota covers a day with
    // headroom (about 75 + 60 calls a day against 300).
    const CRON_AT = 9 * 60;
    const background = (minute: number): number => (jitter(minute, 3) > 0.92 ? 1 : 0);
    const cronKey = (minute: number): number => {
      const ofDay = minute % MINUTES_PER_DAY;
      return background(minute) + (ofDay >= CRON_AT && ofDay < CRON_AT + 3 ? 25 : 0);
    };
    const limit = 300;
    const dayStart = MONDAY + WEEK;
    const today = { startMs: dayStart * MINUTE_MS, endMs: (dayStart + MINUTES_PER_DAY) * MINUTE_MS };

    /** Evaluates every minute from `from` to `until` (exclusive) of a key replayed with `countsAt`. */
    const findingsBetween = (
      history: Replay,
      countsAt: (minute: number) => number,
      until: number,
    ): { minute: number; minutesToExhaustion: unknown }[] => {
      let replay = history;
      let used = 0;
      for (let minute = dayStart; minute < replay.next; minute++) {
        used += countsAt(minute);
      }
      const found: { minute: number; minutesToExhaustion: unknown }[] = [];
      while (replay.next < until) {
        const counts = calls(countsAt(replay.next));
        used += counts.billable;
        const quotas = { requestsPerDay: { limit, used, window: today } };
        const finding = detectQuotaBurn(
          windowWith(replay, counts),
          replay.baseline,
          quotas,
          (replay.next + 1) * MINUTE_MS,
        );
        if (finding !== null) {
          found.push({ minute: replay.next, minutesToExhaustion: finding.evidence.minutesToExhaustion });
        }
        replay = step(replay, counts);
      }
      return found;
    };

    let history: Replay;
    beforeAll(() => {
      history = replayUntil(startReplay(MONDAY), dayStart + CRON_AT - 40, (minute) => calls(cronKey(minute)));
    });

    it('stays silent through its cron batch and the half hour after it', () => {
      expect(findingsBetween(history, cronKey, dayStart + CRON_AT + 40)).toEqual([]);
      // The batch alone, read as a rate over the last 30 minutes, would use the rest of the quota by noon.
      expect(75 / 30).toBeGreaterThan((limit - 75) / (3 * 60));
    });

    it('still reports a sustained burn of the same key, within about 25 minutes', () => {
      const burnFrom = dayStart + 11 * 60;
      const burning = (minute: number): number => cronKey(minute) + (minute >= burnFrom ? 2 : 0);
      const replay = replayUntil(history, burnFrom, (minute) => calls(burning(minute)));
      const found = findingsBetween(replay, burning, burnFrom + 60);
      expect(found.length).toBeGreaterThan(0);
      expect(found[0].minute - burnFrom).toBeGreaterThanOrEqual(20);
      expect(found[0].minute - burnFrom).toBeLessThan(26);
    });
  });

  it('never projects a burn from one batch shorter than a third of the window, wherever it falls', () => {
    const quotas = { requestsPerDay: { limit: 50_000, used: 20_000, window: day } };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 29 }),
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: 0, max: 2 }),
        (length, start, perMinute, background) => {
          const minutes = Array.from({ length: 30 }, (_, index) =>
            calls(background + (index >= start && index < start + length ? perMinute : 0)),
          );
          const window = { keyId: 'key_test', endMinute: now, minutes, sources: NO_SOURCES };
          expect(detectQuotaBurn(window, noHistory, quotas, nowMs)).toBeNull();
        },
      ),
    );
  });

  it('projects a steady rate over the whole window whatever its level, when the quota cannot last', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 10_000 }), (perMinute) => {
        // 839 minutes left in the day: a quota with less than half of that at this rate left runs out.
        const quotas = {
          requestsPerDay: { limit: 800 * perMinute, used: 400 * perMinute, window: day },
        };
        const finding = detectQuotaBurn(windowAt(perMinute), noHistory, quotas, nowMs);
        expect(finding?.kind).toBe('quota_burn');
        expect(Number(finding?.evidence.minutesToExhaustion)).toBeGreaterThanOrEqual(400);
      }),
    );
  });
});
