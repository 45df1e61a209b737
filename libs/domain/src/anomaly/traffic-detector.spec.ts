import fc from 'fast-check';
import { DEFAULT_ANOMALY_CONFIG, type AnomalyConfig } from './anomaly-config';
import { seasonalExpectation } from './seasonal-baseline';
import { detectTrafficDrop, detectTrafficSpike } from './traffic-detector';
import { MINUTES_PER_DAY } from './types';
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

const THIRD_WEEK = MONDAY + 2 * WEEK;

describe('traffic spike and drop against the seasonal baseline', () => {
  let busy: Replay;

  beforeAll(() => {
    busy = replayUntil(startReplay(MONDAY), THIRD_WEEK, (minute) => calls(dailyCycleCalls(minute)));
  });

  it('stays silent over a whole normal day, daily peak included', () => {
    let replay = busy;
    const findings: unknown[] = [];
    while (replay.next < THIRD_WEEK + MINUTES_PER_DAY) {
      const counts = calls(dailyCycleCalls(replay.next));
      const window = windowWith(replay, counts);
      findings.push(detectTrafficSpike(window, replay.baseline), detectTrafficDrop(window, replay.baseline));
      replay = step(replay, counts);
    }
    expect(findings.filter((finding) => finding !== null)).toEqual([]);
    // The day did have a peak far above its night.
    expect(dailyCycleCalls(THIRD_WEEK + 14 * 60)).toBeGreaterThan(5 * dailyCycleCalls(THIRD_WEEK + 2 * 60));
  });

  it('reports a 5× spike in its first minute, with the numbers', () => {
    const at = THIRD_WEEK + 10 * 60;
    const replay = replayUntil(busy, at, (minute) => calls(dailyCycleCalls(minute)));
    const observed = 5 * dailyCycleCalls(at);
    const finding = detectTrafficSpike(windowWith(replay, calls(observed)), replay.baseline);
    expect(finding).toMatchObject({ kind: 'traffic_spike', evidence: { observed, check: 'minute' } });
    expect(finding?.evidence.expected).toBeGreaterThan(observed / 7);
    expect(finding?.evidence.expected).toBeLessThan(observed / 3);
    expect(finding?.evidence.window).toEqual({ startMinute: at, endMinute: at });
    expect(['high', 'critical']).toContain(finding?.severity);
  });

  it('reports a spike hidden by the daily peak in its second minute, when both minutes stand out (persistent)', () => {
    const at = THIRD_WEEK + 14 * 60;
    const replay = replayUntil(busy, at, (minute) => calls(dailyCycleCalls(minute)));
    const now = seasonalExpectation(replay.baseline.seasonal, at + 0.5);
    // Above every minute of past weeks around this hour and twice the expectation, but below 1.5 × that peak or
    // 2.5 × the expectation: the one-minute check stays silent.
    const level = Math.ceil(Math.max(2.1 * now.expected, 1.05 * now.pastPeak));
    expect(level < 1.5 * now.pastPeak || level < 2.5 * now.expected).toBe(true);
    expect(detectTrafficSpike(windowWith(replay, calls(level)), replay.baseline)).toBeNull();
    const next = step(replay, calls(level));
    const finding = detectTrafficSpike(windowWith(next, calls(level)), next.baseline);
    expect(finding).toMatchObject({
      kind: 'traffic_spike',
      evidence: { check: 'persistent', observed: 2 * level, window: { startMinute: at, endMinute: at + 1 } },
    });
    // One such minute after an ordinary one is not enough.
    const ordinary = step(replay, calls(dailyCycleCalls(at)));
    expect(detectTrafficSpike(windowWith(ordinary, calls(level)), ordinary.baseline)).toBeNull();
  });

  it('does not call the night level at noon a spike, but does call the noon level at night one', () => {
    const night = THIRD_WEEK + 3 * 60;
    const replay = replayUntil(busy, night, (minute) => calls(dailyCycleCalls(minute)));
    const noonLevel = dailyCycleCalls(THIRD_WEEK + 14 * 60);
    expect(detectTrafficSpike(windowWith(replay, calls(noonLevel)), replay.baseline)?.kind).toBe(
      'traffic_spike',
    );
  });

  it('catches a slow ramp that no single minute shows, through the 30-minute check', () => {
    const start = THIRD_WEEK + 9 * 60;
    const rampFrom = replayUntil(busy, start, (minute) => calls(dailyCycleCalls(minute)));
    /** Traffic grows from 1× to 4× of normal over four hours: the first finding and its minute. */
    const ramp = (config: AnomalyConfig) => {
      let replay = rampFrom;
      let firstFinding: ReturnType<typeof detectTrafficSpike> = null;
      let firedAt = -1;
      while (replay.next < start + 240 && firstFinding === null) {
        const factor = 1 + (3 * (replay.next - start)) / 240;
        const counts = calls(Math.round(dailyCycleCalls(replay.next) * factor));
        firstFinding = detectTrafficSpike(windowWith(replay, counts), replay.baseline, config);
        firedAt = replay.next;
        replay = step(replay, counts);
      }
      return { check: firstFinding?.evidence.check, after: firedAt - start };
    };
    const withoutPersistent = {
      ...DEFAULT_ANOMALY_CONFIG,
      traffic: {
        ...DEFAULT_ANOMALY_CONFIG.traffic,
        // Without the two-minute and the 2-, 5- and 10-minute checks, which report a steep ramp earlier.
        spike: { ...DEFAULT_ANOMALY_CONFIG.traffic.spike, persistentMinutes: 0, windowsMinutes: [] },
      },
    };
    const sustained = ramp(withoutPersistent);
    expect(sustained.check).toBe('sustained');
    expect(sustained.after).toBeLessThan(200);
    // With every check, a steep enough ramp is reported no later (its minutes leave the past peaks behind).
    expect(ramp(DEFAULT_ANOMALY_CONFIG).after).toBeLessThanOrEqual(sustained.after);
  });

  it('reports a busy key going silent for half an hour as a drop', () => {
    const start = THIRD_WEEK + 11 * 60;
    let replay = replayUntil(busy, start, (minute) => calls(dailyCycleCalls(minute)));
    replay = replayUntil(replay, start + 29, () => calls(0));
    const finding = detectTrafficDrop(windowWith(replay, calls(0)), replay.baseline);
    expect(finding).toMatchObject({ kind: 'traffic_drop', severity: 'high', evidence: { observed: 0 } });
  });

  describe('a quiet key', () => {
    let quiet: Replay;
    beforeAll(() => {
      quiet = replayUntil(startReplay(MONDAY), THIRD_WEEK, (minute) => calls(minute % 97 === 0 ? 1 : 0));
    });

    it('going from 0 to 3 calls is not a spike', () => {
      expect(detectTrafficSpike(windowWith(quiet, calls(3)), quiet.baseline)).toBeNull();
    });

    it('suddenly making hundreds of calls a minute is', () => {
      expect(detectTrafficSpike(windowWith(quiet, calls(300)), quiet.baseline)?.severity).toBe('critical');
    });

    it('never drops: it was not expected to be busy', () => {
      const replay = replayUntil(quiet, quiet.next + 40, () => calls(0));
      expect(detectTrafficDrop(windowWith(replay, calls(0)), replay.baseline)).toBeNull();
    });
  });

  it('judges nothing before the key has a week of history', () => {
    const young = replayUntil(startReplay(MONDAY), MONDAY + 3 * MINUTES_PER_DAY, (minute) =>
      calls(dailyCycleCalls(minute)),
    );
    expect(detectTrafficSpike(windowWith(young, calls(100_000)), young.baseline)).toBeNull();
  });

  it('does not flag a key whose clients send batches of the size they always send', () => {
    // One batch of 50 calls about every 40 minutes, at no fixed time, nothing in between.
    const batchAt = (minute: number): boolean => Math.abs(jitterless(minute)) < 0.025;
    const replay = replayUntil(startReplay(MONDAY), THIRD_WEEK, (minute) => calls(batchAt(minute) ? 50 : 0));
    expect(detectTrafficSpike(windowWith(replay, calls(50)), replay.baseline)).toBeNull();
    expect(detectTrafficSpike(windowWith(replay, calls(500)), replay.baseline)?.kind).toBe('traffic_spike');
  });

  it('does not flag two batches of a quiet batch client landing in the same minute', () => {
    // A quiet client sending 20 calls at once about every hour: 40 calls in a minute happens by chance.
    const batchAt = (minute: number): boolean => Math.abs(jitterless(minute)) < 0.017;
    const replay = replayUntil(startReplay(MONDAY), THIRD_WEEK, (minute) => calls(batchAt(minute) ? 20 : 0));
    expect(detectTrafficSpike(windowWith(replay, calls(40)), replay.baseline)).toBeNull();
    // Nor are batches in two minutes in a row, each above the past peak: fewer than three batches a minute.
    const first = step(replay, calls(35));
    expect(detectTrafficSpike(windowWith(first, calls(35)), first.baseline)).toBeNull();
    // A flood of many batches a minute is a spike.
    expect(detectTrafficSpike(windowWith(replay, calls(400)), replay.baseline)?.kind).toBe('traffic_spike');
  });

  it('does not flag a quiet key’s daily cron beating its past runs by a few calls, but does flag a burst', () => {
    // A call every seven minutes, plus a daily cron at 09:00 of 18–24 calls a minute for three minutes.
    const CRON_AT = 9 * 60;
    const cronCalls = (minute: number): number => 21 + Math.round(3 * jitter(minute, 5));
    const cronKey = (minute: number): number => {
      const ofDay = minute % MINUTES_PER_DAY;
      return (ofDay >= CRON_AT && ofDay < CRON_AT + 3 ? cronCalls(minute) : 0) + (minute % 7 === 0 ? 1 : 0);
    };
    const today = THIRD_WEEK + CRON_AT;
    const replay = replayUntil(startReplay(MONDAY), today, (minute) => calls(cronKey(minute)));
    const now = seasonalExpectation(replay.baseline.seasonal, today + 1.5);
    expect(now.pastPeak).toBeLessThanOrEqual(24);
    // Today's run is two calls above the largest minute of past runs, two minutes in a row.
    const first = step(replay, calls(now.pastPeak + 2));
    expect(detectTrafficSpike(windowWith(first, calls(now.pastPeak + 2)), first.baseline)).toBeNull();
    // Without the margin, the two-minute check would report it.
    const noMargin: AnomalyConfig = {
      ...DEFAULT_ANOMALY_CONFIG,
      traffic: {
        ...DEFAULT_ANOMALY_CONFIG.traffic,
        spike: { ...DEFAULT_ANOMALY_CONFIG.traffic.spike, persistentPeakMarginZ: 0 },
      },
    };
    expect(
      detectTrafficSpike(windowWith(first, calls(now.pastPeak + 2)), first.baseline, noMargin)?.evidence
        .check,
    ).toBe('persistent');
    // Twice the cron's usual minute, two minutes in a row, is a spike.
    const burst = step(replay, calls(2 * now.pastPeak));
    expect(detectTrafficSpike(windowWith(burst, calls(2 * now.pastPeak)), burst.baseline)?.kind).toBe(
      'traffic_spike',
    );
  });
});

/** A fixed pseudo-random value per minute in [-1, 1). */
function jitterless(minute: number): number {
  return Math.sin(minute * 12.9898) * 43758.5453 - Math.floor(Math.sin(minute * 12.9898) * 43758.5453) - 0.5;
}

describe('traffic detector properties', () => {
  // One week of history is enough for the properties; floors off so only the relative rules decide.
  const unfloored: AnomalyConfig = {
    ...DEFAULT_ANOMALY_CONFIG,
    seasonWeeks: 1,
    traffic: {
      ...DEFAULT_ANOMALY_CONFIG.traffic,
      spike: { ...DEFAULT_ANOMALY_CONFIG.traffic.spike, minCalls: 0, minExcess: 0 },
      sustained: { ...DEFAULT_ANOMALY_CONFIG.traffic.sustained, minExcessPerMinute: 0 },
    },
  };
  /** A week of hourly levels (at least one call a minute) plus a fixed within-hour pattern. */
  const weekly = fc.record({
    levels: fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 168, maxLength: 168 }),
    pattern: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 60, maxLength: 60 }),
  });
  const seriesOf =
    ({ levels, pattern }: { levels: number[]; pattern: number[] }, scale: number) =>
    (minute: number): number => {
      const offset = minute - MONDAY;
      const hour = Math.floor(offset / 60) % 168;
      return scale * (levels[hour] + pattern[offset % 60] * Math.ceil(levels[hour] / 4));
    };

  it('scaling history and the current value by the same factor does not change a spike verdict', () => {
    fc.assert(
      fc.property(
        weekly,
        fc.integer({ min: 0, max: 167 * 60 }),
        fc.double({ min: 0, max: 20, noNaN: true }),
        fc.constantFrom(4, 16),
        (week, offset, surge, factor) => {
          const verdict = (scale: number): boolean => {
            const series = seriesOf(week, scale);
            const at = MONDAY + WEEK + offset;
            const replay = replayUntil(startReplay(MONDAY, unfloored), at, (minute) => calls(series(minute)));
            const observed = scale * Math.round(seriesOf(week, 1)(at) * surge);
            return (
              detectTrafficSpike(windowWith(replay, calls(observed)), replay.baseline, unfloored) !== null
            );
          };
          // The values are whole numbers, so the scaled copy is exact.
          expect(verdict(factor)).toBe(verdict(1));
        },
      ),
      { numRuns: 12 },
    );
  });

  it('a series equal to its seasonal baseline never fires', () => {
    fc.assert(
      fc.property(weekly, fc.integer({ min: 0, max: 167 * 60 - 120 }), (week, offset) => {
        const series = seriesOf(week, 1);
        const config = { ...DEFAULT_ANOMALY_CONFIG, seasonWeeks: 1 };
        let replay = replayUntil(startReplay(MONDAY, config), MONDAY + WEEK + offset, (minute) =>
          calls(series(minute)),
        );
        for (let index = 0; index < 120; index++) {
          const window = windowWith(replay, calls(series(replay.next)));
          expect(detectTrafficSpike(window, replay.baseline, config)).toBeNull();
          expect(detectTrafficDrop(window, replay.baseline, config)).toBeNull();
          replay = step(replay, calls(series(replay.next)));
        }
      }),
      {
        numRuns: 12,
        // Found once: an hour of ~400 calls a minute after a quiet one, with two minutes at its weekly peak.
        examples: [
          [
            {
              levels: [1, 397, ...Array<number>(166).fill(1)],
              pattern: Array.from({ length: 60 }, (_, minute) => (minute === 53 || minute === 54 ? 3 : 0)),
            },
            0,
          ],
        ],
      },
    );
  });
});
