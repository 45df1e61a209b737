import type { AlertEvaluator, MinuteEvaluation, RangeEvaluation } from './alert-evaluator';
import { EvaluationSchedule, latestDueMinute } from './evaluation-schedule';

const MINUTE = 60_000;

const NOTHING = { keys: 0, findings: 0, opened: 0, escalated: 0, resolved: 0, actions: 0, warmedUp: 0 };

/** Records the minutes evaluated, one by one or as ranges (`ranges`); `latest` is the newest claimed minute. */
function fakeEvaluator(evaluated: number[], ranges: [number, number][] = [], latest: number | null = null) {
  return {
    evaluate: (minute: number): Promise<MinuteEvaluation> => {
      evaluated.push(minute);
      return Promise.resolve({ minute, evaluated: true, ...NOTHING, elapsedMs: 0 });
    },
    evaluateRange: (fromMinute: number, toMinute: number): Promise<RangeEvaluation> => {
      ranges.push([fromMinute, toMinute]);
      for (let minute = fromMinute; minute <= toMinute; minute++) evaluated.push(minute);
      const count = toMinute - fromMinute + 1;
      return Promise.resolve({
        fromMinute,
        toMinute,
        evaluated: count,
        skipped: 0,
        ...NOTHING,
        elapsedMs: 0,
      });
    },
    latestEvaluatedMinute: (): Promise<number | null> => Promise.resolve(latest),
  } as unknown as AlertEvaluator;
}

const quiet = { info: () => undefined, error: () => undefined };

describe('EvaluationSchedule', () => {
  it('evaluates a minute once it ended at least the delay ago', () => {
    expect(latestDueMinute(100 * MINUTE + 14_999, 15_000)).toBe(98);
    expect(latestDueMinute(100 * MINUTE + 15_000, 15_000)).toBe(99);
  });

  it('evaluates each due minute once, in order, catching up after a pause within the bound', async () => {
    const evaluated: number[] = [];
    const ranges: [number, number][] = [];
    let now = 100 * MINUTE + 20_000;
    const schedule = new EvaluationSchedule({
      evaluator: fakeEvaluator(evaluated, ranges),
      intervalMs: 60_000,
      delayMs: 15_000,
      logger: quiet,
      clock: () => now,
      maxCatchUpMinutes: 5,
    });
    await schedule.tick();
    await schedule.tick();
    expect(evaluated).toEqual([99]);
    now += 3 * MINUTE;
    await schedule.tick();
    expect(evaluated).toEqual([99, 100, 101, 102]);
    now += 60 * MINUTE;
    await schedule.tick();
    expect(evaluated.slice(4)).toEqual([158, 159, 160, 161, 162]);
    // A few due minutes one by one, more as one range.
    expect(ranges).toEqual([[158, 162]]);
  });

  it('after a start, catches up from the newest minute evaluated before it, as a range within the bound', async () => {
    const evaluated: number[] = [];
    const ranges: [number, number][] = [];
    const schedule = (latest: number | null) =>
      new EvaluationSchedule({
        evaluator: fakeEvaluator(evaluated, ranges, latest),
        intervalMs: 60_000,
        delayMs: 15_000,
        logger: quiet,
        clock: () => 100 * MINUTE + 20_000,
        maxCatchUpMinutes: 30,
      });
    await schedule(80).tick();
    expect(ranges).toEqual([[81, 99]]);
    await schedule(10).tick();
    expect(ranges.slice(1)).toEqual([[70, 99]]);
    evaluated.length = 0;
    await schedule(null).tick();
    expect(evaluated).toEqual([99]);
  });

  it('runs one evaluation at a time', async () => {
    const evaluated: number[] = [];
    const schedule = new EvaluationSchedule({
      evaluator: fakeEvaluator(evaluated),
      intervalMs: 60_000,
      delayMs: 0,
      logger: quiet,
      clock: () => 10 * MINUTE,
    });
    await Promise.all([schedule.tick(), schedule.tick()]);
    expect(evaluated).toEqual([9]);
  });
});
