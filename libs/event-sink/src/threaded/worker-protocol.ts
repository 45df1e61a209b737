import type { EncodedUsageEventBatch, UsageEventSinkStats } from '../usage-event-sink';

/** What the worker needs to open its own Kafka client and the spooling sink (all structured-cloneable). */
export interface SinkWorkerSetup {
  readonly kafka: { readonly brokers: readonly string[]; readonly clientId: string };
  readonly sink: {
    readonly topic: string;
    readonly spoolDir: string;
    readonly maxSpoolBytes: number;
    readonly batchSize?: number;
    readonly lingerMs?: number;
    readonly sendTimeoutMs?: number;
    readonly maxBufferedEvents?: number;
    readonly retryInitialMs?: number;
    readonly retryMaxMs?: number;
    readonly closeTimeoutMs?: number;
  };
}

/**
 * Events as they cross the thread boundary, as two strings (cloning two strings costs about half of cloning
 * two arrays of strings, measured): the partitioning keys as a JSON array, and the compact JSON payloads
 * joined by newlines (JSON.stringify never writes a raw newline, so it cannot occur inside a payload).
 */
export interface EncodedEvents {
  readonly count: number;
  readonly keys: string;
  readonly values: string;
}

export type ToSinkWorker =
  | ({ readonly type: 'events' } & EncodedEvents)
  | ({ readonly type: 'durable'; readonly id: number } & EncodedEvents)
  /** `emitBatchDurably`: the batch's bytes as the caller encoded them (cloned with the message). */
  | ({ readonly type: 'durable-batch'; readonly id: number } & EncodedUsageEventBatch)
  | { readonly type: 'flush'; readonly id: number }
  | { readonly type: 'close'; readonly id: number };

export interface WorkerStats extends UsageEventSinkStats {
  /** Events the worker has taken from the request thread (emit and emitDurably). */
  readonly received: number;
}

/** A failure answered to a request; `spoolFull` rebuilds a SpoolFullError on the request thread. */
export interface WorkerFailure {
  readonly message: string;
  readonly spoolFull?: {
    readonly neededBytes: number;
    readonly usedBytes: number;
    readonly maxBytes: number;
  };
}

export type FromSinkWorker =
  | { readonly type: 'ready'; readonly stats: WorkerStats }
  | { readonly type: 'start-failed'; readonly message: string }
  | { readonly type: 'stats'; readonly stats: WorkerStats }
  | {
      readonly type: 'done';
      readonly id: number;
      readonly stats: WorkerStats;
      readonly failure?: WorkerFailure;
    }
  | {
      readonly type: 'log';
      readonly level: 'info' | 'warn' | 'error';
      readonly fields: Record<string, unknown>;
      readonly message: string;
    };
