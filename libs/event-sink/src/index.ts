export * from './usage-event-sink';
export {
  createUsageEventSink,
  usageEventKey,
  UNIDENTIFIED_EVENT_KEY,
  type SinkLogger,
  type UsageEventSinkOptions,
} from './create-usage-event-sink';
export { DiskSpool, SpoolFullError, type SpoolRecoveryNote } from './spool/disk-spool';
export type { SpoolBatch, SpooledMessage } from './spool/spool-frame';
export {
  createThreadedUsageEventSink,
  type ThreadedUsageEventSinkOptions,
} from './threaded/threaded-usage-event-sink';
