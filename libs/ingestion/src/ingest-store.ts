import type { BatchRange } from './batch-range';
import type { PlannedRange } from './partition-buffer';
import type { RawEventRow } from './raw-event-row';

export interface BatchWatermark {
  readonly topic: string;
  readonly partition: number;
  readonly lastOffset: bigint;
  /** Log append time of the record at lastOffset, epoch ms. */
  readonly lastLogTimeMs: number;
  /** Largest event time in the batch, epoch ms (undefined when the batch had no valid event). */
  readonly maxOccurredAtMs: number | undefined;
}

/** Where the ingestor keeps events and its bookkeeping. Every method may throw while the store is down. */
export interface IngestStore {
  /** Plans recorded for `topic[partition]` starting at or after `fromOffset`, in recording order. */
  loadPlans(topic: string, partition: number, fromOffset: bigint): Promise<PlannedRange[]>;
  recordPlan(range: BatchRange): Promise<void>;
  /**
   * Which of `eventIds` are already stored by a batch other than `range` (rows stored from `range` itself
   * are an earlier attempt of this very batch, so they do not count).
   */
  findIdsStoredElsewhere(eventIds: readonly string[], range: BatchRange): Promise<Set<string>>;
  /** Inserts the batch's rows with its deduplication token; resolves once ClickHouse acknowledged them. */
  insertEvents(rows: readonly RawEventRow[], range: BatchRange): Promise<void>;
  recordWatermark(watermark: BatchWatermark): Promise<void>;
}
