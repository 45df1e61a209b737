/**
 * The event log port: the one way the product talks to its durable, partitioned log.
 * Two adapters implement it: Apache Kafka (kafkajs) and an embedded file-segment log.
 * Semantics follow Kafka's so that code written against the port behaves the same on both.
 */

/** A record as read back from the log. Offsets are decimal strings, as in Kafka. */
export interface LogRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer;
  /** Append time, epoch milliseconds. */
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, string>>;
}

export interface OutgoingMessage {
  /** Partitioning key: all messages with one key land in one partition, in order. */
  readonly key: string;
  readonly value: Buffer | string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Keep only the newest record per key (Kafka `cleanup.policy=compact`). */
  readonly compacted?: boolean;
}

export interface LogProducer {
  /** Resolves once every message is durably appended (Kafka: acks from all in-sync replicas). */
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

/** One batch: consecutive records of one partition, in offset order. */
export interface LogBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly LogRecord[];
  /** Offset of the first and last record of the batch (inclusive). */
  readonly firstOffset: string;
  readonly lastOffset: string;
  /** The partition's high watermark when the batch was fetched (next offset to be written). */
  readonly highWatermark: string;
}

export interface ConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group with no committed offset starts. Default: earliest. */
  readonly fromBeginning?: boolean;
  /** Upper bound on records handed to one `eachBatch` call. */
  readonly maxBatchRecords?: number;
}

export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read (Kafka commit semantics: last processed + 1). */
  readonly offset: string;
  /**
   * Text stored with a commit (Kafka offset-commit metadata; keep it short, brokers allow 4 KB by default)
   * and returned with it by `committedOffsets`. A commit without it stores none; '' counts as none.
   */
  readonly metadata?: string;
}

export interface ConsumerHandlers {
  /**
   * Called with one partition's batch at a time. Nothing is committed automatically:
   * call `consumer.commit` after the batch's effect is durable. If the handler throws, the
   * consumer re-delivers from the last committed offset of that partition.
   */
  eachBatch(batch: LogBatch): Promise<void>;
}

export interface LogConsumer {
  run(handlers: ConsumerHandlers): Promise<void>;
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  pause(topic: string, partitions?: readonly number[]): void;
  resume(topic: string, partitions?: readonly number[]): void;
  /** Stops fetching, waits for the batch in flight, leaves the group. Uncommitted work is redelivered later. */
  stop(): Promise<void>;
}

export interface PartitionOffsets {
  readonly partition: number;
  /** Earliest retained offset. */
  readonly low: string;
  /** Next offset to be written. */
  readonly high: string;
}

export interface EventLogHealth {
  readonly up: boolean;
  readonly adapter: 'kafka' | 'embedded';
  readonly detail?: string;
}

export interface EventLog {
  readonly adapter: 'kafka' | 'embedded';
  /** Creates the topic if missing, with the given partition count (never auto-created). */
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  producer(): Promise<LogProducer>;
  consumer(options: ConsumerOptions): Promise<LogConsumer>;
  topicOffsets(topic: string): Promise<PartitionOffsets[]>;
  /**
   * Committed offsets of a group per partition ('-1' when none), for lag and reconciliation, each with the
   * metadata of its latest commit when that commit had some.
   */
  committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]>;
  /** First offset per partition whose timestamp is >= the given time (for replays from a timestamp). */
  offsetsForTime(topic: string, epochMs: number): Promise<TopicPartitionOffset[]>;
  health(): Promise<EventLogHealth>;
  close(): Promise<void>;
}
