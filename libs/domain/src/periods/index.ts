export {
  assertGranularity,
  bucketStart,
  buckets,
  GRANULARITIES,
  nextBucketStart,
  type BucketsOptions,
  type Granularity,
} from './buckets';
export { dayBoundaries, type LocalDay } from './day-boundaries';
export {
  billingPeriod,
  formatPeriod,
  parsePeriod,
  periodContaining,
  shiftPeriod,
  type BillingPeriod,
  type YearMonth,
} from './period';
export { InvalidTimeInputError } from './time-input-error';
export { assertTimeZone } from './time-zone';
