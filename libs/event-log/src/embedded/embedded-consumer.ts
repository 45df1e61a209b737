/**
 * A consumer of the embedded log: one member of a consumer group. It serves its assigned partitions
 * one batch at a time, round-robin, and sleeps until an append, a resume or a rebalance wakes it
 * (no other process writes the directory, so no polling of files is needed).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type {
  ConsumerHandlers,
  ConsumerOptions,
  LogBatch,
  LogConsumer,
  LogRecord,
  TopicPartitionOffset,
} from '../event-log.port';
import type { ConsumerGroup, GroupMember, TopicPartition } from './consumer-group';
import type { GroupOffsetStore } from './group-offset-store';
import type { PartitionLog } from './partition-log';
import type { StoredRecord } from './record-codec';
import type { TopicCatalog } from './topic-catalog';

export const DEFAULT_MAX_BATCH_RECORDS = 1000;
const MAX_BATCH_BYTES = 1024 * 1024;
const RETRY_BACKOFF_FIRST_MS = 100;
const RETRY_BACKOFF_MAX_MS = 5000;

interface Cursor {
  readonly topic: string;
  readonly partition: number;
  readonly log: PartitionLog;
  /** Next offset to deliver. */
  position: number;
  failures: number;
  retryAt: number;
}

export interface ConsumerContext {
  readonly catalog: TopicCatalog;
  readonly offsets: GroupOffsetStore;
  readonly group: ConsumerGroup;
  readonly warn: (message: string) => void;
  /** Called once the consumer has stopped and left its group. */
  readonly onStopped: (consumer: EmbeddedConsumer) => void;
}

/** The consumer whose handler is running, so `stop()` called from inside it does not wait for itself. */
const handlerOf = new AsyncLocalStorage<EmbeddedConsumer>();

const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

function parseOffset(value: string, field: string): number {
  if (typeof value !== 'string' || !/^\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new Error(
      `${field} must be a non-negative integer offset as a decimal string, got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

export class EmbeddedConsumer implements LogConsumer, GroupMember {
  readonly topics: readonly string[];
  private readonly groupId: string;
  private readonly fromBeginning: boolean;
  private readonly maxBatchRecords: number;
  private state: 'created' | 'running' | 'stopping' | 'stopped' = 'created';
  private handlers: ConsumerHandlers | null = null;
  private cursors: Cursor[] | null = null;
  private nextCursor = 0;
  private readonly paused = new Set<string>();
  private inFlight: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private woken = false;
  private loop: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private unsubscribe: (() => void)[] = [];

  constructor(
    options: ConsumerOptions,
    private readonly context: ConsumerContext,
  ) {
    if (typeof options.groupId !== 'string' || options.groupId.length === 0) {
      throw new Error('consumer options.groupId must be a non-empty string');
    }
    const topics: unknown = options.topics;
    if (!Array.isArray(topics) || topics.length === 0) {
      throw new Error('consumer options.topics must list at least one topic');
    }
    options.topics.forEach((topic, index) =>
      context.catalog.require(topic, `consumer options.topics[${index}]`),
    );
    const max = options.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS;
    if (!Number.isInteger(max) || max < 1) {
      throw new Error(`consumer options.maxBatchRecords must be a positive integer, got ${max}`);
    }
    this.groupId = options.groupId;
    this.topics = [...new Set(options.topics)];
    this.fromBeginning = options.fromBeginning ?? true;
    this.maxBatchRecords = max;
  }

  async run(handlers: ConsumerHandlers): Promise<void> {
    if (this.state !== 'created') throw new Error(`consumer of group ${this.groupId} was already run`);
    this.state = 'running';
    this.handlers = handlers;
    for (const topic of this.topics) {
      for (const log of this.context.catalog.require(topic, 'topic').partitions) {
        this.unsubscribe.push(log.onAppend(() => this.signal()));
      }
    }
    await this.context.group.join(this);
    this.loop = this.fetchLoop();
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const commits = offsets.map((entry, index) => {
      const field = `commit offsets[${index}]`;
      const topic = this.context.catalog.require(entry.topic, `${field}.topic`);
      if (
        !Number.isInteger(entry.partition) ||
        entry.partition < 0 ||
        entry.partition >= topic.partitions.length
      ) {
        throw new Error(`${field}.partition ${entry.partition} does not exist in topic ${entry.topic}`);
      }
      return {
        topic: entry.topic,
        partition: entry.partition,
        offset: parseOffset(entry.offset, `${field}.offset`),
        ...(typeof entry.metadata === 'string' && entry.metadata !== '' ? { metadata: entry.metadata } : {}),
      };
    });
    await this.context.offsets.commit(this.groupId, commits);
  }

  pause(topic: string, partitions?: readonly number[]): void {
    for (const partition of this.partitionsOf(topic, partitions))
      this.paused.add(partitionKey(topic, partition));
  }

  resume(topic: string, partitions?: readonly number[]): void {
    for (const partition of this.partitionsOf(topic, partitions))
      this.paused.delete(partitionKey(topic, partition));
    this.signal();
  }

  private partitionsOf(topic: string, partitions: readonly number[] | undefined): readonly number[] {
    const count = this.context.catalog.require(topic, 'topic').partitions.length;
    return partitions ?? Array.from({ length: count }, (_, partition) => partition);
  }

  stop(): Promise<void> {
    if (this.stopping === null) this.stopping = this.stopNow();
    // From inside our own handler, waiting for the batch in flight would wait forever: the stop
    // completes once the handler returns.
    if (handlerOf.getStore() === this) return Promise.resolve();
    return this.stopping;
  }

  private async stopNow(): Promise<void> {
    if (this.state === 'created') {
      this.state = 'stopped';
      this.context.onStopped(this);
      return;
    }
    this.state = 'stopping';
    this.signal();
    await this.loop;
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    await this.context.group.leave(this);
    this.state = 'stopped';
    this.context.onStopped(this);
  }

  // --- group membership -------------------------------------------------------------------------

  suspend(): void {
    this.cursors = null;
  }

  idle(): Promise<void> {
    return this.inFlight ?? Promise.resolve();
  }

  assign(partitions: readonly TopicPartition[]): void {
    this.cursors = partitions.map(({ topic, partition }) => {
      const log = this.context.catalog.require(topic, 'topic').partitions[partition];
      return { topic, partition, log, position: this.startPosition(log), failures: 0, retryAt: 0 };
    });
    this.nextCursor = 0;
    this.signal();
  }

  /** The committed offset, or (none, or out of range) the earliest/latest offset as the group chose. */
  private startPosition(log: PartitionLog): number {
    const committed = this.context.offsets.committed(this.groupId, log.topic, log.partition);
    if (committed !== null && committed >= log.low && committed <= log.high) return committed;
    return this.fromBeginning ? log.low : log.high;
  }

  // --- fetching ---------------------------------------------------------------------------------

  private signal(): void {
    this.woken = true;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private sleep(untilMs: number | null): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer =
        untilMs === null ? null : setTimeout(() => this.signal(), Math.max(untilMs - Date.now(), 1)).unref();
      this.wake = () => {
        if (timer) clearTimeout(timer);
        this.woken = false;
        resolve();
      };
    });
  }

  /** Next partition with data to deliver, round-robin; or when to look again (a retry backoff ends). */
  private pickCursor(now: number): { cursor: Cursor | null; retryAt: number | null } {
    const cursors = this.cursors ?? [];
    let retryAt: number | null = null;
    for (let step = 0; step < cursors.length; step += 1) {
      const index = (this.nextCursor + step) % cursors.length;
      const cursor = cursors[index];
      if (this.paused.has(partitionKey(cursor.topic, cursor.partition))) continue;
      if (cursor.position < cursor.log.low) cursor.position = cursor.log.low; // Retention passed it by.
      if (cursor.position >= cursor.log.high) continue;
      if (cursor.retryAt > now) {
        retryAt = retryAt === null ? cursor.retryAt : Math.min(retryAt, cursor.retryAt);
        continue;
      }
      this.nextCursor = index + 1;
      return { cursor, retryAt: null };
    }
    return { cursor: null, retryAt };
  }

  private async fetchLoop(): Promise<void> {
    try {
      await this.fetchUntilStopped();
    } catch (error) {
      // Not expected (handler and read failures are handled per batch); keep stop() working regardless.
      this.context.warn(`event log consumer of group ${this.groupId} stopped fetching: ${String(error)}`);
    }
  }

  private async fetchUntilStopped(): Promise<void> {
    while (this.state === 'running') {
      this.woken = false;
      const { cursor, retryAt } = this.pickCursor(Date.now());
      if (cursor === null) {
        await this.sleep(retryAt);
        continue;
      }
      // Set synchronously with the pick, so a rebalance's idle() always sees the batch.
      this.inFlight = this.deliverBatch(cursor);
      try {
        await this.inFlight;
      } finally {
        this.inFlight = null;
      }
    }
  }

  private async deliverBatch(cursor: Cursor): Promise<void> {
    const cursors = this.cursors;
    let stored: StoredRecord[];
    try {
      stored = await cursor.log.read(cursor.position, this.maxBatchRecords, MAX_BATCH_BYTES);
    } catch (error) {
      this.context.warn(
        `event log consumer of group ${this.groupId} could not read ${cursor.topic}/${cursor.partition}: ${String(error)}`,
      );
      this.backOff(cursor);
      return;
    }
    // A rebalance or stop while reading: the partition may belong to another member now.
    if (this.state !== 'running' || this.cursors !== cursors || stored.length === 0) return;
    const records: LogRecord[] = stored.map((record) => ({
      topic: cursor.topic,
      partition: cursor.partition,
      offset: String(record.offset),
      key: record.key,
      value: record.value,
      timestamp: record.timestamp,
      headers: record.headers,
    }));
    const batch: LogBatch = {
      topic: cursor.topic,
      partition: cursor.partition,
      records,
      firstOffset: records[0].offset,
      lastOffset: records[records.length - 1].offset,
      highWatermark: String(cursor.log.high),
    };
    try {
      const handlers = this.handlers!;
      await handlerOf.run(this, () => handlers.eachBatch(batch));
      cursor.position = stored[stored.length - 1].offset + 1;
      cursor.failures = 0;
      cursor.retryAt = 0;
    } catch (error) {
      this.context.warn(
        `event log consumer of group ${this.groupId}: batch ${cursor.topic}/${cursor.partition} ` +
          `offsets ${batch.firstOffset}-${batch.lastOffset} failed (${String(error)}); ` +
          'redelivering from the committed offset',
      );
      cursor.position = this.startPosition(cursor.log);
      this.backOff(cursor);
    }
  }

  private backOff(cursor: Cursor): void {
    cursor.failures += 1;
    const delay = Math.min(RETRY_BACKOFF_FIRST_MS * 2 ** (cursor.failures - 1), RETRY_BACKOFF_MAX_MS);
    cursor.retryAt = Date.now() + delay;
  }
}
