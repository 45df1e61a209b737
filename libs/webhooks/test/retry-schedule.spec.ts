import { DEFAULT_RETRY_SCHEDULE, nextAttemptAt } from '../src';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const first = new Date('2026-11-01T00:00:00.000Z');
const at = (ms: number) => new Date(first.getTime() + ms);

describe('retry schedule', () => {
  it('waits at most the cap of each retry (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), never past 24 h', () => {
    let now = first;
    const times: number[] = [0];
    for (let attempts = 1; ; attempts += 1) {
      const next = nextAttemptAt(DEFAULT_RETRY_SCHEDULE, attempts, first, now, () => 0.999999999);
      if (next === null) break;
      times.push(next.getTime() - first.getTime());
      now = next;
    }
    expect(times).toEqual([
      0,
      5 * SECOND,
      5 * SECOND + 5 * MINUTE,
      5 * SECOND + 35 * MINUTE,
      5 * SECOND + 2 * HOUR + 35 * MINUTE,
      5 * SECOND + 7 * HOUR + 35 * MINUTE,
      5 * SECOND + 17 * HOUR + 35 * MINUTE,
      24 * HOUR,
    ]);
  });

  it('draws each delay uniformly between 1 s and the cap (full jitter)', () => {
    expect(nextAttemptAt(DEFAULT_RETRY_SCHEDULE, 2, first, first, () => 0)).toEqual(at(SECOND));
    expect(nextAttemptAt(DEFAULT_RETRY_SCHEDULE, 2, first, first, () => 0.5)).toEqual(
      at(SECOND + Math.round(0.5 * (5 * MINUTE - SECOND))),
    );
  });

  it('gives up after the 8th attempt or once 24 h have passed since the first', () => {
    expect(nextAttemptAt(DEFAULT_RETRY_SCHEDULE, 8, first, at(HOUR), () => 0)).toBeNull();
    expect(nextAttemptAt(DEFAULT_RETRY_SCHEDULE, 3, first, at(24 * HOUR), () => 0)).toBeNull();
    expect(nextAttemptAt(DEFAULT_RETRY_SCHEDULE, 3, first, at(24 * HOUR - SECOND), () => 0.9)).toEqual(
      at(24 * HOUR),
    );
  });
});
