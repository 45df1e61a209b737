import fc from 'fast-check';
import { DEFAULT_ANOMALY_CONFIG, type AnomalyConfig } from './anomaly-config';
import { pastPeakNear, seasonalExpectation } from './seasonal-baseline';
import { detectTrafficSpike } from './traffic-detector';
import { MINUTES_PER_DAY } from './types';
import {
  MONDAY,
  WEEK,
  calls,
  dailyCycleCalls,
  replayUntil,
  startReplay,
  step,
  windowWith,
  type Replay,
} from './test/series';

const THIRD_WEEK = MONDAY + 2 * WEEK;
/** A busy key (the daily cycle at a third of its size) with a daily cron at 03:15 UTC: 3,000 calls a minute for 3 minutes. */
const CRON_AT = 3 * 60 + 15;
/** The daily cycle at a third of its size plus a daily cron of `cronCalls` a minute for `cronMinutes` from `cronAt`. */
const cycleWithCron =
  (cronAt: number, cronMinutes: number, cronCalls: number) =>
  (minute: number): number => {
    const ofDay = minute % MINUTES_PER_DAY;
    return dailyCycleCalls(minute, 1 / 3) + (ofDay >= cronAt && ofDay < cronAt + cronMinutes ? cronCalls : 0);
  };
const cronKey = cycleWithCron(CRON_AT, 3, 3000);
/** The hour's mean of such a key, the cron's calls included (they raise the expectation all hour). */
const hourMeanWithCron =
  (cronMinutes: number, cronCalls: number) =>
  (minute: number): number =>
    dailyCycleCalls(minute, 1 / 3) + (cronCalls * cronMinutes) / 60;

/** The first minute (from `at`) at which `level(minute)` is reported, within `minutes`, or -1. */
function firstReport(
  from: Replay,
  minutes: number,
  level: (minute: number) => number,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): number {
  let replay = from;
  for (let index = 0; index < minutes; index++) {
    const counts = calls(level(replay.next));
    if (detectTrafficSpike(windowWith(replay, counts), replay.baseline, config) !== null) {
      return index;
    }
    replay = step(replay, counts);
  }
  return -1;
}

function expectReportedWithinTwoMinutes(
  from: Replay,
  level: (minute: number) => number,
  config: AnomalyConfig,
): void {
  const after = firstReport(from, 5, level, config);
  expect(after).toBeGreaterThanOrEqual(0);
  expect(after).toBeLessThanOrEqual(1);
}

describe('spike checks against the busiest minutes near this time of day', () => {
  let history: Replay;
  beforeAll(() => {
    history = replayUntil(startReplay(MONDAY), THIRD_WEEK, (minute) => calls(cronKey(minute)));
  });

  it('remembers a daily cron only near the time it runs', () => {
    const seasonal = history.baseline.seasonal;
    const later = THIRD_WEEK + 4 * 60 + 31;
    // The whole-hour peak of the neighbouring hours holds the cron…
    expect(seasonalExpectation(seasonal, later + 0.5).pastPeak).toBeGreaterThanOrEqual(3000);
    // …the peak near 04:31 does not, and is about the key's own busiest minutes at that time of day.
    const near = pastPeakNear(seasonal, later + 0.5, 30);
    expect(near).toBeLessThan(200);
    expect(near).toBeGreaterThanOrEqual(dailyCycleCalls(later, 1 / 3));
    // At the cron's time it is the cron.
    expect(pastPeakNear(seasonal, THIRD_WEEK + CRON_AT + 10.5, 30)).toBeGreaterThanOrEqual(3000);
  });

  it('reports a 4× spike an hour after the cron within two minutes (the whole-hour peak hid it)', () => {
    const at = THIRD_WEEK + 4 * 60 + 31;
    const replay = replayUntil(history, at, (minute) => calls(cronKey(minute)));
    const spike = (minute: number): number => 4 * dailyCycleCalls(minute, 1 / 3);
    expect(spike(at)).toBeLessThan(seasonalExpectation(replay.baseline.seasonal, at + 0.5).pastPeak);
    const reportedAfter = firstReport(replay, 10, spike);
    expect(reportedAfter).toBeGreaterThanOrEqual(0);
    expect(reportedAfter).toBeLessThanOrEqual(1);
  });

  it('stays silent over a whole normal day, the cron run and the daily peak included', () => {
    const replay = replayUntil(history, THIRD_WEEK + 1, (minute) => calls(cronKey(minute)));
    expect(firstReport(replay, MINUTES_PER_DAY, cronKey)).toBe(-1);
  });

  it('says nothing when a quiet key goes from 0 to 3 calls, an hour after its own cron', () => {
    // A call every 97 minutes and a daily cron of 25 calls a minute at 03:15 for 3 minutes.
    const quietKey = (minute: number): number => {
      const ofDay = minute % MINUTES_PER_DAY;
      return (minute % 97 === 0 ? 1 : 0) + (ofDay >= CRON_AT && ofDay < CRON_AT + 3 ? 25 : 0);
    };
    const at = THIRD_WEEK + 4 * 60 + 31;
    const replay = replayUntil(startReplay(MONDAY), at, (minute) => calls(quietKey(minute)));
    expect(firstReport(replay, 5, () => 3)).toBe(-1);
    // Its cron's next run, give or take a call, is not a spike either.
    const cron = replayUntil(startReplay(MONDAY), THIRD_WEEK + CRON_AT, (minute) => calls(quietKey(minute)));
    expect(firstReport(cron, 3, () => 26)).toBe(-1);
  });

  it('reports a spike far from the cron within two minutes, and never the cron itself (property)', () => {
    const config: AnomalyConfig = { ...DEFAULT_ANOMALY_CONFIG, seasonWeeks: 1 };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MINUTES_PER_DAY - 10 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 500, max: 5000 }),
        fc.integer({ min: 90, max: 600 }),
        (cronAt, cronMinutes, cronCalls, spikeAfter) => {
          const series = cycleWithCron(cronAt, cronMinutes, cronCalls);
          const today = MONDAY + WEEK + MINUTES_PER_DAY;
          const beforeCron = replayUntil(startReplay(MONDAY, config), today + cronAt - 5, (minute) =>
            calls(series(minute)),
          );
          expect(firstReport(beforeCron, cronMinutes + 10, series, config)).toBe(-1);
          const at = today + cronAt + spikeAfter;
          const beforeSpike = replayUntil(beforeCron, at, (minute) => calls(series(minute)));
          expectReportedWithinTwoMinutes(
            beforeSpike,
            (minute) => 5 * dailyCycleCalls(minute, 1 / 3) + 20,
            config,
          );
        },
      ),
      { numRuns: 8 },
    );
  });

  it('reports a spike that starts 3 to 9 minutes before a daily cron runs within two minutes (property)', () => {
    // A cron's runs count as the past peak from 2 minutes before the earliest start seen (from 15 minutes before
    // its peak until 2026-11-30, which hid for 7 minutes a 3.7× spike starting 5 minutes before a cron of ~890
    // calls a minute).
    const config: AnomalyConfig = { ...DEFAULT_ANOMALY_CONFIG, seasonWeeks: 1 };
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: MINUTES_PER_DAY - 10 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 500, max: 5000 }),
        fc.integer({ min: 3, max: 9 }),
        (cronAt, cronMinutes, cronCalls, lead) => {
          const series = cycleWithCron(cronAt, cronMinutes, cronCalls);
          const at = MONDAY + WEEK + MINUTES_PER_DAY + cronAt - lead;
          const beforeSpike = replayUntil(startReplay(MONDAY, config), at, (minute) => calls(series(minute)));
          // Three times the hour's mean on top of the key's calls.
          const hourMean = hourMeanWithCron(cronMinutes, cronCalls);
          expectReportedWithinTwoMinutes(
            beforeSpike,
            (minute) => series(minute) + 3 * hourMean(minute) + 20,
            config,
          );
        },
      ),
      { numRuns: 8 },
    );
  });

  it('says nothing when a cron whose start wanders by 2 minutes from day to day starts 2 minutes earlier than ever (property)', () => {
    const config: AnomalyConfig = { ...DEFAULT_ANOMALY_CONFIG, seasonWeeks: 1 };
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: MINUTES_PER_DAY - 20 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 500, max: 5000 }),
        (cronAt, cronMinutes, cronCalls) => {
          // Day by day the run starts 2 minutes early, 1 early, on time, 1 late, 2 late, …; today 4 minutes early.
          const today = MONDAY + WEEK + MINUTES_PER_DAY;
          const startOf = (minute: number): number =>
            minute >= today ? cronAt - 4 : cronAt + (Math.floor(minute / MINUTES_PER_DAY) % 5) - 2;
          const series = (minute: number): number =>
            cycleWithCron(startOf(minute), cronMinutes, cronCalls)(minute);
          const beforeRun = replayUntil(startReplay(MONDAY, config), today + cronAt - 10, (minute) =>
            calls(series(minute)),
          );
          expect(firstReport(beforeRun, cronMinutes + 15, series, config)).toBe(-1);
        },
      ),
      { numRuns: 8 },
    );
  });

  it('reports a 3× spike in the hours a cron ran in, 16 to 89 minutes after its run, within two minutes (property)', () => {
    // The cron's run once made the hour's minute spread about as large as the run itself, which hid every spike
    // of that hour and, interpolated, of its neighbours; and its peak counted up to 30 minutes away.
    const config: AnomalyConfig = { ...DEFAULT_ANOMALY_CONFIG, seasonWeeks: 1 };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MINUTES_PER_DAY - 100 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 500, max: 5000 }),
        fc.integer({ min: 16, max: 89 }),
        (cronAt, cronMinutes, cronCalls, sinceRunEnded) => {
          const series = cycleWithCron(cronAt, cronMinutes, cronCalls);
          const at = MONDAY + WEEK + MINUTES_PER_DAY + cronAt + cronMinutes - 1 + sinceRunEnded;
          const beforeSpike = replayUntil(startReplay(MONDAY, config), at, (minute) => calls(series(minute)));
          // Three times the hour's mean, the cron's calls included.
          const hourMean = hourMeanWithCron(cronMinutes, cronCalls);
          expectReportedWithinTwoMinutes(beforeSpike, (minute) => 3 * hourMean(minute) + 20, config);
        },
      ),
      { numRuns: 8 },
    );
  });
});
