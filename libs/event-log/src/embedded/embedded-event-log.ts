/**
 * The embedded event log: a durable, partitioned log in a local directory, behind the EventLog port.
 * It is the default when no Kafka broker is configured. Layout of the data directory:
 *
 *   LOCK                                  pid and host of the one process that has it open
 *   topics/<topic>/topic.json             partition count, compacted flag
 *   topics/<topic>/<partition>/<base>.log segment files of framed records (see record-codec.ts)
 *   groups/group-<hash>.json              committed offsets of one consumer group
 *
 * See docs/event-log.md for the guarantees.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
import { ConsumerGroup } from './consumer-group';
import { DirectoryLock } from './directory-lock';
import { EmbeddedConsumer } from './embedded-consumer';
import { EmbeddedProducer } from './embedded-producer';
import { GroupOffsetStore } from './group-offset-store';
import { TopicCatalog } from './topic-catalog';

export interface EmbeddedEventLogOptions {
  /** Directory holding the log; created if missing. One process at a time may open it. */
  readonly dataDir: string;
  /** A partition starts a new segment file once the current one reaches this size. Default 64 MiB. */
  readonly segmentBytes?: number;
  /** Largest message accepted by `send` (key + value + headers). Default 8 MiB. */
  readonly maxMessageBytes?: number;
  /** Where recoverable problems are reported (a torn tail cut off, a failed batch). Default: stderr. */
  readonly warn?: (message: string) => void;
}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

function writeWarning(message: string): void {
  process.stderr.write(`${new Date().toISOString()} WARN ${message}\n`);
}

class EmbeddedEventLog implements EventLog {
  readonly adapter = 'embedded' as const;
  private readonly dataDir: string;
  private readonly lock: DirectoryLock;
  private readonly catalog: TopicCatalog;
  private readonly offsets: GroupOffsetStore;
  private readonly groups = new Map<string, ConsumerGroup>();
  private readonly consumers = new Set<EmbeddedConsumer>();
  private readonly producers = new Set<EmbeddedProducer>();
  private readonly maxMessageBytes: number;
  private readonly warn: (message: string) => void;
  private readonly opened: Promise<void>;
  private openError: Error | null = null;
  private closing: Promise<void> | null = null;

  constructor(options: EmbeddedEventLogOptions) {
    if (typeof options.dataDir !== 'string' || options.dataDir.trim() === '') {
      throw new Error('embedded event log options.dataDir must be a directory path');
    }
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (!Number.isInteger(segmentBytes) || segmentBytes < 1024) {
      throw new Error(
        `embedded event log options.segmentBytes must be an integer >= 1024, got ${segmentBytes}`,
      );
    }
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isInteger(this.maxMessageBytes) || this.maxMessageBytes < 1) {
      throw new Error(`embedded event log options.maxMessageBytes must be a positive integer`);
    }
    this.warn = options.warn ?? writeWarning;
    this.dataDir = resolve(options.dataDir);
    // Taken at once, so a second opener fails right here with the holder's pid.
    mkdirSync(this.dataDir, { recursive: true });
    this.lock = DirectoryLock.acquire(this.dataDir);
    this.catalog = new TopicCatalog(join(this.dataDir, 'topics'), { segmentBytes, warn: this.warn });
    this.offsets = new GroupOffsetStore(join(this.dataDir, 'groups'));
    this.opened = Promise.all([this.catalog.load(), this.offsets.load()]).then(
      () => undefined,
      (error: unknown) => {
        this.openError = error instanceof Error ? error : new Error(String(error));
        this.openError.message = `embedded event log at ${this.dataDir} could not be opened: ${this.openError.message}`;
        throw this.openError;
      },
    );
    this.opened.catch(() => undefined); // Reported by the first call that needs the log.
  }

  /** Every operation waits for the directory to be loaded and fails clearly once the log is closed. */
  private async ready(): Promise<void> {
    if (this.closing) throw new Error(`embedded event log at ${this.dataDir} is closed`);
    await this.opened;
  }

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    await this.ready();
    await this.catalog.ensure(topics);
  }

  async producer(): Promise<LogProducer> {
    await this.ready();
    const producer = new EmbeddedProducer(this.catalog, this.maxMessageBytes, (closed) =>
      this.producers.delete(closed),
    );
    this.producers.add(producer);
    return producer;
  }

  async consumer(options: ConsumerOptions): Promise<LogConsumer> {
    await this.ready();
    let group = this.groups.get(options.groupId);
    if (!group) {
      group = new ConsumerGroup(
        options.groupId,
        (topic) => this.catalog.require(topic, 'topic').partitions.length,
      );
      this.groups.set(options.groupId, group);
    }
    const consumer = new EmbeddedConsumer(options, {
      catalog: this.catalog,
      offsets: this.offsets,
      group,
      warn: this.warn,
      onStopped: (stopped) => {
        this.consumers.delete(stopped);
        const ofGroup = this.groups.get(options.groupId);
        if (ofGroup && ofGroup.size === 0) this.groups.delete(options.groupId);
      },
    });
    this.consumers.add(consumer);
    return consumer;
  }

  async topicOffsets(topic: string): Promise<PartitionOffsets[]> {
    await this.ready();
    return this.catalog.require(topic, 'topicOffsets topic').partitions.map((log) => ({
      partition: log.partition,
      low: String(log.low),
      high: String(log.high),
    }));
  }

  async committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    await this.ready();
    return this.catalog.require(topic, 'committedOffsets topic').partitions.map((log) => {
      const metadata = this.offsets.committedMetadata(groupId, topic, log.partition);
      return {
        topic,
        partition: log.partition,
        offset: String(this.offsets.committed(groupId, topic, log.partition) ?? -1),
        ...(metadata === undefined ? {} : { metadata }),
      };
    });
  }

  async offsetsForTime(topic: string, epochMs: number): Promise<TopicPartitionOffset[]> {
    await this.ready();
    if (!Number.isFinite(epochMs)) throw new Error(`offsetsForTime epochMs must be a number, got ${epochMs}`);
    const partitions = this.catalog.require(topic, 'offsetsForTime topic').partitions;
    return Promise.all(
      partitions.map(async (log) => ({
        topic,
        partition: log.partition,
        offset: String(await log.offsetForTime(epochMs)),
      })),
    );
  }

  async health(): Promise<EventLogHealth> {
    if (this.closing) return { up: false, adapter: 'embedded', detail: 'closed' };
    try {
      await this.opened;
    } catch {
      return { up: false, adapter: 'embedded', detail: this.openError?.message ?? 'could not be opened' };
    }
    const broken = this.catalog
      .all()
      .flatMap((topic) => topic.partitions)
      .find((log) => log.failure !== null);
    if (broken) return { up: false, adapter: 'embedded', detail: broken.failure!.message };
    return { up: true, adapter: 'embedded', detail: this.dataDir };
  }

  close(): Promise<void> {
    if (this.closing === null) this.closing = this.closeNow();
    return this.closing;
  }

  /** Stops consumers (each finishes its batch in flight), lets sends and commits finish, releases the lock. */
  private async closeNow(): Promise<void> {
    try {
      await this.opened.catch(() => undefined);
      await Promise.allSettled([...this.consumers].map((consumer) => consumer.stop()));
      await Promise.allSettled([...this.producers].map((producer) => producer.close()));
      await this.offsets.close();
      await this.catalog.close();
    } finally {
      this.lock.release();
    }
  }
}

/**
 * Opens the embedded event log in `dataDir`. Throws at once when another live process (or this one)
 * has the directory open; loading the directory continues in the background and the first call waits for it.
 */
export function createEmbeddedEventLog(options: EmbeddedEventLogOptions): EventLog {
  return new EmbeddedEventLog(options);
}
