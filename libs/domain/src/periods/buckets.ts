import type { IANAZone } from 'luxon';
import { firstInstantOfLocalDate, firstInstantWhere, localDateOf } from './local-calendar';
import { instantMs, InvalidTimeInputError, quoteInput } from './time-input-error';
import { offsetMsAt, zoneNamed } from './time-zone';

export const GRANULARITIES = ['minute', 'hour', 'day', 'month'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export interface BucketsOptions {
  /** Refuse ranges with more buckets than this (default 100 000), so one query cannot ask for millions. */
  maxBuckets?: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DEFAULT_MAX_BUCKETS = 100_000;
const STEADY_STRETCH_MS = 86_400_000;

export function assertGranularity(value: unknown, field = 'granularity'): Granularity {
  if (typeof value === 'string' && (GRANULARITIES as readonly string[]).includes(value)) {
    return value as Granularity;
  }
  throw new InvalidTimeInputError(
    field,
    `must be one of ${GRANULARITIES.join(', ')}; got ${quoteInput(value)}`,
  );
}

/**
 * Start of the bucket holding `instant`, in `timeZone`. Day and month buckets start at the first instant of
 * the local date (so a day lasts 23 or 25 hours across a DST change). Minute and hour buckets start at the
 * local wall-clock minute or hour (Asia/Kolkata hours start at hh:30 UTC), and every UTC-offset change
 * also starts a bucket: the repeated 01:00 hour of a fall-back is two buckets. See docs/time.md.
 */
export function bucketStart(instant: Date, granularity: Granularity, timeZone: string): Date {
  const zone = zoneNamed(timeZone, 'timeZone');
  return new Date(bucketStartMs(instantMs(instant, 'instant'), assertGranularity(granularity), zone));
}

/** Start of the bucket after the one holding `instant` (that is, the end of the bucket holding it). */
export function nextBucketStart(instant: Date, granularity: Granularity, timeZone: string): Date {
  const zone = zoneNamed(timeZone, 'timeZone');
  const start = bucketStartMs(instantMs(instant, 'instant'), assertGranularity(granularity), zone);
  return new Date(nextBucketStartMs(start, granularity, zone));
}

/**
 * Starts of the buckets covering [from, to), in increasing order: the first one holds `from` (and may begin
 * before it), the last one holds the instant just before `to`. Empty when from equals to.
 */
export function buckets(
  from: Date,
  to: Date,
  granularity: Granularity,
  timeZone: string,
  options: BucketsOptions = {},
): Date[] {
  const fromMs = instantMs(from, 'from');
  const toMs = instantMs(to, 'to');
  if (toMs < fromMs) {
    throw new InvalidTimeInputError('to', 'must not be before from');
  }
  const unit = assertGranularity(granularity);
  const zone = zoneNamed(timeZone, 'timeZone');
  const maxBuckets = options.maxBuckets ?? DEFAULT_MAX_BUCKETS;
  const starts: Date[] = [];
  const add = (start: number): void => {
    if (starts.length === maxBuckets) {
      throw new InvalidTimeInputError('to', `range holds more than ${maxBuckets} ${unit} buckets`);
    }
    starts.push(new Date(start));
  };
  if (fromMs === toMs) {
    return starts;
  }
  let start = bucketStartMs(fromMs, unit, zone);
  while (start < toMs) {
    add(start);
    if (unit === 'minute' || unit === 'hour') {
      start = addSteadyWallClockUnits(start, toMs, unit === 'minute' ? MINUTE_MS : HOUR_MS, zone, add);
    }
    start = nextBucketStartMs(start, unit, zone);
  }
  return starts;
}

/**
 * Fast path for minute and hour buckets: when the offset is the same at `start` and a day later, no change
 * happened in between (no zone changes its offset twice within a day), so the following boundaries are plain
 * arithmetic. Adds them (before `toMs`) and returns the last bucket start added.
 */
function addSteadyWallClockUnits(
  start: number,
  toMs: number,
  unitMs: number,
  zone: IANAZone,
  add: (start: number) => void,
): number {
  const offset = offsetMsAt(zone, start);
  const steadyUntil = Math.min(start + STEADY_STRETCH_MS, toMs);
  if (offsetMsAt(zone, steadyUntil) !== offset) {
    return start;
  }
  let last = start;
  for (let next = start + unitMs - modulo(start + offset, unitMs); next < steadyUntil; next += unitMs) {
    add(next);
    last = next;
  }
  return last;
}

function bucketStartMs(epochMs: number, granularity: Granularity, zone: IANAZone): number {
  switch (granularity) {
    case 'minute':
      return wallClockUnitStart(epochMs, MINUTE_MS, zone);
    case 'hour':
      return wallClockUnitStart(epochMs, HOUR_MS, zone);
    case 'day': {
      const { year, month, day } = localDateOf(epochMs, zone);
      return firstInstantOfLocalDate(year, month, day, zone);
    }
    case 'month': {
      const { year, month } = localDateOf(epochMs, zone);
      return firstInstantOfLocalDate(year, month, 1, zone);
    }
  }
}

/** `start` must be a bucket start. */
function nextBucketStartMs(start: number, granularity: Granularity, zone: IANAZone): number {
  switch (granularity) {
    case 'minute':
      return nextWallClockUnitStart(start, MINUTE_MS, zone);
    case 'hour':
      return nextWallClockUnitStart(start, HOUR_MS, zone);
    case 'day':
    case 'month': {
      const { year, month, day } = localDateOf(start, zone);
      // The next date's first instant is after every instant of this one; the loop only guards progress.
      for (let step = 1; ; step++) {
        const next =
          granularity === 'day'
            ? firstInstantOfLocalDate(year, month, day + step, zone)
            : firstInstantOfLocalDate(year, month + step, 1, zone);
        if (next > start) {
          return next;
        }
      }
    }
  }
}

/** Floor to the local wall-clock unit, but never before the latest offset change. */
function wallClockUnitStart(epochMs: number, unitMs: number, zone: IANAZone): number {
  const offset = offsetMsAt(zone, epochMs);
  const candidate = epochMs - modulo(epochMs + offset, unitMs);
  if (offsetMsAt(zone, candidate) === offset) {
    return candidate;
  }
  return firstInstantWhere(candidate, epochMs, (t) => offsetMsAt(zone, t) === offset);
}

/** The next local wall-clock unit boundary, or an offset change before it, whichever comes first. */
function nextWallClockUnitStart(start: number, unitMs: number, zone: IANAZone): number {
  const offset = offsetMsAt(zone, start);
  const next = start + unitMs - modulo(start + offset, unitMs);
  if (offsetMsAt(zone, next) === offset) {
    return next;
  }
  return firstInstantWhere(start, next, (t) => offsetMsAt(zone, t) !== offset);
}

function modulo(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}
