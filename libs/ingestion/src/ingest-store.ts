import type { BatchRange } from './batch-range';
import type { PlannedRange } from './partition-buffer';
import type { RawEventBody } from './raw-event-body-writer';

export interface BatchWatermark {
  readonly topic: string;
  readonly partition: number;
  readonly lastOffset: bigint;
  /** Log append time of the record at lastOffset, epoch ms. */
  readonly lastLogTimeMs: number;
  /** Largest event time in the batch, epoch ms (undefined when the batch had no valid event). */
  readonly maxOccurredAtMs: number | undefined;
}

/** A table that lacked a batch's rows of some days after its insert, and got them from the landing check. */
export interface LandingRepair {
  readonly table: string;
  /** The days repaired, `yyyymmdd` (UTC). */
  readonly days: readonly string[];
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
   * Which of `eventIds` are already stored. With `reformed` (the default) rows stored from offsets of
   * `range` itself do not count: `range` was planned before and they are an earlier attempt of this very
   * batch. A newly cut range (`reformed` false) was never inserted by this group, so every stored copy
   * counts (e.g. the records were ingested before by another group, or before the group's offsets expired).
   */
  findIdsStoredElsewhere(
    eventIds: readonly string[],
    range: BatchRange,
    reformed?: boolean,
  ): Promise<Set<string>>;
  /** Inserts the batch's rows with its deduplication token; resolves once ClickHouse acknowledged them. */
  insertRawEvents(body: RawEventBody, range: BatchRange): Promise<void>;
  /**
   * After the insert of a range that may have been inserted before (a retry after a crash, a failed insert or a
   * rebalance): makes sure every table holds the batch exactly once, writing it into any table that lacks it
   * (docs/ingestor.md, "Landing marks"). Resolves with the tables that needed it.
   */
  completeLanding(body: RawEventBody, range: BatchRange): Promise<readonly LandingRepair[]>;
  /** Records the watermarks (at most one per partition) in one write. */
  recordWatermarks(watermarks: readonly BatchWatermark[]): Promise<void>;
}
