import type { UsageEventV1 } from '@keymeter/contracts';

export interface UsageEventSinkStats {
  /** Events accepted but not yet acknowledged by the event log (in memory + spooled on disk). */
  readonly pending: number;
  /** Bytes currently held in the on-disk spool. */
  readonly spoolBytes: number;
  /** Events currently held in the on-disk spool. */
  readonly spooledEvents: number;
  readonly produced: number;
  readonly producerErrors: number;
  /** Events given to `emit` that were lost because the spool was full (each one is also logged). */
  readonly dropped: number;
}

/**
 * Events already validated and encoded, as the ingestion endpoint hands them over: `count` compact payloads
 * (the UTF-8 of `encodeUsageEventJson`) each followed by a newline, which a payload cannot contain, and
 * their partitioning keys (`usageEventKey`) likewise. The sink may keep views of both buffers until the events
 * are produced: the caller must not change them afterwards.
 */
export interface EncodedUsageEventBatch {
  readonly count: number;
  readonly keys: Uint8Array;
  readonly payloads: Uint8Array;
}

/**
 * Where the gateway hands its usage events. `emit` never waits on the event log: events are batched
 * and produced in the background; while the log is unreachable they spill to a bounded on-disk spool
 * and are replayed in order when it returns.
 */
export interface UsageEventSink {
  emit(event: UsageEventV1): void;
  /**
   * For ingestion endpoints that must answer only once events are durable: resolves when every
   * given event is produced or spooled to disk. Rejects (with `SpoolFullError`) when they can be
   * neither produced nor spooled; the caller then answers 503 and the client retries.
   */
  emitDurably(events: readonly UsageEventV1[]): Promise<void>;
  /**
   * `emitDurably` for events the caller encoded itself (same guarantees). Optional: a sink without it is
   * given `UsageEventV1` objects through `emitDurably`.
   */
  emitBatchDurably?(batch: EncodedUsageEventBatch): Promise<void>;
  /** Resolves when everything emitted so far is produced (or durably spooled, if the log is down). */
  flush(): Promise<void>;
  stats(): UsageEventSinkStats;
  /** Flushes, then stops background work. */
  close(): Promise<void>;
}
