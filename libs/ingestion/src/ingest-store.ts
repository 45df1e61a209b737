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
  /**
   * Plans recorded in the store for `topic[partition]` starting at or after `fromOffset`, in recording
   * order. Plans now travel in the offset commits (docs/ingestor.md); the engine reads these only for a
   * partition whose committed offset came from an ingestor that recorded its plans in the store (upgrade).
   */
  loadPlans(topic: string, partition: number, fromOffset: bigint): Promise<PlannedRange[]>;
  /**
   * Which of `eventIds` are already stored by a batch other than `range` (rows stored from `range` itself
   * are an earlier attempt of this very batch, so they do not count).
   */
  findIdsStoredElsewhere(eventIds: readonly string[], range: BatchRange): Promise<Set<string>>;
  /** Inserts the batch's rows with its deduplication token; resolves once ClickHouse acknowledged them. */
  insertEvents(rows: readonly RawEventRow[], range: BatchRange): Promise<void>;
  /** Records the watermarks (at most one per partition) in one write. */
  recordWatermarks(watermarks: readonly BatchWatermark[]): Promise<void>;
}
