import fc from 'fast-check';
import { DEFAULT_ANOMALY_CONFIG } from './anomaly-config';
import { pastPeakNear, pastShortWindowPeak, seasonalExpectation } from './seasonal-baseline';
import { detectTrafficSpike } from './traffic-detector';
import { MINUTES_PER_DAY, type AnomalyFinding } from './types';
import {
  MONDAY,
  WEEK,
  calls,
  jitter,
  replayUntil,
  startReplay,
  step,
  windowWith,
  type Replay,
} from './test/series';

const THIRD_WEEK = MONDAY + 2 * WEEK;
/** Four weeks of history: the evaluator's default (`seasonWeeks`). */
const FIFTH_WEEK = MONDAY + 4 * WEEK;

/** A Poisson(mean) draw for a minute, by inversion of one deterministic uniform (`jitter`), so series repeat. */
function poissonAt(minute: number, mean: number, salt: number): number {
  const uniform = (jitter(minute, salt) + 1) / 2;
  let k = 0;
  let term = Math.exp(-mean);
  let cumulative = term;
  while (cumulative < uniform && k < 10 * mean + 50) {
    k += 1;
    term *= mean / k;
    cumulative += term;
  }
  return k;
}

interface BatchClient {
  /** Calls per batch. */
  readonly batch: number;
  /** Average calls per minute (a daily cycle of ±50 % around it, busiest at 18:00 UTC). */
  readonly rate: number;
  readonly salt: number;
}

/** A client that sends its calls in batches at random times (Poisson batches), as the generated batch clients do. */
function batchCalls(client: BatchClient, minute: number): number {
  const hour = (minute % MINUTES_PER_DAY) / 60;
  const level = client.rate * (1 + 0.5 * Math.cos((2 * Math.PI * (hour - 18)) / 24));
  return client.batch * poissonAt(minute, level / client.batch, client.salt);
}

/** The same client plus a stranger's or a runaway job's batches of the same size, `extra` calls a minute. */
function withSpike(client: BatchClient, extra: number): (minute: number) => number {
  return (minute) =>
    batchCalls(client, minute) + client.batch * poissonAt(minute, extra / client.batch, client.salt + 101);
}

/** Every spike finding over `minutes` minutes of `level`, from `from` on (each minute judged, then folded). */
function spikeFindings(from: Replay, minutes: number, level: (minute: number) => number): AnomalyFinding[] {
  let replay = from;
  const findings: AnomalyFinding[] = [];
  for (let index = 0; index < minutes; index++) {
    const counts = calls(level(replay.next));
    const finding = detectTrafficSpike(windowWith(replay, counts), replay.baseline);
    if (finding !== null) {
      findings.push(finding);
    }
    replay = step(replay, counts);
  }
  return findings;
}

/** Minutes from `from` until the first spike finding of `level` (1 = its first minute), or -1 within `minutes`. */
function delayOf(from: Replay, minutes: number, level: (minute: number) => number): number {
  let replay = from;
  for (let index = 0; index < minutes; index++) {
    const counts = calls(level(replay.next));
    if (detectTrafficSpike(windowWith(replay, counts), replay.baseline) !== null) {
      return index + 1;
    }
    replay = step(replay, counts);
  }
  return -1;
}

/** The index of a window length among the spike check's short windows (the baseline keeps them in that order). */
function shortWindow(minutes: number): number {
  const index = DEFAULT_ANOMALY_CONFIG.traffic.spike.windowsMinutes.indexOf(minutes);
  if (index < 0) {
    throw new Error(`no ${minutes}-minute window`);
  }
  return index;
}

/** The length in minutes of a finding's window. */
function windowLength(finding: AnomalyFinding | null): number {
  const window = finding?.evidence.window;
  return window === undefined ? 0 : window.endMinute - window.startMinute + 1;
}

describe('spike check over 2 minutes (windowed)', () => {
  /**
   * Independent calls (Poisson), `rate` a minute on average, ±30 % over the day (busiest at 14:00 UTC) and ±15 %
   * from day to day: a busy day's minutes set the key's past peak well above an ordinary day's expectation.
   */
  const poissonKey =
    (rate: number, salt: number) =>
    (minute: number): number => {
      const hour = (minute % MINUTES_PER_DAY) / 60;
      const day = Math.floor(minute / MINUTES_PER_DAY);
      const level =
        rate * (1 + 0.3 * Math.cos((2 * Math.PI * (hour - 14)) / 24)) * (1 + 0.15 * jitter(day, salt));
      return poissonAt(minute, level, salt);
    };
  const SALT = 5;
  const learned = new Map<number, Replay>();
  const learnedFor = (rate: number): Replay => {
    let replay = learned.get(rate);
    if (replay === undefined) {
      const normal = poissonKey(rate, SALT);
      replay = replayUntil(startReplay(MONDAY), FIFTH_WEEK, (minute) => calls(normal(minute)));
      learned.set(rate, replay);
    }
    return replay;
  };
  /** The key replayed to `spikeAt` (minutes into a day after four weeks), and what its baseline says of that minute. */
  const judgedAt = (rate: number, spikeAt: number) => {
    const normal = poissonKey(rate, SALT);
    const at = FIFTH_WEEK + spikeAt;
    const before = replayUntil(learnedFor(rate), at, (minute) => calls(normal(minute)));
    const seasonal = before.baseline.seasonal;
    return {
      at,
      before,
      peak: pastPeakNear(seasonal, at + 0.5, DEFAULT_ANOMALY_CONFIG.traffic.spike.peakNearMinutes),
      expected: seasonalExpectation(seasonal, at + 0.5).expected,
      twoMinutePeak: pastShortWindowPeak(seasonal, at + 1.5, shortWindow(2)),
    };
  };

  /** A key's average rate (of three, each replayed once) and a minute of the day after its four weeks. */
  const rateAndMinute = fc.tuple(
    fc.constantFrom(10, 14, 18),
    fc.integer({ min: 0, max: MINUTES_PER_DAY - 1 }),
  );

  // Each minute alone is within what the key did before (at most its busiest minute around this hour), which the
  // one-minute and persistent checks require to be beaten; two of them in a row, beyond its busiest two minutes,
  // are not (a key of 14 calls a minute going to 41 and 41 waited 4 minutes for the 5-minute window before).
  it("reports two minutes in a row at the key's past peak, beyond its busiest two, at the second minute (property)", () => {
    fc.assert(
      fc.property(rateAndMinute, ([rate, spikeAt]) => {
        const { at, before, peak, expected, twoMinutePeak } = judgedAt(rate, spikeAt);
        // 2.5 × the expectation at least (the ratio of a window as short as the persistent check's), 15 calls a
        // minute above it (the floor), and the two minutes beyond the busiest two seen around this hour by their
        // counting deviation.
        fc.pre(
          peak >= 2.6 * expected &&
            peak - expected >= 16 &&
            2 * peak > twoMinutePeak + Math.sqrt(twoMinutePeak),
        );
        expect(detectTrafficSpike(windowWith(before, calls(peak)), before.baseline)).toBeNull();
        const second = replayUntil(before, at + 1, () => calls(peak));
        const finding = detectTrafficSpike(windowWith(second, calls(peak)), second.baseline);
        expect(finding).toMatchObject({
          kind: 'traffic_spike',
          evidence: { check: 'windowed', observed: 2 * peak },
        });
        expect(windowLength(finding)).toBe(2);
      }),
      { numRuns: 8 },
    );
  });

  // The one-minute check's ratio, not the windows' 2: two minutes of ordinary traffic at 2.1–2.3 × the expectation
  // beat the busiest two seen on the evaluation's keys (the expectation runs behind a key's wandering level).
  it('says nothing about two minutes in a row at 2.25 × the expectation, beyond its busiest two (property)', () => {
    fc.assert(
      fc.property(rateAndMinute, ([rate, spikeAt]) => {
        const { at, before, peak, expected, twoMinutePeak } = judgedAt(rate, spikeAt);
        const level = Math.ceil(2.25 * expected);
        // Within the busiest minute seen (the minute checks stay silent), beyond the busiest two, above the floor.
        fc.pre(level <= peak && 2 * level > twoMinutePeak + Math.sqrt(twoMinutePeak) && level >= 20);
        const second = replayUntil(before, at + 1, () => calls(level));
        expect(detectTrafficSpike(windowWith(second, calls(level)), second.baseline)).toBeNull();
      }),
      { numRuns: 12 },
    );
  });

  it("says nothing when two of a quiet batch client's batches land in consecutive minutes", () => {
    // A batch of 20 calls every 14 hours; then two in a row (three of its batches are the least a spike holds).
    const quiet = (minute: number): number => (minute % 840 === 0 ? 20 : 0);
    const at = FIFTH_WEEK + 9 * 60 + 7;
    const before = replayUntil(startReplay(MONDAY), at, (minute) => calls(quiet(minute)));
    expect(spikeFindings(before, 5, (minute) => (minute === at || minute === at + 1 ? 20 : 0))).toEqual([]);
  });

  it('says nothing about such a key over a whole week', () => {
    const normal = poissonKey(14, SALT);
    expect(spikeFindings(learnedFor(14), WEEK, normal)).toEqual([]);
  });
});

describe('spike check over 5 and 10 minutes counted in batches (windowed)', () => {
  // A batch client like the slowest spike of the pipeline scenario: batches of 10, about 26 calls a minute.
  const client: BatchClient = { batch: 10, rate: 26, salt: 3 };
  let history: Replay;
  beforeAll(() => {
    history = replayUntil(startReplay(MONDAY), THIRD_WEEK, (minute) => calls(batchCalls(client, minute)));
  });

  it('keeps the busiest 5 and 10 minutes of past days around this hour', () => {
    const at = THIRD_WEEK + 16 * 60 + 30;
    const replay = replayUntil(history, at, (minute) => calls(batchCalls(client, minute)));
    const five = pastShortWindowPeak(replay.baseline.seasonal, at + 0.5, shortWindow(5));
    const ten = pastShortWindowPeak(replay.baseline.seasonal, at + 0.5, shortWindow(10));
    // More than the expectation (5 and 10 × about 26 calls), less than twice it: the luckiest runs of batches.
    expect(five).toBeGreaterThan(5 * 26);
    expect(ten).toBeGreaterThan(five);
    expect(ten).toBeLessThan(2 * 10 * 26 * 1.5);
  });

  it("reports 32 more calls a minute on the batch client's 26 within 15 minutes (the 30-minute check took 19)", () => {
    // At 12:38 UTC the client's daily cycle is at its average, 26 calls a minute.
    const at = THIRD_WEEK + 12 * 60 + 38;
    const replay = replayUntil(history, at, (minute) => calls(batchCalls(client, minute)));
    const spike = withSpike(client, 32);
    const delay = delayOf(replay, 30, spike);
    expect(delay).toBeGreaterThan(0);
    expect(delay).toBeLessThanOrEqual(15);
    const reported = replayUntil(replay, at + delay - 1, (minute) => calls(spike(minute)));
    const finding = detectTrafficSpike(windowWith(reported, calls(spike(at + delay - 1))), reported.baseline);
    expect(finding).toMatchObject({ kind: 'traffic_spike', evidence: { check: 'windowed' } });
    expect(finding?.evidence.tailProbability).toBeLessThanOrEqual(1e-7);
    expect(finding?.evidence.dispersion).toBeGreaterThan(5);
    expect([5, 10]).toContain(windowLength(finding));
  });

  it("says nothing about the batch client's ordinary batches over a whole week", () => {
    expect(spikeFindings(history, WEEK, (minute) => batchCalls(client, minute))).toEqual([]);
  });

  it('says nothing about a daily cron larger than any of its past runs (its size wanders from day to day)', () => {
    // The batch client plus a cron at 12:46 UTC: 3 minutes of 200 calls, ±15 % from day to day.
    const cronAt = 12 * 60 + 46;
    const day = (minute: number): number => Math.floor(minute / MINUTES_PER_DAY);
    const cronKey =
      (todayFactor: number) =>
      (minute: number): number => {
        const ofDay = minute % MINUTES_PER_DAY;
        const running = ofDay >= cronAt && ofDay < cronAt + 3;
        const factor = minute >= THIRD_WEEK ? todayFactor : 1 + 0.15 * jitter(day(minute), 9);
        return batchCalls(client, minute) + (running ? Math.round(200 * factor) : 0);
      };
    const replay = replayUntil(startReplay(MONDAY), THIRD_WEEK, (minute) => calls(cronKey(1)(minute)));
    expect(spikeFindings(replay, MINUTES_PER_DAY, cronKey(1.25))).toEqual([]);
  });

  // Within 30 minutes, not 15: over 300 random clients some (batches of 17 once a minute, a spike of 3 batches a
  // minute at midday) took up to 23 minutes, and spikes of less than twice the level at night more than 30. The
  // 15-minute case is the example above.
  it('reports a batch client whose calls triple, by three batches a minute or more, within 30 minutes, and never its ordinary day (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 20 }),
        fc.integer({ min: 10, max: 60 }),
        fc.double({ min: 2, max: 4, noNaN: true }),
        fc.integer({ min: 0, max: MINUTES_PER_DAY - 60 }),
        fc.integer({ min: 0, max: 1000 }),
        (batch, rate, extraShare, spikeAt, salt) => {
          const key: BatchClient = { batch, rate, salt };
          const normal = (minute: number): number => batchCalls(key, minute);
          const learned = replayUntil(startReplay(MONDAY), THIRD_WEEK, (minute) => calls(normal(minute)));
          expect(spikeFindings(learned, MINUTES_PER_DAY, normal)).toEqual([]);
          const at = THIRD_WEEK + MINUTES_PER_DAY + spikeAt;
          const before = replayUntil(learned, at, (minute) => calls(normal(minute)));
          // Extra calls of at least 2× the client's level at that time of day (3× its calls or more, in its
          // batches), at least three of its batches a minute (fewer are within a quiet client's luckiest 10
          // minutes of past weeks) and at least 30 calls a minute (twice the floor of 15 above the expectation).
          const hour = (at % MINUTES_PER_DAY) / 60;
          const level = rate * (1 + 0.5 * Math.cos((2 * Math.PI * (hour - 18)) / 24));
          const extra = Math.max(
            extraShare * level,
            3 * batch,
            2 * DEFAULT_ANOMALY_CONFIG.traffic.spike.minExcess,
          );
          // delayOf gives -1 when nothing is reported within the 30 minutes.
          expect(delayOf(before, 30, withSpike(key, extra))).toBeGreaterThan(0);
        },
      ),
      { numRuns: 10, endOnFailure: true },
    );
  });
});
