import {
  assertGranularity,
  assertTimeZone,
  buckets,
  InvalidTimeInputError,
  nextBucketStart,
  type Granularity,
} from '@keymeter/domain';
import { UsageQueryInputError } from './usage-query-error';

/** Default cap on buckets per series: a response stays a few MB at most. */
export const DEFAULT_MAX_BUCKETS = 10_000;

/** An id of a customer or key: what the product issues (ULID-like, prefixed), never free text. */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function assertId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw UsageQueryInputError.of(field, 'must be an id (1-64 letters, digits, _ or -)');
  }
  return value;
}

export function assertRange(from: Date, to: Date): void {
  if (!(from instanceof Date) || Number.isNaN(from.getTime())) {
    throw UsageQueryInputError.of('from', 'must be a valid date-time');
  }
  if (!(to instanceof Date) || Number.isNaN(to.getTime())) {
    throw UsageQueryInputError.of('to', 'must be a valid date-time');
  }
  if (to.getTime() <= from.getTime()) throw UsageQueryInputError.of('to', 'must be after from');
}

/** Runs a domain time check and reports its failure as a field issue. */
export function asFieldIssue<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof InvalidTimeInputError) throw UsageQueryInputError.of(error.field, error.reason);
    throw error;
  }
}

export interface BucketPlan {
  readonly granularity: Granularity;
  readonly timeZone: string;
  /** Starts of the buckets covering [from, to), epoch ms; the first may be before from. */
  readonly startsMs: readonly number[];
  /** End of the last bucket, epoch ms. */
  readonly lastEndMs: number;
}

export function planBuckets(
  from: Date,
  to: Date,
  granularity: unknown,
  timeZone: unknown,
  maxBuckets: number,
): BucketPlan {
  const unit = asFieldIssue(() => assertGranularity(granularity, 'granularity'));
  const zone = asFieldIssue(() => assertTimeZone(timeZone, 'tz'));
  assertRange(from, to);
  const starts = asFieldIssue(() => buckets(from, to, unit, zone, { maxBuckets }));
  const last = starts[starts.length - 1];
  return {
    granularity: unit,
    timeZone: zone,
    startsMs: starts.map((start) => start.getTime()),
    lastEndMs: nextBucketStart(last, unit, zone).getTime(),
  };
}
