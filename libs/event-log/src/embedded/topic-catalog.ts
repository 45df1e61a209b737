/**
 * The topics of a data directory: `topics/<name>/topic.json` (partition count, compacted flag) and one
 * directory of segments per partition. topic.json is written last and atomically, so a topic exists
 * only once all its partitions do.
 */
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TopicSpec } from '../event-log.port';
import { errorCode, fsyncDirectory, writeFileAtomic } from './durable-file';
import { PartitionLog, type PartitionLogOptions } from './partition-log';

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const MAX_PARTITIONS = 1024;
const METADATA_FILE = 'topic.json';

export interface TopicMetadata {
  readonly name: string;
  readonly partitions: number;
  readonly compacted: boolean;
  readonly createdAt: string;
}

export interface Topic {
  readonly metadata: TopicMetadata;
  readonly partitions: readonly PartitionLog[];
}

export function validateTopicSpec(spec: TopicSpec, field: string): void {
  if (
    typeof spec.name !== 'string' ||
    !TOPIC_NAME.test(spec.name) ||
    spec.name === '.' ||
    spec.name === '..'
  ) {
    throw new Error(
      `${field}.name must be 1-249 characters of [a-zA-Z0-9._-], got ${JSON.stringify(spec.name)}`,
    );
  }
  if (!Number.isInteger(spec.partitions) || spec.partitions < 1 || spec.partitions > MAX_PARTITIONS) {
    throw new Error(
      `${field}.partitions must be an integer from 1 to ${MAX_PARTITIONS}, got ${spec.partitions}`,
    );
  }
}

export class TopicCatalog {
  private readonly topics = new Map<string, Topic>();
  private creating: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly options: PartitionLogOptions,
  ) {}

  async load(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    for (const name of await readdir(this.root)) {
      let text: string;
      try {
        text = await readFile(join(this.root, name, METADATA_FILE), 'utf8');
      } catch (error) {
        // A topic whose creation was cut short has no topic.json: ensureTopics will finish it.
        if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') continue;
        throw error;
      }
      const metadata = JSON.parse(text) as TopicMetadata;
      validateTopicSpec(metadata, `${join(this.root, name, METADATA_FILE)}`);
      if (metadata.name !== name) {
        throw new Error(`${join(this.root, name, METADATA_FILE)} names topic ${metadata.name}, not ${name}`);
      }
      this.topics.set(name, await this.openPartitions(metadata));
    }
  }

  get(name: string): Topic | undefined {
    return this.topics.get(name);
  }

  /** The topic, or an error naming it and the argument it came from. */
  require(name: string, field: string): Topic {
    if (this.closed) throw new Error('the event log is closed');
    const topic = this.topics.get(name);
    if (!topic)
      throw new Error(`${field}: unknown topic ${JSON.stringify(name)} (create it with ensureTopics)`);
    return topic;
  }

  all(): Topic[] {
    return [...this.topics.values()];
  }

  /** Creates missing topics; existing ones are left as they are (like Kafka, partitions are never changed). */
  ensure(specs: readonly TopicSpec[]): Promise<void> {
    specs.forEach((spec, index) => validateTopicSpec(spec, `topics[${index}]`));
    const run = this.creating.then(async () => {
      for (const spec of specs) {
        const existing = this.topics.get(spec.name);
        if (existing) {
          if (existing.metadata.partitions !== spec.partitions) {
            this.options.warn(
              `topic ${spec.name} exists with ${existing.metadata.partitions} partitions; ` +
                `${spec.partitions} requested, left unchanged`,
            );
          }
          continue;
        }
        const metadata: TopicMetadata = {
          name: spec.name,
          partitions: spec.partitions,
          compacted: spec.compacted ?? false,
          createdAt: new Date().toISOString(),
        };
        await mkdir(join(this.root, spec.name), { recursive: true });
        const topic = await this.openPartitions(metadata);
        await writeFileAtomic(
          join(this.root, spec.name, METADATA_FILE),
          `${JSON.stringify(metadata, null, 2)}\n`,
        );
        await fsyncDirectory(this.root);
        this.topics.set(spec.name, topic);
      }
    });
    this.creating = run.catch(() => undefined);
    return run;
  }

  private async openPartitions(metadata: TopicMetadata): Promise<Topic> {
    const partitions: PartitionLog[] = [];
    try {
      for (let partition = 0; partition < metadata.partitions; partition += 1) {
        const directory = join(this.root, metadata.name, String(partition));
        partitions.push(await PartitionLog.open(metadata.name, partition, directory, this.options));
      }
    } catch (error) {
      await Promise.allSettled(partitions.map((log) => log.close()));
      throw error;
    }
    return { metadata, partitions };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.creating;
    const logs = [...this.topics.values()].flatMap((topic) => topic.partitions);
    const results = await Promise.allSettled(logs.map((log) => log.close()));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
