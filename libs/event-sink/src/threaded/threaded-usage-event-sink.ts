import { Worker } from 'node:worker_threads';
import { encodeUsageEventJson, type UsageEventV1 } from '@keymeter/contracts';
import { usageEventKey, type SinkLogger, type UsageEventSinkOptions } from '../create-usage-event-sink';
import { SpoolFullError } from '../spool/disk-spool';
import type { EncodedUsageEventBatch, UsageEventSink, UsageEventSinkStats } from '../usage-event-sink';
import { workerEntry } from './worker-entry';
import type {
  EncodedEvents,
  FromSinkWorker,
  SinkWorkerSetup,
  ToSinkWorker,
  WorkerFailure,
  WorkerStats,
} from './worker-protocol';

export interface ThreadedUsageEventSinkOptions extends Omit<UsageEventSinkOptions, 'eventLog' | 'logger'> {
  /** The worker opens its own Kafka client with these (a client cannot cross threads). */
  readonly kafka: { readonly brokers: readonly string[]; readonly clientId: string };
  readonly logger?: SinkLogger;
  /**
   * How long emitted events wait on this thread before they are posted to the worker together
   * (default 10 ms; a post costs tens of microseconds whatever it carries); `emitDurably`, `flush` and
   * `close` post at once.
   */
  readonly handOffMs?: number;
  /** Events that are posted at once, without waiting for `handOffMs` (default 500). */
  readonly handOffEvents?: number;
}

const NO_STATS: WorkerStats = {
  pending: 0,
  spoolBytes: 0,
  spooledEvents: 0,
  produced: 0,
  producerErrors: 0,
  dropped: 0,
  received: 0,
};

/**
 * The usage-event sink with its Kafka producer and spool on a worker thread. The calling thread only
 * encodes each event (partitioning key + compact JSON) and posts them in batches every 10 ms;
 * batching, kafkajs, gzip, the spool and its replay run on the worker, with the same guarantees as
 * `createUsageEventSink` (one channel, so the order of events is kept; see docs/gateway.md). Resolves once
 * the worker has opened the spool.
 */
export async function createThreadedUsageEventSink(
  options: ThreadedUsageEventSinkOptions,
): Promise<UsageEventSink> {
  const { kafka, logger, handOffMs, handOffEvents, ...sink } = options;
  const setup: SinkWorkerSetup = { kafka: { brokers: [...kafka.brokers], clientId: kafka.clientId }, sink };
  const entry = workerEntry('sink-worker');
  const worker = new Worker(entry.filename, { eval: entry.eval, workerData: setup });
  const threaded = new ThreadedUsageEventSink(worker, logger, handOffMs ?? 10, handOffEvents ?? 500);
  await threaded.ready;
  return threaded;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

class ThreadedUsageEventSink implements UsageEventSink {
  readonly ready: Promise<void>;
  private keys: string[] = [];
  private values: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Events posted to the worker so far. */
  private posted = 0;
  private workerStats: WorkerStats = NO_STATS;
  private readonly waiters = new Map<number, Waiter>();
  private nextId = 1;
  private failure: Error | undefined;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private closing: Promise<void> | undefined;
  private readonly postNow = (): void => this.post();

  constructor(
    private readonly worker: Worker,
    private readonly logger: SinkLogger | undefined,
    private readonly handOffMs: number,
    private readonly handOffEvents: number,
  ) {
    let started: Waiter = { resolve: () => undefined, reject: () => undefined };
    this.ready = new Promise<void>((resolve, reject) => (started = { resolve, reject }));
    worker.on('message', (message: FromSinkWorker) => this.onMessage(message, started));
    worker.on('error', (error) => this.fail(error, started));
    worker.on('exit', (code) => {
      if (this.state !== 'closed')
        this.fail(new Error(`the sink's worker thread exited (code ${code})`), started);
    });
  }

  emit(event: UsageEventV1): void {
    if (this.state === 'closed') throw new Error('emit: the usage event sink is closed');
    if (this.failure !== undefined) throw this.failure;
    this.keys.push(usageEventKey(event));
    this.values.push(encodeUsageEventJson(event));
    if (this.keys.length >= this.handOffEvents) this.post();
    else if (this.timer === undefined) this.timer = setTimeout(this.postNow, this.handOffMs);
  }

  emitDurably(events: readonly UsageEventV1[]): Promise<void> {
    if (this.state === 'closed') {
      return Promise.reject(new Error('emitDurably: the usage event sink is closed'));
    }
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (events.length === 0) return Promise.resolve();
    // Events emitted earlier go first: one channel keeps the order.
    this.post();
    const keys = new Array<string>(events.length);
    const values = new Array<string>(events.length);
    for (let index = 0; index < events.length; index++) {
      keys[index] = usageEventKey(events[index]);
      values[index] = encodeUsageEventJson(events[index]);
    }
    this.posted += events.length;
    return this.request((id) => ({ type: 'durable', id, ...encoded(keys, values) }));
  }

  emitBatchDurably(batch: EncodedUsageEventBatch): Promise<void> {
    if (this.state === 'closed') {
      return Promise.reject(new Error('emitDurably: the usage event sink is closed'));
    }
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (batch.count === 0) return Promise.resolve();
    this.post();
    this.posted += batch.count;
    const { count, keys, payloads } = batch;
    return this.request((id) => ({ type: 'durable-batch', id, count, keys, payloads }));
  }

  flush(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.state === 'closed') return Promise.resolve();
    this.post();
    return this.request((id) => ({ type: 'flush', id }));
  }

  stats(): UsageEventSinkStats {
    const { received, ...stats } = this.workerStats;
    // Events still on this thread or in the channel are pending too.
    return { ...stats, pending: stats.pending + (this.posted - received) + this.keys.length };
  }

  close(): Promise<void> {
    if (this.closing === undefined) this.closing = this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    if (this.failure === undefined) {
      this.state = 'closing';
      this.post();
      // The worker flushes, closes the sink (spooling what cannot be produced) and its Kafka client.
      await this.request((id) => ({ type: 'close', id })).catch((error: unknown) =>
        this.logger?.error({ err: error }, 'usage event sink: closing the worker failed'),
      );
    }
    this.state = 'closed';
    await this.worker.terminate();
  }

  /** Hands the events waiting on this thread to the worker. */
  private post(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.keys.length === 0 || this.failure !== undefined) return;
    const message: ToSinkWorker = { type: 'events', ...encoded(this.keys, this.values) };
    this.posted += this.keys.length;
    this.keys = [];
    this.values = [];
    this.worker.postMessage(message);
  }

  private request(message: (id: number) => ToSinkWorker): Promise<void> {
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.waiters.set(id, { resolve, reject });
      this.worker.postMessage(message(id));
    });
  }

  private onMessage(message: FromSinkWorker, started: Waiter): void {
    switch (message.type) {
      case 'ready':
        this.workerStats = message.stats;
        started.resolve();
        return;
      case 'start-failed':
        this.state = 'closed';
        started.reject(new Error(message.message));
        void this.worker.terminate();
        return;
      case 'stats':
        this.workerStats = message.stats;
        return;
      case 'done': {
        this.workerStats = message.stats;
        const waiter = this.waiters.get(message.id);
        this.waiters.delete(message.id);
        if (message.failure === undefined) waiter?.resolve();
        else waiter?.reject(errorOf(message.failure));
        return;
      }
      case 'log':
        this.logger?.[message.level](message.fields, message.message);
        return;
    }
  }

  /** The worker is gone: what it held in memory is lost (like a crash); callers waiting are told. */
  private fail(error: Error, started: Waiter): void {
    if (this.failure !== undefined) return;
    this.failure = new Error(`usage event sink: worker thread failed: ${error.message}`, { cause: error });
    this.logger?.error({ err: error }, 'usage event sink: worker thread failed; events are refused');
    started.reject(this.failure);
    for (const waiter of this.waiters.values()) waiter.reject(this.failure);
    this.waiters.clear();
  }
}

function encoded(keys: readonly string[], values: readonly string[]): EncodedEvents {
  return { count: keys.length, keys: JSON.stringify(keys), values: values.join('\n') };
}

function errorOf(failure: WorkerFailure): Error {
  if (failure.spoolFull !== undefined) {
    const { neededBytes, usedBytes, maxBytes } = failure.spoolFull;
    return new SpoolFullError(neededBytes, usedBytes, maxBytes);
  }
  return new Error(failure.message);
}
