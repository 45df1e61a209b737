import fc from 'fast-check';
import { DEFAULT_ANOMALY_CONFIG } from './anomaly-config';
import { seasonalExpectation } from './seasonal-baseline';
import { detectTrafficDrop } from './traffic-detector';
import { detectLowRateTrafficDrop, pastLowOver } from './traffic-drop-detector';
import { MINUTES_PER_DAY, NO_SOURCES, type KeyTrafficWindow, type MinuteCounts } from './types';
import { MONDAY, WEEK, calls, jitter, replayUntil, startReplay, step, type Replay } from './test/series';

const THIRD_WEEK = MONDAY + 2 * WEEK;
const LONGEST = Math.max(...DEFAULT_ANOMALY_CONFIG.traffic.lowRateDrop.windowsMinutes);

/** A uniform number in [0, 1) for a minute (deterministic). */
function uniform(minute: number, salt: number): number {
  return (jitter(minute, salt) + 1) / 2;
}

/** A Poisson count of the given mean, drawn by inversion from the minute's uniform number. */
function poissonAt(minute: number, mean: number, salt: number): number {
  const u = uniform(minute, salt);
  let term = Math.exp(-mean);
  let cumulative = term;
  let count = 0;
  while (u > cumulative && count < 1000) {
    count += 1;
    term *= mean / count;
    cumulative += term;
  }
  return count;
}

function hourOfDay(minute: number): number {
  return (minute % MINUTES_PER_DAY) / 60;
}

function isWeekend(minute: number): boolean {
  return Math.floor((minute - MONDAY) / MINUTES_PER_DAY) % 7 >= 5;
}

/**
 * A low-rate key: independent calls peaking at 2.5 a minute at 18:00 UTC, none from 02:00 to 08:00, half as many
 * at weekends (below the 30-minute drop check's 10 expected calls a minute).
 */
function eveningCalls(minute: number): number {
  const hour = hourOfDay(minute);
  const shape = Math.max(0, Math.cos((2 * Math.PI * (hour - 18)) / 16));
  return poissonAt(minute, 2.5 * shape * (isWeekend(minute) ? 0.5 : 1), 11);
}

/**
 * A batch client: from 08:00 to 22:00 UTC, a batch of 40 calls in 35 % of the minutes (14 calls a minute on
 * average, too spread out for the 30-minute check's spread test); nothing at night.
 */
function batchCalls(minute: number): number {
  const hour = hourOfDay(minute);
  if (hour < 8 || hour >= 22) return 0;
  return uniform(minute, 23) < 0.35 ? 40 : 0;
}

/** The window of the longest test ending at `replay.next`, its newest minute `counts`, the others from `countsAt`. */
function windowAt(
  replay: Replay,
  counts: MinuteCounts,
  countsAt: (minute: number) => number,
): KeyTrafficWindow {
  const minutes: MinuteCounts[] = [];
  for (let minute = replay.next - LONGEST + 1; minute < replay.next; minute++) {
    minutes.push(calls(countsAt(minute)));
  }
  minutes.push(counts);
  return { keyId: 'key_test', endMinute: replay.next, minutes, sources: NO_SOURCES };
}

/** Replays `countsAt` from `replay` until `until`, running both drop checks on every minute. */
function judgeEach(
  replay: Replay,
  until: number,
  countsAt: (minute: number) => number,
): { replay: Replay; lowRate: { minute: number; window: number; observed: number }[]; thirty: number[] } {
  let current = replay;
  const lowRate: { minute: number; window: number; observed: number }[] = [];
  const thirty: number[] = [];
  while (current.next < until) {
    const counts = calls(countsAt(current.next));
    const window = windowAt(current, counts, countsAt);
    const finding = detectLowRateTrafficDrop(window, current.baseline);
    if (finding !== null) {
      const { startMinute, endMinute } = finding.evidence.window;
      lowRate.push({
        minute: current.next,
        window: endMinute - startMinute + 1,
        observed: finding.evidence.observed,
      });
    }
    if (detectTrafficDrop({ ...window, minutes: window.minutes.slice(-30) }, current.baseline) !== null) {
      thirty.push(current.next);
    }
    current = step(current, counts);
  }
  return { replay: current, lowRate, thirty };
}

/** Normal traffic until `from`, then nothing. */
function silentFrom(countsAt: (minute: number) => number, from: number): (minute: number) => number {
  return (minute) => (minute < from ? countsAt(minute) : 0);
}

describe('traffic drop of low-rate keys and batch clients', () => {
  let evening: Replay;
  let batches: Replay;

  beforeAll(() => {
    evening = replayUntil(startReplay(MONDAY), THIRD_WEEK, (minute) => calls(eveningCalls(minute)));
    batches = replayUntil(startReplay(MONDAY), THIRD_WEEK, (minute) => calls(batchCalls(minute)));
  });

  it('stays silent over a whole normal week of the low-rate key: nights, weekend, evening peaks', () => {
    const week = judgeEach(evening, THIRD_WEEK + WEEK, eveningCalls);
    expect(week.lowRate).toEqual([]);
    expect(week.thirty).toEqual([]);
  });

  it('stays silent over a whole normal week of the batch client: gaps between batches, nights', () => {
    const week = judgeEach(batches, THIRD_WEEK + WEEK, batchCalls);
    expect(week.lowRate).toEqual([]);
    expect(week.thirty).toEqual([]);
  });

  it('reports the low-rate key going silent at its evening peak within the hour, where the 30-minute check cannot', () => {
    const start = THIRD_WEEK + 2 * MINUTES_PER_DAY + 17 * 60 + 30;
    const before = replayUntil(evening, start, (minute) => calls(eveningCalls(minute)));
    const expected = seasonalExpectation(before.baseline.seasonal, start + 0.5).expected;
    expect(expected).toBeGreaterThan(1.5);
    expect(expected).toBeLessThan(DEFAULT_ANOMALY_CONFIG.traffic.drop.minExpectedPerMinute);
    const drop = judgeEach(before, start + 60, silentFrom(eveningCalls, start));
    expect(drop.thirty).toEqual([]);
    expect(drop.lowRate.length).toBeGreaterThan(0);
    expect(drop.lowRate[0].minute - start).toBeLessThan(60);
  });

  it('reports the batch client going silent within two hours, over the longer window', () => {
    const start = THIRD_WEEK + 2 * MINUTES_PER_DAY + 12 * 60;
    const before = replayUntil(batches, start, (minute) => calls(batchCalls(minute)));
    const drop = judgeEach(before, start + 150, silentFrom(batchCalls, start));
    expect(drop.thirty).toEqual([]);
    expect(drop.lowRate.length).toBeGreaterThan(0);
    expect(drop.lowRate[0].minute - start).toBeLessThan(LONGEST);
    expect(drop.lowRate[0].window).toBeGreaterThan(30);
    // Half an hour of silence is one of its ordinary gaps, at that size of batch: not yet a drop.
    expect(drop.lowRate[0].minute - start).toBeGreaterThanOrEqual(30);
  });

  it('is silent when the key goes quiet at an hour it was quiet before (a night, a weekend)', () => {
    const night = THIRD_WEEK + 2 * MINUTES_PER_DAY + 23 * 60;
    const saturdayNight = THIRD_WEEK + 5 * MINUTES_PER_DAY + 23 * 60;
    for (const [replay, countsAt, from] of [
      [evening, eveningCalls, night],
      [batches, batchCalls, night],
      [evening, eveningCalls, saturdayNight],
    ] as const) {
      const before = replayUntil(replay, from, (minute) => calls(countsAt(minute)));
      expect(judgeEach(before, from + 180, silentFrom(countsAt, from)).lowRate).toEqual([]);
    }
  });

  it('is silent for a quiet key going silent, and for a daily cron that skips a run', () => {
    const quietAt = (minute: number): number => poissonAt(minute, 0.1, 31);
    const cronAt = (minute: number): number => (hourOfDay(minute) >= 3 && hourOfDay(minute) < 3.1 ? 100 : 0);
    const skippedCron = (minute: number): number =>
      minute >= THIRD_WEEK + MINUTES_PER_DAY && minute < THIRD_WEEK + 2 * MINUTES_PER_DAY
        ? 0
        : cronAt(minute);
    for (const countsAt of [quietAt, cronAt]) {
      const replay = replayUntil(startReplay(MONDAY), THIRD_WEEK, (minute) => calls(countsAt(minute)));
      const silent = countsAt === cronAt ? skippedCron : silentFrom(quietAt, THIRD_WEEK + 60);
      expect(judgeEach(replay, THIRD_WEEK + 2 * MINUTES_PER_DAY, silent).lowRate).toEqual([]);
    }
  });

  it('adds up the quietest half hours of past weeks over the window (null without history)', () => {
    const at = THIRD_WEEK + 2 * MINUTES_PER_DAY + 18 * 60 + 10;
    const before = replayUntil(evening, at, (minute) => calls(eveningCalls(minute)));
    const low = pastLowOver(before.baseline, at, 120, 30);
    expect(low).not.toBeNull();
    // Never more than the calls the key made in the same two hours a week earlier (nor on the day before).
    for (const back of [WEEK, MINUTES_PER_DAY]) {
      let earlier = 0;
      for (let minute = at - back - 119; minute <= at - back; minute++) earlier += eveningCalls(minute);
      expect(low).toBeLessThanOrEqual(earlier);
    }
    expect(low).toBeGreaterThan(50);
    expect(pastLowOver(startReplay(MONDAY).baseline, at, 120, 30)).toBeNull();
  });

  it('property: a long enough silence where the past low holds enough batches always fires; the same windows at their past low never do', () => {
    const { falseAlarmProbability, minPastLow } = DEFAULT_ANOMALY_CONFIG.traffic.lowRateDrop;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom(1, 5, 20),
        fc.integer({ min: 9, max: 20 }),
        (rateTenths, batch, hour) => {
          // Batches of `batch` calls at a steady rate from 06:00 to 22:00 on every day.
          const countsAt = (minute: number): number => {
            const h = hourOfDay(minute);
            return h >= 6 && h < 22 ? batch * poissonAt(minute, rateTenths / 10 / batch, 41) : 0;
          };
          const at = THIRD_WEEK + MINUTES_PER_DAY + hour * 60;
          const start = at - LONGEST + 1;
          const replay = replayUntil(startReplay(MONDAY), at, (minute) =>
            calls(minute < start ? countsAt(minute) : 0),
          );
          const window = windowAt(replay, calls(0), silentFrom(countsAt, start));
          const low = pastLowOver(replay.baseline, at, LONGEST, 30) ?? 0;
          const middle = seasonalExpectation(replay.baseline.seasonal, at - LONGEST / 2 + 1);
          const batches = low / Math.max(1, middle.dispersion);
          const finding = detectLowRateTrafficDrop(window, replay.baseline);
          if (
            low >= minPastLow &&
            LONGEST * middle.expected >= minPastLow &&
            Math.exp(-batches) <= falseAlarmProbability
          ) {
            expect(finding?.kind).toBe('traffic_drop');
          }
          if (Math.exp(-batches) > falseAlarmProbability) {
            expect(finding).toBeNull();
          }
          // The key's ordinary traffic in the same minutes is never a drop.
          const ordinary = replayUntil(startReplay(MONDAY), at, (minute) => calls(countsAt(minute)));
          expect(
            detectLowRateTrafficDrop(windowAt(ordinary, calls(countsAt(at)), countsAt), ordinary.baseline),
          ).toBeNull();
        },
      ),
      { numRuns: 8 },
    );
  });
});
