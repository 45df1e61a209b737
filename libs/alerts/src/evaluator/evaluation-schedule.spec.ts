import type { AlertEvaluator, MinuteEvaluation } from './alert-evaluator';
import { EvaluationSchedule, latestDueMinute } from './evaluation-schedule';

const MINUTE = 60_000;

function fakeEvaluator(evaluated: number[]): AlertEvaluator {
  return {
    evaluate: (minute: number): Promise<MinuteEvaluation> => {
      evaluated.push(minute);
      return Promise.resolve({
        minute,
        evaluated: true,
        keys: 0,
        findings: 0,
        opened: 0,
        escalated: 0,
        resolved: 0,
        actions: 0,
        warmedUp: 0,
        elapsedMs: 0,
      });
    },
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
    let now = 100 * MINUTE + 20_000;
    const schedule = new EvaluationSchedule({
      evaluator: fakeEvaluator(evaluated),
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
