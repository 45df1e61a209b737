import { encodeUsageEvent, type UsageEventV1 } from '@keymeter/contracts';
import type { EventLog, LogProducer } from '@keymeter/event-log';
import { batchMessages } from './encoded-batch';
import { DiskSpool, SpoolFullError } from './spool/disk-spool';
import type { SpooledMessage } from './spool/spool-frame';
import type { EncodedUsageEventBatch, UsageEventSink, UsageEventSinkStats } from './usage-event-sink';

/**
 * The sink with entry points for events already encoded (key + compact payload): what the worker thread
 * of the threaded sink feeds, so that events are encoded once, on the thread that made them.
 */
export interface EncodedUsageEventSink extends UsageEventSink {
  emitEncoded(messages: readonly SpooledMessage[]): void;
  emitEncodedDurably(messages: readonly SpooledMessage[]): Promise<void>;
}

/** Where the sink reports outages, drops and recoveries (pino's logger fits). */
export interface SinkLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface UsageEventSinkOptions {
  readonly eventLog: EventLog;
  readonly topic: string;
  /** Directory of the on-disk spool; one sink per directory. */
  readonly spoolDir: string;
  /** Upper bound on spooled bytes; beyond it `emit` drops (counted, logged) and `emitDurably` rejects. */
  readonly maxSpoolBytes: number;
  /** Events per produce request (default 1000). */
  readonly batchSize?: number;
  /** How long `emit` lets a partial batch wait for more events (default 10 ms). */
  readonly lingerMs?: number;
  /** How long a produce may go unacknowledged before its batch is spooled instead (default 5000 ms). */
  readonly sendTimeoutMs?: number;
  /** Events held in memory while a produce is in flight before they go to the spool (default max(10 × batchSize, 10000)). */
  readonly maxBufferedEvents?: number;
  /** First and longest wait between replay attempts while the event log is down (default 200 ms, 5000 ms). */
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
  /**
   * How long `close` keeps replaying the spool (and waits for a produce in flight) once everything is
   * produced or spooled (default 10000 ms). What is still spooled then is replayed at the next start.
   */
  readonly closeTimeoutMs?: number;
  readonly logger?: SinkLogger;
}

/** Events without a key id (unidentified `rejected_auth` calls) share this partitioning key. */
export const UNIDENTIFIED_EVENT_KEY = 'unidentified';

/** The partitioning key of an event: its key id, so one key's events stay in order in one partition. */
export function usageEventKey(event: UsageEventV1): string {
  if (event.keyId !== '') return event.keyId;
  return event.customerId !== '' ? event.customerId : UNIDENTIFIED_EVENT_KEY;
}

const silentLogger: SinkLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Opens the spool in `spoolDir` (batches left by an earlier process are replayed first) and starts the
 * background producer. See docs/ingestion.md for the durability guarantees.
 */
export function createUsageEventSink(options: UsageEventSinkOptions): Promise<UsageEventSink> {
  return openSpoolingUsageEventSink(options);
}

/** `createUsageEventSink`, typed with the entry points for encoded events. */
export async function openSpoolingUsageEventSink(
  options: UsageEventSinkOptions,
): Promise<EncodedUsageEventSink> {
  const settings = resolveSettings(options);
  const spool = await DiskSpool.open(options.spoolDir, options.maxSpoolBytes);
  const logger = options.logger ?? silentLogger;
  for (const note of spool.recoveryNotes) {
    logger.warn({ spoolDir: options.spoolDir, ...note }, 'event spool: cut off a damaged frame (torn write)');
  }
  if (spool.eventCount > 0) {
    logger.info(
      { spoolDir: options.spoolDir, events: spool.eventCount, bytes: spool.bytes },
      'event spool: replaying events left by an earlier run',
    );
  }
  const sink = new SpoolingUsageEventSink(options.eventLog, options.topic, spool, settings, logger);
  sink.start();
  return sink;
}

interface Settings {
  readonly batchSize: number;
  readonly lingerMs: number;
  readonly sendTimeoutMs: number;
  readonly maxBufferedEvents: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  readonly closeTimeoutMs: number;
}

function resolveSettings(options: UsageEventSinkOptions): Settings {
  if (typeof options.topic !== 'string' || options.topic.trim() === '') {
    throw new TypeError('topic: must be a non-empty string');
  }
  if (typeof options.spoolDir !== 'string' || options.spoolDir === '') {
    throw new TypeError('spoolDir: must be a directory path');
  }
  const batchSize = positiveInteger(options.batchSize, 1000, 'batchSize');
  return {
    batchSize,
    lingerMs: nonNegativeInteger(options.lingerMs, 10, 'lingerMs'),
    sendTimeoutMs: positiveInteger(options.sendTimeoutMs, 5000, 'sendTimeoutMs'),
    maxBufferedEvents: positiveInteger(
      options.maxBufferedEvents,
      Math.max(10 * batchSize, 10_000),
      'maxBufferedEvents',
    ),
    retryInitialMs: positiveInteger(options.retryInitialMs, 200, 'retryInitialMs'),
    retryMaxMs: positiveInteger(options.retryMaxMs, 5000, 'retryMaxMs'),
    closeTimeoutMs: nonNegativeInteger(options.closeTimeoutMs, 10_000, 'closeTimeoutMs'),
  };
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0)
    throw new RangeError(`${name}: must be a positive integer, got ${value}`);
  return value;
}

function nonNegativeInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name}: must be a non-negative integer, got ${value}`);
  }
  return value;
}

/** Callers of one `emitDurably` call, answered once all of its events are produced or spooled. */
interface DurableCall {
  remaining: number;
  failed: boolean;
  resolve(): void;
  reject(error: Error): void;
}

interface Entry extends SpooledMessage {
  readonly call?: DurableCall;
}

/**
 * One background pump moves events: while the spool is empty, batches go straight to the event log
 * (one produce in flight, so per-key order holds); when a produce fails or stays unacknowledged past
 * `sendTimeoutMs`, its batch and everything after it go to the spool, and the spool is replayed from
 * its oldest batch until it is empty again. A batch spooled while its produce was still in flight is
 * acknowledged in the spool if that produce succeeds late, so it is not produced twice.
 */
class SpoolingUsageEventSink implements EncodedUsageEventSink {
  private queue: Entry[] = [];
  private oldestQueuedAt = 0;
  private durableQueued = 0;
  private sending = false;
  private inFlight: Promise<void> = Promise.resolve();
  private abandonInFlight: (() => void) | undefined;
  private pendingAppends = 0;
  private appendChain: Promise<unknown> = Promise.resolve();
  private retryAt = 0;
  private backoffMs: number;
  private timer: NodeJS.Timeout | undefined;
  /** The timer is the linger deadline of the oldest queued event. */
  private lingering = false;
  private producer: Promise<LogProducer> | undefined;
  private emitted = 0;
  private settled = 0;
  private produced = 0;
  private producerErrors = 0;
  private dropped = 0;
  private lastFailureLogAt = 0;
  private readonly flushWaiters: { readonly target: number; readonly resolve: () => void }[] = [];
  private state: 'open' | 'closing' | 'closed' = 'open';

  constructor(
    private readonly eventLog: EventLog,
    private readonly topic: string,
    private readonly spool: DiskSpool,
    private readonly settings: Settings,
    private readonly logger: SinkLogger,
  ) {
    this.backoffMs = settings.retryInitialMs;
  }

  start(): void {
    this.pump();
  }

  emit(event: UsageEventV1): void {
    this.assertAccepting('emit');
    this.enqueue({ key: usageEventKey(event), value: encodeUsageEvent(event) });
    this.pump();
  }

  emitEncoded(messages: readonly SpooledMessage[]): void {
    this.assertAccepting('emit');
    for (const message of messages) this.enqueue(message);
    this.pump();
  }

  emitDurably(events: readonly UsageEventV1[]): Promise<void> {
    if (this.state === 'closed') {
      return Promise.reject(new Error('emitDurably: the usage event sink is closed'));
    }
    return this.emitEncodedDurably(
      events.map((event) => ({ key: usageEventKey(event), value: encodeUsageEvent(event) })),
    );
  }

  emitBatchDurably(batch: EncodedUsageEventBatch): Promise<void> {
    if (this.state === 'closed') {
      return Promise.reject(new Error('emitDurably: the usage event sink is closed'));
    }
    let messages: SpooledMessage[];
    try {
      messages = batchMessages(batch);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return this.emitEncodedDurably(messages);
  }

  emitEncodedDurably(messages: readonly SpooledMessage[]): Promise<void> {
    if (this.state === 'closed') {
      return Promise.reject(new Error('emitDurably: the usage event sink is closed'));
    }
    if (messages.length === 0) return Promise.resolve();
    if (this.spoolActive()) {
      // The log is down and the spool cannot take these: refuse now rather than after queueing.
      const bytes = messages.reduce((sum, message) => sum + message.value.length + message.key.length + 6, 0);
      if (this.spool.bytes + bytes > this.spool.maxBytes) {
        return Promise.reject(new SpoolFullError(bytes, this.spool.bytes, this.spool.maxBytes));
      }
    }
    return new Promise<void>((resolve, reject) => {
      const call: DurableCall = { remaining: messages.length, failed: false, resolve, reject };
      for (const message of messages) this.enqueue({ ...message, call });
      this.durableQueued += messages.length;
      this.pump();
    });
  }

  flush(): Promise<void> {
    const target = this.emitted;
    if (this.settled >= target) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.flushWaiters.push({ target, resolve });
      this.pump();
    });
  }

  stats(): UsageEventSinkStats {
    return {
      pending: this.emitted - this.settled + this.spool.eventCount,
      spoolBytes: this.spool.bytes,
      spooledEvents: this.spool.eventCount,
      produced: this.produced,
      producerErrors: this.producerErrors,
      dropped: this.dropped,
    };
  }

  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closing';
    // Everything emitted before (and during) close is produced or spooled before the pump stops.
    while (this.settled < this.emitted) await this.flush();
    await this.appendChain;
    // Give the spool a chance to drain while the log is reachable; it is durable either way.
    const deadline = Date.now() + this.settings.closeTimeoutMs;
    while ((this.spool.batchCount > 0 || this.sending) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.state = 'closed';
    this.clearTimer();
    // A produce still in flight may yet succeed; its batch is in the spool either way.
    await withTimeout(this.inFlight, Math.max(0, deadline - Date.now()));
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await (await producer.catch(() => undefined))?.close().catch(() => undefined);
    await this.spool.close();
    if (this.spool.eventCount > 0) {
      this.logger.warn(
        { events: this.spool.eventCount, bytes: this.spool.bytes, spoolDir: this.spool.directory },
        'event sink closed with events in the spool; they are replayed at the next start',
      );
    }
  }

  private assertAccepting(operation: string): void {
    if (this.state === 'closed') throw new Error(`${operation}: the usage event sink is closed`);
  }

  private enqueue(entry: Entry): void {
    if (this.queue.length === 0) this.oldestQueuedAt = Date.now();
    this.queue.push(entry);
    this.emitted++;
    if (this.sending && this.queue.length > this.settings.maxBufferedEvents) this.abandonInFlight?.();
  }

  private spoolActive(): boolean {
    return this.spool.batchCount > 0 || this.pendingAppends > 0;
  }

  /** Decides the next step; called after every state change. Never waits. */
  private pump(): void {
    if (this.state === 'closed') return;
    // A partial batch already waiting for its linger deadline: nothing to decide until the timer fires
    // or the batch fills (re-arming a timer per event was a measurable cost on the request path).
    if (
      this.lingering &&
      !this.sending &&
      this.queue.length < this.settings.batchSize &&
      this.durableQueued === 0 &&
      this.flushWaiters.length === 0 &&
      this.state === 'open' &&
      !this.spoolActive()
    ) {
      return;
    }
    this.clearTimer();
    const now = Date.now();
    if (this.spoolActive()) {
      if (this.queue.length > 0 && this.pendingAppends === 0) void this.spill(this.takeBatch());
      if (!this.sending && this.spool.batchCount > 0) {
        if (now >= this.retryAt) void this.replayOldest();
        else this.setTimer(this.retryAt - now);
      }
    } else if (!this.sending && this.queue.length > 0) {
      const ready =
        this.queue.length >= this.settings.batchSize ||
        this.durableQueued > 0 ||
        this.flushWaiters.length > 0 ||
        this.state === 'closing' ||
        now - this.oldestQueuedAt >= this.settings.lingerMs;
      if (ready) void this.sendDirect();
      else {
        this.setTimer(this.oldestQueuedAt + this.settings.lingerMs - now);
        this.lingering = true;
      }
    }
  }

  private takeBatch(): Entry[] {
    const batch =
      this.queue.length <= this.settings.batchSize
        ? this.queue
        : this.queue.slice(0, this.settings.batchSize);
    this.queue = batch === this.queue ? [] : this.queue.slice(this.settings.batchSize);
    for (const entry of batch) if (entry.call) this.durableQueued--;
    return batch;
  }

  private sendDirect(): void {
    const batch = this.takeBatch();
    this.sending = true;
    let spooled: Promise<number | undefined> | undefined;
    const abandon = (): void => {
      if (spooled) return;
      clearTimeout(timer);
      this.abandonInFlight = undefined;
      spooled = this.spill(batch);
    };
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.producerErrors++;
      this.logFailure(`no acknowledgement within ${this.settings.sendTimeoutMs} ms`, batch.length);
      abandon();
    }, this.settings.sendTimeoutMs);
    this.abandonInFlight = abandon;
    this.inFlight = (async () => {
      let ok = true;
      try {
        await this.produce(batch);
      } catch (error) {
        ok = false;
        this.onProduceFailure(error, batch.length, !timedOut);
      }
      clearTimeout(timer);
      this.abandonInFlight = undefined;
      if (spooled === undefined) {
        if (ok) {
          this.produced += batch.length;
          this.settle(batch, undefined);
        } else {
          abandon();
        }
      } else if (ok) {
        // Produced after all: the copy in the spool must not be produced again. Counted before the
        // spool's acknowledgement, which empties the spool: `pending` never reaches 0 ahead of `produced`.
        const sequence = await spooled;
        this.produced += batch.length;
        if (sequence !== undefined) {
          await this.spool
            .ack(sequence)
            .catch((error: unknown) =>
              this.logger.error({ err: error }, 'event spool: acknowledging a batch failed'),
            );
        }
        this.onProduceSuccess();
      }
      this.sending = false;
      this.pump();
    })();
  }

  private async replayOldest(): Promise<void> {
    this.sending = true;
    let resolveInFlight: () => void = () => undefined;
    this.inFlight = new Promise<void>((resolve) => (resolveInFlight = resolve));
    try {
      const batch = await this.spool.peek();
      if (batch) {
        try {
          await this.produce(batch.messages);
        } catch (error) {
          this.onProduceFailure(error, batch.messages.length);
          return;
        }
        // Counted first: the acknowledgement empties the spool, and `pending` must not reach 0 before this.
        this.produced += batch.messages.length;
        await this.spool.ack(batch.sequence);
        this.onProduceSuccess();
        if (this.spool.batchCount === 0 && this.pendingAppends === 0) {
          this.logger.info({ topic: this.topic }, 'event spool drained: producing directly again');
        }
      }
    } catch (error) {
      this.logger.error({ err: error, spoolDir: this.spool.directory }, 'event spool: replay failed');
      this.retryAt = Date.now() + this.backoffMs;
    } finally {
      this.sending = false;
      resolveInFlight();
      this.pump();
    }
  }

  /** Appends a batch to the spool (after any append in progress); settles its callers either way. */
  private spill(batch: Entry[]): Promise<number | undefined> {
    this.pendingAppends++;
    const appended = this.appendChain
      .then(() => this.spool.append(batch))
      .then(
        (sequence) => {
          this.settle(batch, undefined);
          return sequence;
        },
        (error: unknown) => {
          const failure = error instanceof Error ? error : new Error(String(error));
          const lost = batch.filter((entry) => entry.call === undefined).length;
          this.logger.error(
            {
              err: failure,
              droppedEvents: lost,
              refusedEvents: batch.length - lost,
              spoolDir: this.spool.directory,
            },
            'usage events could be neither produced nor spooled: dropped',
          );
          this.settle(batch, failure);
          return undefined;
        },
      );
    this.appendChain = appended;
    void appended.finally(() => {
      this.pendingAppends--;
      this.pump();
    });
    return appended;
  }

  /** Answers the callers of a batch: done (produced or spooled), or failed with `error`. */
  private settle(batch: readonly Entry[], error: Error | undefined): void {
    for (const entry of batch) {
      const call = entry.call;
      if (call === undefined) {
        if (error) this.dropped++;
      } else if (error) {
        if (!call.failed) {
          call.failed = true;
          call.reject(error);
        }
      } else if (--call.remaining === 0 && !call.failed) {
        call.resolve();
      }
    }
    this.settled += batch.length;
    for (let index = this.flushWaiters.length - 1; index >= 0; index--) {
      if (this.flushWaiters[index].target <= this.settled) this.flushWaiters.splice(index, 1)[0].resolve();
    }
  }

  private async produce(messages: readonly SpooledMessage[]): Promise<void> {
    if (!this.producer) {
      const connecting = this.eventLog.producer();
      this.producer = connecting;
      connecting.catch(() => {
        if (this.producer === connecting) this.producer = undefined;
      });
    }
    const producer = await this.producer;
    await producer.send(this.topic, messages);
  }

  private onProduceFailure(error: unknown, events: number, countError = true): void {
    if (countError) this.producerErrors++;
    this.retryAt = Date.now() + this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.settings.retryMaxMs);
    this.logFailure(error instanceof Error ? error.message : String(error), events);
  }

  private onProduceSuccess(): void {
    this.backoffMs = this.settings.retryInitialMs;
    this.retryAt = 0;
  }

  /** At most one warning every few seconds during an outage. */
  private logFailure(reason: string, events: number): void {
    const now = Date.now();
    if (now - this.lastFailureLogAt < 5000) return;
    this.lastFailureLogAt = now;
    this.logger.warn(
      { topic: this.topic, events, reason, spooledEvents: this.spool.eventCount },
      'event log unreachable: spooling usage events to disk',
    );
  }

  private setTimer(delayMs: number): void {
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.lingering = false;
        this.pump();
      },
      Math.max(1, delayMs),
    );
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.lingering = false;
  }
}

async function withTimeout(promise: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}
