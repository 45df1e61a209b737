import { Kafka, logLevel, type Admin } from 'kafkajs';
import type {
  ConsumerOptions,
  EventLog,
  EventLogHealth,
  LogConsumer,
  LogProducer,
  PartitionOffsets,
  TopicPartitionOffset,
  TopicSpec,
} from '../event-log.port';
import {
  DEFAULT_CONSUMER_SETTINGS,
  KafkaLogConsumer,
  type KafkaConsumerSettings,
} from './kafka-log-consumer';
import { registerKafkaGzipCodec } from './gzip-codec';
import { KafkaLogProducer } from './kafka-log-producer';
import { errorMessage, kafkaLogCreator, writeKafkaLogToStderr, type KafkaLogSink } from './kafka-logging';
import { byPartition, isList, requireTopicName } from './offsets';

export interface KafkaEventLogOptions {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Where warnings and errors go; default: JSON lines on stderr. */
  readonly logSink?: KafkaLogSink;
  /** Consumer-group timing; defaults in DEFAULT_CONSUMER_SETTINGS. */
  readonly consumer?: Partial<KafkaConsumerSettings>;
  /** Upper bound on `health()` (default 3000 ms). */
  readonly healthTimeoutMs?: number;
}

const DEFAULT_HEALTH_TIMEOUT_MS = 3_000;
/** How long ensureTopics waits for new topics to have a leader on every partition. */
const TOPIC_LEADERS_TIMEOUT_MS = 30_000;
/** Answers meaning "the new topic is not in the broker's metadata yet". */
const TOPIC_NOT_READY_ERRORS = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);
/** Answers meaning "a partition's leadership is still settling" (new topic, broker restart). */
const LEADERSHIP_SETTLING_ERRORS = new Set([...TOPIC_NOT_READY_ERRORS, 'NOT_LEADER_FOR_PARTITION']);
const SETTLE_TIMEOUT_MS = 10_000;

/** The event log on Apache Kafka, through kafkajs. */
export class KafkaEventLog implements EventLog {
  readonly adapter = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly healthKafka: Kafka;
  private readonly healthTimeoutMs: number;
  private readonly log: KafkaLogSink;
  private readonly consumerSettings: KafkaConsumerSettings;
  private adminClient: Promise<Admin> | null = null;
  private adminInstance: Admin | null = null;
  private readonly producers = new Set<KafkaLogProducer>();
  private readonly consumers = new Set<KafkaLogConsumer>();
  private closed = false;

  constructor(private readonly options: KafkaEventLogOptions) {
    validateOptions(options);
    registerKafkaGzipCodec();
    this.log = options.logSink ?? writeKafkaLogToStderr;
    this.consumerSettings = { ...DEFAULT_CONSUMER_SETTINGS, ...options.consumer };
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      connectionTimeout: 3_000,
      requestTimeout: 30_000,
      // Roughly a minute of retries before a call fails: enough for a broker restart.
      retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 8 },
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(this.log),
    });
    this.healthTimeoutMs = options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
    this.healthKafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      connectionTimeout: Math.min(3_000, this.healthTimeoutMs),
      requestTimeout: this.healthTimeoutMs,
      retry: { initialRetryTime: 100, maxRetryTime: 500, retries: 1 },
      // A failed probe is reported by health() itself.
      logLevel: logLevel.NOTHING,
    });
  }

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    this.assertOpen('ensureTopics');
    const specs = validateTopicSpecs(topics);
    if (specs.length === 0) return;
    const admin = await this.admin();
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.name));
    if (missing.length > 0) {
      // Returns false (no error) when another process created one of them first.
      await admin.createTopics({
        // kafkajs's own wait gives up when the broker does not know the new topic yet.
        waitForLeaders: false,
        topics: missing.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          configEntries: spec.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
        })),
      });
      await waitForLeaders(admin, missing);
      // A leader in the metadata can still answer "not the leader" for a moment; wait until each
      // partition serves offsets, so producers and consumers work as soon as this resolves.
      for (const spec of missing) await whileTopicSettles(() => admin.fetchTopicOffsets(spec.name));
    }
    const present = specs.filter((spec) => existing.has(spec.name));
    if (present.length > 0) await this.warnOnPartitionMismatch(admin, present);
  }

  async producer(): Promise<LogProducer> {
    this.assertOpen('producer');
    const producer = new KafkaLogProducer(this.kafka, this.log, () => this.producers.delete(producer));
    await producer.connect();
    this.producers.add(producer);
    return producer;
  }

  async consumer(options: ConsumerOptions): Promise<LogConsumer> {
    this.assertOpen('consumer');
    const consumer = await KafkaLogConsumer.create(this.kafka, options, this.consumerSettings, this.log, () =>
      this.consumers.delete(consumer),
    );
    this.consumers.add(consumer);
    return consumer;
  }

  async topicOffsets(topic: string): Promise<PartitionOffsets[]> {
    this.assertOpen('topicOffsets');
    requireTopicName(topic, 'topic');
    const admin = await this.admin();
    const offsets = await whileTopicSettles(() => admin.fetchTopicOffsets(topic));
    return offsets.map(({ partition, low, high }) => ({ partition, low, high })).sort(byPartition);
  }

  async committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    this.assertOpen('committedOffsets');
    if (typeof groupId !== 'string' || groupId.trim() === '') {
      throw new TypeError('groupId must be a non-empty string');
    }
    requireTopicName(topic, 'topic');
    const admin = await this.admin();
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const partitions = entry?.partitions ?? [];
    // kafkajs answers '-1' for a partition without a committed offset, as the port expects.
    return partitions
      .map(({ partition, offset, metadata }) => ({
        topic,
        partition,
        offset,
        ...(typeof metadata === 'string' && metadata !== '' ? { metadata } : {}),
      }))
      .sort(byPartition);
  }

  async offsetsForTime(topic: string, epochMs: number): Promise<TopicPartitionOffset[]> {
    this.assertOpen('offsetsForTime');
    requireTopicName(topic, 'topic');
    if (typeof epochMs !== 'number' || !Number.isFinite(epochMs) || epochMs < 0) {
      throw new TypeError(`epochMs must be a non-negative number of milliseconds (got ${String(epochMs)})`);
    }
    const admin = await this.admin();
    // Partitions with no record at or after the time answer their high watermark (kafkajs).
    const offsets = await whileTopicSettles(() =>
      admin.fetchTopicOffsetsByTimestamp(topic, Math.floor(epochMs)),
    );
    return offsets.map(({ partition, offset }) => ({ topic, partition, offset })).sort(byPartition);
  }

  async health(): Promise<EventLogHealth> {
    if (this.closed) return { up: false, adapter: 'kafka', detail: 'closed' };
    // A short-lived admin of the health client: its few retries end soon after a timeout, where
    // the main client's connect would keep retrying for a minute after nobody waits for it.
    const admin = this.healthKafka.admin();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer from the brokers within ${this.healthTimeoutMs} ms`)),
        this.healthTimeoutMs,
      );
    });
    const probe = admin.connect().then(() => admin.describeCluster());
    probe.catch(() => undefined); // still settles after a timeout; nobody waits for it then
    try {
      const cluster = await Promise.race([probe, timeout]);
      const up = cluster.brokers.length > 0;
      return {
        up,
        adapter: 'kafka',
        detail: `${cluster.brokers.length} broker(s), controller ${cluster.controller}`,
      };
    } catch (error) {
      return { up: false, adapter: 'kafka', detail: errorMessage(error) };
    } finally {
      clearTimeout(timer);
      void probe.catch(() => undefined).then(() => admin.disconnect().catch(() => undefined));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closing: Promise<void>[] = [
      ...[...this.consumers].map((consumer) => consumer.stop()),
      ...[...this.producers].map((producer) => producer.close()),
    ];
    // Disconnect the instance itself: waiting for a connect that is still retrying could take a minute.
    const admin = this.adminInstance;
    this.adminClient = null;
    this.adminInstance = null;
    if (admin) closing.push(admin.disconnect());
    const results = await Promise.allSettled(closing);
    const failures = results.filter(
      (result): result is PromiseRejectedResult => result.status === 'rejected',
    );
    if (failures.length > 0) {
      throw new Error(
        `close: ${failures.length} client(s) failed to close: ${errorMessage(failures[0].reason)}`,
      );
    }
  }

  /** One admin client, connected on first use; a failed connect is retried by the next call. */
  private admin(): Promise<Admin> {
    if (!this.adminClient) {
      const admin = this.kafka.admin();
      this.adminInstance = admin;
      const connecting = admin.connect().then(() => admin);
      this.adminClient = connecting;
      connecting.catch(() => {
        if (this.adminClient !== connecting) return;
        this.adminClient = null;
        this.adminInstance = null;
        admin.disconnect().catch(() => undefined);
      });
    }
    return this.adminClient;
  }

  private async warnOnPartitionMismatch(admin: Admin, specs: readonly TopicSpec[]): Promise<void> {
    const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.name) });
    for (const spec of specs) {
      const actual = topics.find((topic) => topic.name === spec.name)?.partitions.length;
      if (actual !== undefined && actual !== spec.partitions) {
        this.log({
          level: 'warn',
          message: `topic ${spec.name} exists with ${actual} partition(s), not ${spec.partitions}; left unchanged`,
          fields: { topic: spec.name },
        });
      }
    }
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new Error(`${operation}: the Kafka event log is closed`);
  }
}

/** Creates the Kafka adapter of the event-log port. Connections are opened on first use. */
export function createKafkaEventLog(options: KafkaEventLogOptions): EventLog {
  return new KafkaEventLog(options);
}

/** Resolves once every partition of the new topics has a leader, so producers can write at once. */
async function waitForLeaders(admin: Admin, specs: readonly TopicSpec[]): Promise<void> {
  const deadline = Date.now() + TOPIC_LEADERS_TIMEOUT_MS;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.name) });
      const ready = specs.every((spec) => {
        const partitions = topics.find((topic) => topic.name === spec.name)?.partitions ?? [];
        return partitions.length === spec.partitions && partitions.every((p) => p.leader >= 0);
      });
      if (ready) return;
    } catch (error) {
      if (!TOPIC_NOT_READY_ERRORS.has(kafkaErrorType(error))) throw error;
    }
    if (Date.now() > deadline) {
      const names = specs.map((spec) => spec.name).join(', ');
      throw new Error(`ensureTopics: topics ${names} have no leader after ${TOPIC_LEADERS_TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Runs an admin offset request, retrying while leadership settles: kafkajs retries unknown topics
 * itself but gives up at once on "not the leader".
 */
async function whileTopicSettles<T>(request: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    try {
      return await request();
    } catch (error) {
      if (!LEADERSHIP_SETTLING_ERRORS.has(kafkaErrorType(error)) || Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The Kafka error type (e.g. NOT_LEADER_FOR_PARTITION) of an error or of its causes. */
function kafkaErrorType(error: unknown): string {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    const { type, cause } = current as { type?: unknown; cause?: unknown };
    if (typeof type === 'string') return type;
    current = cause;
  }
  return '';
}

function validateOptions(options: KafkaEventLogOptions): void {
  if (!isList(options?.brokers) || options.brokers.length === 0) {
    throw new TypeError('brokers must be a non-empty array of host:port strings');
  }
  options.brokers.forEach((broker, index) => {
    if (typeof broker !== 'string' || !/^[^\s:]+:\d{1,5}$/.test(broker)) {
      throw new TypeError(`brokers[${index}] must be host:port (got ${JSON.stringify(broker)})`);
    }
  });
  if (typeof options.clientId !== 'string' || options.clientId.trim() === '') {
    throw new TypeError('clientId must be a non-empty string');
  }
}

function validateTopicSpecs(topics: readonly TopicSpec[]): TopicSpec[] {
  if (!isList(topics)) throw new TypeError('topics must be an array of topic specs');
  const seen = new Set<string>();
  return topics.map((spec, index) => {
    const name = requireTopicName(spec?.name, `topics[${index}].name`);
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
      throw new TypeError(
        `topics[${index}].partitions must be a positive integer (got ${String(spec.partitions)})`,
      );
    }
    if (seen.has(name)) throw new TypeError(`topics[${index}].name ${name} is listed twice`);
    seen.add(name);
    return spec;
  });
}
