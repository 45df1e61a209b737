export { METERS, zeroMeters, type Meter, type MeterValues } from './meters';
export { addMeters, canonicalDecimal } from './meter-sum';
export { UsageQueryInputError, type UsageFieldIssue } from './usage-query-error';
export { USAGE_GROUP_BYS, isUsageGroupBy, type UsageGroup, type UsageGroupBy } from './usage-group-by';
export { chooseUsageTable, USAGE_TABLES, type UsageTable, type UsageTableName } from './usage-source-table';
export { DEFAULT_MAX_BUCKETS, planBuckets, type BucketPlan } from './usage-query-input';
export {
  seriesSql,
  usageSeries,
  type UsagePoint,
  type UsageSeries,
  type UsageSeriesLine,
  type UsageSeriesQuery,
} from './usage-series';
export {
  lastUsedAt,
  usageByCustomerKeyMeter,
  usageByKey,
  usageTotals,
  type CustomerKeyMeterQuantity,
  type CustomerKeyMeterQuery,
  type CustomerUsageRange,
  type KeyMeterValues,
  type UsageRange,
} from './usage-totals';
export {
  createClickHouseLastUsedAt,
  createClickHouseUsageSource,
  DEFAULT_USAGE_TOPIC,
  type ClickHouseUsageSourceOptions,
} from './clickhouse-usage-source';
export { partitionRanges, readPartitionRanges, type PartitionRange } from './topic-range';
export {
  reconcile,
  type PartitionReport,
  type ReconcileMode,
  type ReconcileOptions,
  type ReconciliationReport,
} from './reconcile/reconcile';
export type { SampledReconcileSettings, SampleReport } from './reconcile/reconcile-sampled';
export {
  cleanSampleBound,
  planSample,
  sampleSize,
  type SamplePlan,
  type SampleWindow,
} from './reconcile/sample-plan';
export {
  REBUILT_TABLES,
  replayUsageTables,
  tableCounts,
  type ReplayOptions,
  type ReplayResult,
  type TableCounts,
} from './replay/replay';
