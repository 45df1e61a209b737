const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * When to try a failed delivery again. After the n-th failed attempt the next one waits a random delay
 * drawn uniformly from [minDelayMs, capsMs[n-1]] ("full jitter": receivers recovering from an outage
 * are not hit by every sender at once), and never later than `windowMs` after the first attempt.
 * When the caps run out or the window has passed, the delivery has failed.
 */
export interface RetrySchedule {
  readonly capsMs: readonly number[];
  readonly windowMs: number;
  readonly minDelayMs: number;
}

/**
 * 8 attempts within 24 h: the caps follow the Standard Webhooks example (5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 10 h). With full jitter the retries span about 14 h on average, at most 24 h.
 */
export const DEFAULT_RETRY_SCHEDULE: RetrySchedule = {
  capsMs: [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR],
  windowMs: 24 * HOUR,
  minDelayMs: SECOND,
};

/** A number in [0, 1); injectable so tests can pin the jitter. */
export type RandomSource = () => number;

/**
 * The time of the next attempt after `attemptsMade` failed attempts (the latest at `now`), or null when
 * the delivery has failed for good.
 */
export function nextAttemptAt(
  schedule: RetrySchedule,
  attemptsMade: number,
  firstAttemptAt: Date,
  now: Date,
  random: RandomSource,
): Date | null {
  if (attemptsMade < 1 || attemptsMade > schedule.capsMs.length) return null;
  const deadline = firstAttemptAt.getTime() + schedule.windowMs;
  if (now.getTime() >= deadline) return null;
  const cap = schedule.capsMs[attemptsMade - 1];
  const delay = schedule.minDelayMs + Math.round(random() * Math.max(0, cap - schedule.minDelayMs));
  return new Date(Math.min(now.getTime() + delay, deadline));
}
