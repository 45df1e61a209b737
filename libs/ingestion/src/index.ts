export { deduplicationTokenOf, describeRange, type BatchRange } from './batch-range';
export { toRawEventRow, type RawEventRow, type RowSource } from './raw-event-row';
export { RAW_EVENT_COLUMNS, rawEventRowAsTabSeparated, tabSeparatedField } from './raw-event-body';
export {
  keepRows,
  rawEventBodyOf,
  rawEventRowsAsTabSeparated,
  type RawEventBody,
} from './raw-event-body-writer';
export { prepareBatch, type DeadLetter, type PreparedBatch } from './prepare-batch';
export { PartitionBuffer, type BatchCut, type CutRules, type PlannedRange } from './partition-buffer';
export type { BatchWatermark, IngestStore, LandingRepair } from './ingest-store';
export { landingMarkTag } from './landing-marks';
export { parsePlanMetadata, planMetadata, type CommittedPlan } from './plan-metadata';
export {
  ClickHouseIngestStore,
  clickHouseTime,
  readIngestWatermarks,
  type ClickHouseIngestStoreOptions,
  type IngestWatermark,
} from './clickhouse-ingest-store';
export { IngestMetrics } from './ingest-metrics';
export {
  IngestionEngine,
  type CommittedBatch,
  type IngestionEngineOptions,
  type IngestionStatus,
  type IngestLog,
  type IngestLogLevel,
  type PartitionStatus,
} from './ingestion-engine';
export * from './ingestor-group';
