import { AsyncLocalStorage } from 'node:async_hooks';
import type { Consumer, ConsumerRunConfig, EachBatchPayload, Kafka } from 'kafkajs';
import type {
  ConsumerHandlers,
  ConsumerOptions,
  LogBatch,
  LogConsumer,
  LogRecord,
  TopicPartitionOffset,
} from '../event-log.port';
import { errorMessage, type KafkaLogSink } from './kafka-logging';
import { toLogRecord } from './kafka-records';
import { isList, parseOffset, partitionKey, requirePartition, requireTopicName } from './offsets';
import { PartitionOwnership, type MemberAssignment } from './partition-ownership';
import { PartitionPauses } from './partition-pauses';

export interface KafkaConsumerSettings {
  /** The broker evicts a member it has not heard from for this long; its partitions are redelivered. */
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** How long a rebalance waits for members to rejoin (a member finishes its batch first). */
  readonly rebalanceTimeoutMs: number;
  /** Fetch long-poll; also bounds how long `stop` waits for an idle fetch. */
  readonly maxWaitTimeMs: number;
}

export const DEFAULT_CONSUMER_SETTINGS: KafkaConsumerSettings = {
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
  rebalanceTimeoutMs: 60_000,
  maxWaitTimeMs: 500,
};

/** Redelivery after a failed batch waits 200 ms, doubling per consecutive failure, up to 10 s. */
const RETRY_BASE_DELAY_MS = 200;
const RETRY_MAX_DELAY_MS = 10_000;
/** Restart delay after kafkajs gave up on its consumer (non-retriable crash), doubling up to 30 s. */
const RESTART_BASE_DELAY_MS = 1_000;
const RESTART_MAX_DELAY_MS = 30_000;

type ConsumerState = 'created' | 'running' | 'stopping' | 'stopped';

interface Backoff {
  failures: number;
  timer: NodeJS.Timeout | null;
}

/**
 * A consumer-group member on kafkajs with explicit commits only.
 *
 * kafkajs pitfalls handled here:
 * - Position vs commit: `resolveOffset` only moves the in-memory fetch position; with autoCommit
 *   off nothing reaches the broker until `commit`. A batch is resolved after its handler returns,
 *   so a failed handler leaves the position alone, and the partition is sought back to the last
 *   committed offset (the port's redelivery rule), then retried after a growing delay.
 * - Heartbeats: kafkajs heartbeats only between batches; a handler slower than the session timeout
 *   would get the member evicted, so a timer heartbeats while a handler runs.
 * - Commits after a rebalance: see PartitionOwnership; commits for partitions this member no longer
 *   owns are refused instead of moving another member's position.
 * - Silent commits: kafkajs resolves `commitOffsets` without committing when its runner is not
 *   running (stopping, restarting after a crash); a commit counts only when kafkajs reports it done.
 * - `stop` first waits for the batch in flight (whose handler may still commit), then leaves.
 */
export class KafkaLogConsumer implements LogConsumer {
  private state: ConsumerState = 'created';
  private handlers: ConsumerHandlers | null = null;
  private assignment: MemberAssignment = {};
  private joined = false;
  private readonly ownership = new PartitionOwnership();
  private readonly pauses = new PartitionPauses();
  private readonly backoffs = new Map<string, Backoff>();
  private inFlight: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private restartFailures = 0;
  /** Set while the application's handler runs, to recognise `stop()` called from inside it. */
  private readonly insideHandler = new AsyncLocalStorage<true>();
  private readonly maxBatchRecords: number;

  private constructor(
    private readonly consumer: Consumer,
    private readonly options: ConsumerOptions,
    private readonly settings: KafkaConsumerSettings,
    private readonly log: KafkaLogSink,
    private readonly onStopped: () => void,
  ) {
    this.maxBatchRecords = options.maxBatchRecords ?? Number.POSITIVE_INFINITY;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
      this.onGroupJoin(payload.memberId, payload.memberAssignment),
    );
    consumer.on(consumer.events.CRASH, ({ payload }) => this.onCrash(payload.error, payload.restart));
  }

  /** Creates the kafkajs consumer, connects and subscribes (nothing is fetched before `run`). */
  static async create(
    kafka: Kafka,
    options: ConsumerOptions,
    settings: KafkaConsumerSettings,
    log: KafkaLogSink,
    onStopped: () => void = () => undefined,
  ): Promise<KafkaLogConsumer> {
    validateConsumerOptions(options);
    const consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: settings.heartbeatIntervalMs,
      rebalanceTimeout: settings.rebalanceTimeoutMs,
      maxWaitTimeInMs: settings.maxWaitTimeMs,
      allowAutoTopicCreation: false,
      // Restart after every retriable crash; non-retriable ones are restarted by onCrash.
      retry: { restartOnFailure: () => Promise.resolve(true) },
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? true });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw new Error(
        `consumer for group ${options.groupId} could not subscribe to ${options.topics.join(', ')}: ${errorMessage(error)}`,
        { cause: error },
      );
    }
    return new KafkaLogConsumer(consumer, options, settings, log, onStopped);
  }

  async run(handlers: ConsumerHandlers): Promise<void> {
    if (typeof handlers?.eachBatch !== 'function') {
      throw new TypeError('handlers.eachBatch must be a function');
    }
    if (this.state !== 'created') {
      throw new Error(`run: the consumer for group ${this.options.groupId} was already started`);
    }
    this.state = 'running';
    this.handlers = handlers;
    await this.consumer.run(this.runConfig());
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (!isList(offsets)) throw new TypeError('offsets must be an array');
    const parsed = offsets.map((entry, index) => ({
      topic: requireTopicName(entry?.topic, `offsets[${index}].topic`),
      partition: requirePartition(entry?.partition, `offsets[${index}].partition`),
      offset: parseOffset(entry?.offset, `offsets[${index}].offset`),
      metadata: commitMetadata(entry?.metadata, `offsets[${index}].metadata`),
    }));
    if (parsed.length === 0) return;
    const group = this.options.groupId;
    if (this.state === 'created') {
      throw new Error(`commit: the consumer for group ${group} has not been started (call run first)`);
    }
    if (this.state === 'stopped') {
      throw new Error(
        `commit: the consumer for group ${group} is stopped; its uncommitted records will be redelivered`,
      );
    }
    if (!this.joined) {
      throw new Error(
        `commit: the consumer for group ${group} is rejoining the group; its uncommitted records will be redelivered`,
      );
    }
    for (const { topic, partition, offset } of parsed) {
      const refusal = this.ownership.commitRefusal(topic, partition, offset);
      if (refusal) throw new Error(`commit for group ${group} refused: ${refusal}`);
    }

    let applied = false;
    const stopWatching = this.consumer.on(this.consumer.events.COMMIT_OFFSETS, ({ payload }) => {
      const committed = new Set(
        payload.topics.flatMap(({ topic, partitions }) =>
          partitions.map((p) => `${partitionKey(topic, p.partition)}@${String(p.offset)}`),
        ),
      );
      applied ||= parsed.every((o) => committed.has(`${partitionKey(o.topic, o.partition)}@${o.offset}`));
    });
    try {
      await this.consumer.commitOffsets(
        parsed.map(({ topic, partition, offset, metadata }) => ({
          topic,
          partition,
          offset: offset.toString(),
          metadata,
        })),
      );
    } catch (error) {
      throw new Error(`commit for group ${group} failed: ${errorMessage(error)}`, { cause: error });
    } finally {
      stopWatching();
    }
    if (!applied) {
      throw new Error(
        `commit for group ${group} was not applied: the consumer stopped or restarted meanwhile`,
      );
    }
    for (const { topic, partition, offset } of parsed) this.ownership.committed(topic, partition, offset);
  }

  pause(topic: string, partitions?: readonly number[]): void {
    this.pauses.pause(requireTopicName(topic, 'topic'), checkPartitions(partitions));
    this.applyPauses();
  }

  resume(topic: string, partitions?: readonly number[]): void {
    this.pauses.resume(requireTopicName(topic, 'topic'), checkPartitions(partitions));
    this.applyPauses();
  }

  stop(): Promise<void> {
    if (!this.stopping) {
      const wasRunning = this.state === 'running';
      this.state = 'stopping';
      this.stopping = this.shutDown(wasRunning);
    }
    // Called from inside the handler: the batch in flight is that handler's own, so waiting for it
    // would never end. The stop completes once the handler returns.
    if (this.insideHandler.getStore()) return Promise.resolve();
    return this.stopping;
  }

  private async shutDown(wasRunning: boolean): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    for (const backoff of this.backoffs.values()) if (backoff.timer) clearTimeout(backoff.timer);
    this.backoffs.clear();
    if (wasRunning && this.inFlight) await this.inFlight.catch(() => undefined);
    try {
      // Stops fetching, leaves the group (partitions are reassigned at once) and disconnects.
      await this.consumer.disconnect();
    } finally {
      this.state = 'stopped';
      this.joined = false;
      this.ownership.lost();
      this.onStopped();
    }
  }

  private runConfig(): ConsumerRunConfig {
    return {
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.onBatch(payload),
    };
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { topic, partition } = payload.batch;
    // Returning without resolving leaves the position where it is: these records come again.
    if (this.state !== 'running' || this.isHeld(topic, partition) || payload.batch.isEmpty()) return;
    // Registered before the handler starts, so a `stop()` from any point of it sees the batch.
    let finished: () => void = () => undefined;
    this.inFlight = new Promise<void>((resolve) => (finished = resolve));
    try {
      await this.deliver(payload);
    } finally {
      this.inFlight = null;
      finished();
    }
  }

  private async deliver({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const highWatermark = batch.highWatermark;
    const records = batch.messages.map((message) => toLogRecord(topic, partition, message));
    const keepAlive = setInterval(() => {
      // A rebalance error here only means the group rejoins after this batch.
      heartbeat().catch(() => undefined);
    }, this.settings.heartbeatIntervalMs);
    try {
      for (let start = 0; start < records.length; start += this.maxBatchRecords) {
        if (this.state !== 'running' || !isRunning() || isStale() || this.isHeld(topic, partition)) return;
        const chunk = records.slice(start, start + this.maxBatchRecords);
        const firstOffset = chunk[0].offset;
        const lastOffset = chunk[chunk.length - 1].offset;
        this.ownership.delivered(topic, partition, BigInt(firstOffset), BigInt(lastOffset));
        const logBatch: LogBatch = {
          topic,
          partition,
          records: chunk,
          firstOffset,
          lastOffset,
          highWatermark,
        };
        try {
          await this.insideHandler.run(true, () => this.callHandler(logBatch));
        } catch (error) {
          this.redeliverLater(topic, partition, chunk, error);
          return;
        } finally {
          // While any AsyncLocalStorage is enabled, Node 20 runs async hooks for every promise and native
          // request of the whole process (a few % of a gateway's request thread); enabled only during a batch.
          this.insideHandler.disable();
        }
        resolveOffset(lastOffset);
        this.backoffs.delete(partitionKey(topic, partition));
      }
    } finally {
      clearInterval(keepAlive);
    }
  }

  private callHandler(batch: LogBatch): Promise<void> {
    if (!this.handlers) throw new Error('no handlers');
    return this.handlers.eachBatch(batch);
  }

  /** After a failed handler: seek back to the last committed offset and hold the partition a while. */
  private redeliverLater(
    topic: string,
    partition: number,
    chunk: readonly LogRecord[],
    error: unknown,
  ): void {
    const key = partitionKey(topic, partition);
    const backoff = this.backoffs.get(key) ?? { failures: 0, timer: null };
    backoff.failures += 1;
    const delayMs = Math.min(RETRY_BASE_DELAY_MS * 2 ** (backoff.failures - 1), RETRY_MAX_DELAY_MS);
    this.backoffs.set(key, backoff);
    const from = this.ownership.redeliveryOffset(topic, partition);
    this.log({
      level: 'warn',
      message: `eachBatch failed for ${topic}[${partition}] offsets ${chunk[0].offset}..${chunk[chunk.length - 1].offset}; redelivering from offset ${String(from)} in ${delayMs} ms`,
      fields: {
        groupId: this.options.groupId,
        topic,
        partition,
        failures: backoff.failures,
        error: errorMessage(error),
      },
    });
    if (from !== undefined) this.consumer.seek({ topic, partition, offset: from.toString() });
    if (backoff.timer) clearTimeout(backoff.timer);
    backoff.timer = setTimeout(() => {
      backoff.timer = null;
      this.applyPauses();
    }, delayMs);
    this.applyPauses();
  }

  /** Paused by the application, or waiting before a redelivery. */
  private isHeld(topic: string, partition: number): boolean {
    if (this.pauses.isPaused(topic, partition)) return true;
    return this.backoffs.get(partitionKey(topic, partition))?.timer != null;
  }

  /** Mirrors the held partitions of the current assignment into kafkajs's fetch state. */
  private applyPauses(): void {
    if (this.state !== 'running' || !this.joined) return; // re-applied on the next group join
    for (const [topic, partitions] of Object.entries(this.assignment)) {
      const held = partitions.filter((p) => this.isHeld(topic, p));
      const free = partitions.filter((p) => !this.isHeld(topic, p));
      try {
        if (held.length > 0) this.consumer.pause([{ topic, partitions: held }]);
        if (free.length > 0) this.consumer.resume([{ topic, partitions: free }]);
      } catch {
        // kafkajs is between a crash and its restart; the next group join applies the pauses.
      }
    }
  }

  private onGroupJoin(memberId: string, assignment: MemberAssignment): void {
    this.assignment = assignment;
    this.ownership.assigned(memberId, assignment);
    this.joined = true;
    this.restartFailures = 0;
    for (const [key, backoff] of this.backoffs) {
      const owned = Object.entries(assignment).some(([topic, ps]) =>
        ps.some((p) => partitionKey(topic, p) === key),
      );
      if (!owned) {
        if (backoff.timer) clearTimeout(backoff.timer);
        this.backoffs.delete(key);
      }
    }
    this.applyPauses();
  }

  private onCrash(error: Error, restarting: boolean): void {
    this.joined = false;
    this.ownership.lost();
    if (this.state !== 'running') return;
    if (restarting) {
      this.log({
        level: 'warn',
        message: `consumer for group ${this.options.groupId} restarting after: ${errorMessage(error)}`,
        fields: { groupId: this.options.groupId },
      });
      return;
    }
    // kafkajs gave up on a non-retriable error. A broker outage must pause consumption, never end
    // it, so the consumer is restarted with a growing delay until it works or is stopped.
    this.restartFailures += 1;
    const delayMs = Math.min(RESTART_BASE_DELAY_MS * 2 ** (this.restartFailures - 1), RESTART_MAX_DELAY_MS);
    this.log({
      level: 'error',
      message: `consumer for group ${this.options.groupId} stopped by: ${errorMessage(error)}; restarting in ${delayMs} ms`,
      fields: { groupId: this.options.groupId },
    });
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void this.restart();
    }, delayMs);
  }

  private async restart(): Promise<void> {
    if (this.state !== 'running') return;
    try {
      await this.consumer.connect();
      await this.consumer.run(this.runConfig());
    } catch (error) {
      this.onCrash(error instanceof Error ? error : new Error(String(error)), false);
    }
  }
}

function validateConsumerOptions(options: ConsumerOptions): void {
  if (typeof options?.groupId !== 'string' || options.groupId.trim() === '') {
    throw new TypeError('options.groupId must be a non-empty string');
  }
  if (!isList(options.topics) || options.topics.length === 0) {
    throw new TypeError('options.topics must be a non-empty array of topic names');
  }
  options.topics.forEach((topic, index) => requireTopicName(topic, `options.topics[${index}]`));
  const max = options.maxBatchRecords;
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
    throw new TypeError(`options.maxBatchRecords must be a positive integer (got ${String(max)})`);
  }
}

/** The commit's metadata as kafkajs takes it: a string, or null for none. */
function commitMetadata(value: unknown, field: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw new TypeError(`${field} must be a string when given`);
  return value;
}

function checkPartitions(partitions: readonly number[] | undefined): readonly number[] | undefined {
  partitions?.forEach((partition, index) => requirePartition(partition, `partitions[${index}]`));
  return partitions;
}
