/**
 * The shared contract of the EventLog port. Every adapter (Kafka, embedded) runs this suite, so code
 * written against the port behaves the same on both.
 *
 * Usage from an adapter's `*.int-spec.ts`:
 *   describeEventLogContract('embedded', async () => ({ log, cleanup }));
 *   describeKilledConsumerContract('embedded', async () => scenario);
 *
 * Every test uses its own topics and groups (random suffix), waits for conditions with a deadline
 * instead of sleeping, and never asserts on durations.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve as resolvePath } from 'node:path';
import type {
  ConsumerOptions,
  EventLog,
  LogBatch,
  LogConsumer,
  LogProducer,
  LogRecord,
  OutgoingMessage,
  PartitionOffsets,
  TopicPartitionOffset,
} from '../src/event-log.port';
import { typescriptSourceLoader } from '../src/process/typescript-source-loader';

export type MakeEventLog = () => Promise<{ log: EventLog; cleanup: () => Promise<void> }>;

/** Kafka group joins and rebalances take seconds; keep every test's budget generous. */
export const CONTRACT_TEST_TIMEOUT_MS = 180_000;
const DEFAULT_WAIT_MS = 90_000;

// ---------------------------------------------------------------------------------------------------
// Helpers (exported so adapter-specific tests can reuse them)
// ---------------------------------------------------------------------------------------------------

/** A name unique to one test: Kafka-safe characters only. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Polls `condition` until it holds; fails naming what it waited for when the deadline passes. */
export async function waitFor(
  description: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number = DEFAULT_WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for: ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function offsetNumber(offset: string): number {
  const value = Number(offset);
  if (!Number.isSafeInteger(value)) throw new Error(`offset "${offset}" is not an integer`);
  return value;
}

export function byPartition<T extends { partition: number }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.partition - b.partition);
}

/** The high watermark of every partition of a topic, indexed by partition. */
export async function highWatermarks(log: EventLog, topic: string): Promise<number[]> {
  const offsets = byPartition(await log.topicOffsets(topic));
  return offsets.map((p) => offsetNumber(p.high));
}

/** What a consumer under test has seen, batch by batch. */
export class BatchRecorder {
  readonly batches: LogBatch[] = [];

  get records(): LogRecord[] {
    return this.batches.flatMap((batch) => batch.records);
  }

  recordsOf(topic: string, partition?: number): LogRecord[] {
    return this.records.filter(
      (record) => record.topic === topic && (partition === undefined || record.partition === partition),
    );
  }

  /** Distinct offsets seen for one partition. */
  distinctOffsets(topic: string, partition: number): Set<number> {
    return new Set(this.recordsOf(topic, partition).map((record) => offsetNumber(record.offset)));
  }

  /** True when every offset from `from` (inclusive) to `high` (exclusive) was seen for the partition. */
  hasSeenRange(topic: string, partition: number, from: number, high: number): boolean {
    const seen = this.distinctOffsets(topic, partition);
    for (let offset = from; offset < high; offset += 1) if (!seen.has(offset)) return false;
    return true;
  }

  batchesOf(topic: string, partition: number): LogBatch[] {
    return this.batches.filter((batch) => batch.topic === topic && batch.partition === partition);
  }
}

export type BatchBehaviour = (batch: LogBatch, consumer: LogConsumer) => Promise<void>;

/** Commits the batch after it was recorded: the usual at-least-once processing. */
export const commitEachBatch: BatchBehaviour = async (batch, consumer) => {
  await consumer.commit([
    { topic: batch.topic, partition: batch.partition, offset: String(offsetNumber(batch.lastOffset) + 1) },
  ]);
};

export const commitNothing: BatchBehaviour = async () => undefined;

export interface RunningConsumer {
  readonly consumer: LogConsumer;
  readonly recorder: BatchRecorder;
  stop(): Promise<void>;
}

/**
 * Tracks what a test opens, so consumers and producers are stopped even when the test fails
 * (a Kafka consumer left in a group would slow every later rebalance of it).
 */
export class ContractScope {
  private readonly consumers: LogConsumer[] = [];
  private readonly producers: LogProducer[] = [];

  constructor(public log: EventLog) {}

  async producer(): Promise<LogProducer> {
    const producer = await this.log.producer();
    this.producers.push(producer);
    return producer;
  }

  async send(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    const producer = this.producers[0] ?? (await this.producer());
    await producer.send(topic, messages);
  }

  /** Starts a consumer that records every batch (before running `behaviour` on it). */
  async consume(
    options: ConsumerOptions,
    behaviour: BatchBehaviour = commitEachBatch,
  ): Promise<RunningConsumer> {
    const consumer = await this.log.consumer(options);
    this.consumers.push(consumer);
    const recorder = new BatchRecorder();
    await consumer.run({
      eachBatch: async (batch) => {
        recorder.batches.push(batch);
        await behaviour(batch, consumer);
      },
    });
    return { consumer, recorder, stop: () => this.stopConsumer(consumer) };
  }

  async stopConsumer(consumer: LogConsumer): Promise<void> {
    const index = this.consumers.indexOf(consumer);
    if (index >= 0) this.consumers.splice(index, 1);
    await consumer.stop();
  }

  /** Forgets producers and consumers without stopping them (after the log they belong to was closed). */
  forget(): void {
    this.consumers.length = 0;
    this.producers.length = 0;
  }

  async close(): Promise<void> {
    const consumers = this.consumers.splice(0);
    const producers = this.producers.splice(0);
    await Promise.allSettled(consumers.map((consumer) => consumer.stop()));
    await Promise.allSettled(producers.map((producer) => producer.close()));
  }
}

/** Reads every record of a topic with a fresh group (from the beginning), in offset order per partition. */
export async function readAll(scope: ContractScope, topic: string): Promise<LogRecord[]> {
  const highs = await highWatermarks(scope.log, topic);
  const reader = await scope.consume(
    { groupId: uniqueName('read-all'), topics: [topic], fromBeginning: true },
    commitNothing,
  );
  await waitFor(`every record of ${topic} read`, () =>
    highs.every((high, partition) => reader.recorder.hasSeenRange(topic, partition, 0, high)),
  );
  await reader.stop();
  const firstSeen = new Map<string, LogRecord>();
  for (const record of reader.recorder.recordsOf(topic)) {
    const id = `${record.partition}:${record.offset}`;
    if (!firstSeen.has(id)) firstSeen.set(id, record);
  }
  return [...firstSeen.values()].sort(
    (a, b) => a.partition - b.partition || offsetNumber(a.offset) - offsetNumber(b.offset),
  );
}

function messages(keys: readonly string[], round: number): OutgoingMessage[] {
  return keys.map((key) => ({ key, value: `${key}:${round}` }));
}

function keyRange(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
}

function expectConsecutive(batch: LogBatch): void {
  expect(batch.records.length).toBeGreaterThan(0);
  expect(batch.firstOffset).toBe(batch.records[0].offset);
  expect(batch.lastOffset).toBe(batch.records[batch.records.length - 1].offset);
  batch.records.forEach((record, index) => {
    expect(record.topic).toBe(batch.topic);
    expect(record.partition).toBe(batch.partition);
    expect(offsetNumber(record.offset)).toBe(offsetNumber(batch.firstOffset) + index);
  });
  expect(offsetNumber(batch.highWatermark)).toBeGreaterThan(offsetNumber(batch.lastOffset));
}

// ---------------------------------------------------------------------------------------------------
// The contract
// ---------------------------------------------------------------------------------------------------

export function describeEventLogContract(name: string, makeLog: MakeEventLog): void {
  describe(`EventLog contract: ${name}`, () => {
    let scope: ContractScope;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      const made = await makeLog();
      scope = new ContractScope(made.log);
      cleanup = made.cleanup;
    }, CONTRACT_TEST_TIMEOUT_MS);

    afterEach(async () => {
      await scope.close();
      await cleanup();
    }, CONTRACT_TEST_TIMEOUT_MS);

    const test = (title: string, body: () => Promise<void>): void => {
      it(title, body, CONTRACT_TEST_TIMEOUT_MS);
    };

    test('reports its adapter as healthy', async () => {
      const health = await scope.log.health();
      expect(health.up).toBe(true);
      expect(health.adapter).toBe(scope.log.adapter);
    });

    test('ensureTopics creates a topic once and topicOffsets reports its partitions, empty', async () => {
      const topic = uniqueName('topics');
      const other = uniqueName('topics-other');
      await scope.log.ensureTopics([{ name: topic, partitions: 3 }]);
      await scope.log.ensureTopics([{ name: topic, partitions: 3 }]);
      await scope.log.ensureTopics([
        { name: topic, partitions: 3 },
        { name: other, partitions: 2, compacted: true },
      ]);

      expect(byPartition(await scope.log.topicOffsets(topic))).toEqual<PartitionOffsets[]>([
        { partition: 0, low: '0', high: '0' },
        { partition: 1, low: '0', high: '0' },
        { partition: 2, low: '0', high: '0' },
      ]);
      expect(byPartition(await scope.log.topicOffsets(other)).map((p) => p.partition)).toEqual([0, 1]);
    });

    test('ensureTopics keeps the records of a topic that already exists', async () => {
      const topic = uniqueName('keep');
      await scope.log.ensureTopics([{ name: topic, partitions: 1 }]);
      await scope.send(topic, messages(['a', 'b'], 0));
      await scope.log.ensureTopics([{ name: topic, partitions: 1 }]);
      expect(await highWatermarks(scope.log, topic)).toEqual([2]);
    });

    test('a record reads back with its key, value bytes, headers and append timestamp', async () => {
      const topic = uniqueName('roundtrip');
      await scope.log.ensureTopics([{ name: topic, partitions: 1 }]);
      const binary = Buffer.from([0, 1, 2, 254, 255, 0]);
      const before = Date.now();
      await scope.send(topic, [
        {
          key: 'binary',
          value: binary,
          headers: { 'content-type': 'application/octet-stream', trace: 'abc' },
        },
        { key: 'text', value: 'héllo ✓' },
        { key: '', value: '' },
      ]);
      const after = Date.now();

      const records = await readAll(scope, topic);
      expect(records.map((r) => [r.offset, r.key])).toEqual([
        ['0', 'binary'],
        ['1', 'text'],
        ['2', ''],
      ]);
      expect(Buffer.compare(records[0].value, binary)).toBe(0);
      expect(records[0].headers).toEqual({ 'content-type': 'application/octet-stream', trace: 'abc' });
      expect(records[1].value.toString('utf8')).toBe('héllo ✓');
      expect(records[1].headers).toEqual({});
      expect(records[2].value.length).toBe(0);
      for (const record of records) {
        expect(record.topic).toBe(topic);
        expect(record.partition).toBe(0);
        // Same machine clock on both sides; the slack only absorbs rounding, it does not time anything.
        expect(record.timestamp).toBeGreaterThanOrEqual(before - 1000);
        expect(record.timestamp).toBeLessThanOrEqual(after + 1000);
      }
    });

    test('messages with one key land in one partition, in send order; keys spread over partitions', async () => {
      const topic = uniqueName('keyed');
      await scope.log.ensureTopics([{ name: topic, partitions: 4 }]);
      const keys = keyRange('customer', 12);
      const rounds = 5;
      for (let round = 0; round < rounds; round += 1) await scope.send(topic, messages(keys, round));

      const records = await readAll(scope, topic);
      expect(records).toHaveLength(keys.length * rounds);
      const partitionsUsed = new Set<number>();
      for (const key of keys) {
        const ofKey = records.filter((record) => record.key === key);
        const partitions = new Set(ofKey.map((record) => record.partition));
        expect({ key, partitions: partitions.size }).toEqual({ key, partitions: 1 });
        partitionsUsed.add(ofKey[0].partition);
        // readAll sorts by offset within the partition: offset order must be send order.
        expect(ofKey.map((record) => record.value.toString())).toEqual(
          Array.from({ length: rounds }, (_, round) => `${key}:${round}`),
        );
      }
      expect(partitionsUsed.size).toBeGreaterThan(1);

      const highs = await highWatermarks(scope.log, topic);
      highs.forEach((high, partition) => {
        const offsets = records.filter((r) => r.partition === partition).map((r) => offsetNumber(r.offset));
        expect(offsets).toEqual(Array.from({ length: high }, (_, offset) => offset));
      });
    });

    test('a batch holds consecutive offsets of one partition and never more than maxBatchRecords', async () => {
      const topic = uniqueName('batches');
      await scope.log.ensureTopics([{ name: topic, partitions: 3 }]);
      const keys = keyRange('k', 6);
      for (let round = 0; round < 10; round += 1) await scope.send(topic, messages(keys, round));
      const highs = await highWatermarks(scope.log, topic);

      const maxBatchRecords = 4;
      const running = await scope.consume({
        groupId: uniqueName('g-batches'),
        topics: [topic],
        fromBeginning: true,
        maxBatchRecords,
      });
      await waitFor('every record delivered', () =>
        highs.every((high, partition) => running.recorder.hasSeenRange(topic, partition, 0, high)),
      );

      const batches = running.recorder.batches;
      for (const batch of batches) {
        expectConsecutive(batch);
        expect(batch.records.length).toBeLessThanOrEqual(maxBatchRecords);
      }
      // Records were all there before the consumer started: full batches prove the limit is a limit.
      expect(Math.max(...batches.map((batch) => batch.records.length))).toBe(maxBatchRecords);
      // Committed after each batch and nothing failed: each partition's batches follow one another.
      highs.forEach((high, partition) => {
        const ofPartition = running.recorder.batchesOf(topic, partition);
        let next = 0;
        for (const batch of ofPartition) {
          expect(offsetNumber(batch.firstOffset)).toBe(next);
          next = offsetNumber(batch.lastOffset) + 1;
        }
        expect(next).toBe(high);
      });
    });

    test('without maxBatchRecords, batches are still consecutive records of one partition', async () => {
      const topic = uniqueName('batches-default');
      await scope.log.ensureTopics([{ name: topic, partitions: 2 }]);
      for (let round = 0; round < 5; round += 1) await scope.send(topic, messages(keyRange('k', 4), round));
      const highs = await highWatermarks(scope.log, topic);
      const running = await scope.consume({ groupId: uniqueName('g'), topics: [topic], fromBeginning: true });
      await waitFor('every record delivered', () =>
        highs.every((high, partition) => running.recorder.hasSeenRange(topic, partition, 0, high)),
      );
      running.recorder.batches.forEach(expectConsecutive);
    });

    test('committedOffsets is -1 before any commit and reflects each explicit commit', async () => {
      const topic = uniqueName('commits');
      const groupId = uniqueName('g-commits');
      await scope.log.ensureTopics([{ name: topic, partitions: 2 }]);
      expect(byPartition(await scope.log.committedOffsets(groupId, topic))).toEqual<TopicPartitionOffset[]>([
        { topic, partition: 0, offset: '-1' },
        { topic, partition: 1, offset: '-1' },
      ]);

      for (let round = 0; round < 3; round += 1) await scope.send(topic, messages(keyRange('k', 6), round));
      const highs = await highWatermarks(scope.log, topic);
      const running = await scope.consume({
        groupId,
        topics: [topic],
        fromBeginning: true,
        maxBatchRecords: 2,
      });

      const expected = highs.map((high, partition) => ({
        topic,
        partition,
        offset: high === 0 ? '-1' : String(high),
      }));
      await waitFor('commits of every batch visible in committedOffsets', async () => {
        const committed = byPartition(await scope.log.committedOffsets(groupId, topic));
        return JSON.stringify(committed) === JSON.stringify(expected);
      });
      await running.stop();
      expect(byPartition(await scope.log.committedOffsets(groupId, topic))).toEqual(expected);
    });

    test('committedOffsets returns the metadata of the latest commit; a commit without metadata clears it', async () => {
      const topic = uniqueName('commit-metadata');
      const groupId = uniqueName('g-metadata');
      await scope.log.ensureTopics([{ name: topic, partitions: 1 }]);
      await scope.send(topic, messages(keyRange('k', 4), 0));
      const running = await scope.consume({ groupId, topics: [topic], fromBeginning: true }, commitNothing);
      await waitFor('every record delivered', () => running.recorder.hasSeenRange(topic, 0, 0, 4));

      await running.consumer.commit([{ topic, partition: 0, offset: '2', metadata: 'plan 2-3' }]);
      expect(await scope.log.committedOffsets(groupId, topic)).toEqual<TopicPartitionOffset[]>([
        { topic, partition: 0, offset: '2', metadata: 'plan 2-3' },
      ]);
      await running.consumer.commit([{ topic, partition: 0, offset: '4' }]);
      expect(await scope.log.committedOffsets(groupId, topic)).toEqual<TopicPartitionOffset[]>([
        { topic, partition: 0, offset: '4' },
      ]);
      await running.consumer.commit([{ topic, partition: 0, offset: '4', metadata: 'plan none' }]);
      await running.stop();
      // Kept after the member left the group.
      expect(await scope.log.committedOffsets(groupId, topic)).toEqual<TopicPartitionOffset[]>([
        { topic, partition: 0, offset: '4', metadata: 'plan none' },
      ]);
    });

    test('nothing is committed automatically; a stopped consumer’s uncommitted records are redelivered', async () => {
      const topic = uniqueName('redeliver-stop');
      const groupId = uniqueName('g-redeliver');
      await scope.log.ensureTopics([{ name: topic, partitions: 2 }]);
      for (let round = 0; round < 4; round += 1) await scope.send(topic, messages(keyRange('k', 5), round));
      const highs = await highWatermarks(scope.log, topic);

      const first = await scope.consume({ groupId, topics: [topic], fromBeginning: true }, commitNothing);
      await waitFor('first consumer saw every record', () =>
        highs.every((high, partition) => first.recorder.hasSeenRange(topic, partition, 0, high)),
      );
      await first.stop();
      expect(byPartition(await scope.log.committedOffsets(groupId, topic)).map((c) => c.offset)).toEqual(
        highs.map(() => '-1'),
      );

      const second = await scope.consume({ groupId, topics: [topic], fromBeginning: true });
      await waitFor('second consumer of the group got every record again', () =>
        highs.every((high, partition) => second.recorder.hasSeenRange(topic, partition, 0, high)),
      );
    });

    test('a new consumer of the group resumes from the committed offsets', async () => {
      const topic = uniqueName('resume');
      const groupId = uniqueName('g-resume');
      await scope.log.ensureTopics([{ name: topic, partitions: 2 }]);
      for (let round = 0; round < 6; round += 1) await scope.send(topic, messages(keyRange('k', 6), round));
      const highs = await highWatermarks(scope.log, topic);
      expect(highs.every((high) => high > 3)).toBe(true);

      // Commit only each partition's first batch of up to 3 records, process the rest without committing.
      const committedUpTo = new Map<number, number>();
      const first = await scope.consume(
        { groupId, topics: [topic], fromBeginning: true, maxBatchRecords: 3 },
        async (batch, consumer) => {
          if (committedUpTo.has(batch.partition)) return;
          const next = offsetNumber(batch.lastOffset) + 1;
          await consumer.commit([{ topic, partition: batch.partition, offset: String(next) }]);
          committedUpTo.set(batch.partition, next);
        },
      );
      await waitFor('first consumer saw every record', () =>
        highs.every((high, partition) => first.recorder.hasSeenRange(topic, partition, 0, high)),
      );
      await first.stop();
      const committed = byPartition(await scope.log.committedOffsets(groupId, topic));
      expect(committed.map((c) => offsetNumber(c.offset))).toEqual(
        highs.map((_, partition) => committedUpTo.get(partition)),
      );

      const second = await scope.consume({ groupId, topics: [topic], fromBeginning: true });
      await waitFor('second consumer reached the end of every partition', () =>
        highs.every((high, partition) =>
          second.recorder.hasSeenRange(topic, partition, committedUpTo.get(partition)!, high),
        ),
      );
      highs.forEach((_, partition) => {
        const offsets = [...second.recorder.distinctOffsets(topic, partition)];
        expect(Math.min(...offsets)).toBe(committedUpTo.get(partition));
      });
    });

    test('when the handler throws, the partition is redelivered from its last committed offset', async () => {
      const topic = uniqueName('throw-committed');
      await scope.log.ensureTopics([{ name: topic, partitions: 1 }]);
      await scope.send(
        topic,
        Array.from({ length: 10 }, (_, index) => ({ key: 'same', value: `v${index}` })),
      );

      const groupId = uniqueName('g-throw');
      let thrown = false;
      const running = await scope.consume(
        { groupId, topics: [topic], fromBeginning: true, maxBatchRecords: 3 },
        async (batch, consumer) => {
          if (batch.firstOffset === '3' && !thrown) {
            thrown = true;
            throw new Error('handler failure injected by the contract test');
          }
          await commitEachBatch(batch, consumer);
        },
      );
      await waitFor('every record processed after the failure', async () => {
        const committed = await scope.log.committedOffsets(groupId, topic);
        return thrown && running.recorder.hasSeenRange(topic, 0, 0, 10) && committed[0]?.offset === '10';
      });
      const starts = running.recorder.batches.map((batch) => batch.firstOffset);
      // Batch [0..2] committed 3; the batch starting at 3 failed, so the next one starts at 3 again.
      expect(starts.slice(0, 3)).toEqual(['0', '3', '3']);
      expect(running.recorder.batches[2].records.map((r) => r.value.toString())).toEqual(['v3', 'v4', 'v5']);
    });

    test('when the handler throws with nothing committed, the partition is redelivered from the start', async () => {
      const topic = uniqueName('throw-uncommitted');
      await scope.log.ensureTopics([{ name: topic, partitions: 1 }]);
      await scope.send(
        topic,
        Array.from({ length: 8 }, (_, index) => ({ key: 'same', value: `v${index}` })),
      );

      let failures = 0;
      const running = await scope.consume(
        { groupId: uniqueName('g-throw0'), topics: [topic], fromBeginning: true, maxBatchRecords: 3 },
        async (batch) => {
          if (batch.firstOffset !== '0' && failures === 0) {
            failures += 1;
            throw new Error('handler failure injected by the contract test');
          }
        },
      );
      await waitFor('the records after the failure delivered again', () => {
        const starts = running.recorder.batches.map((batch) => batch.firstOffset);
        return failures === 1 && starts.length >= 4 && running.recorder.hasSeenRange(topic, 0, 0, 8);
      });
      const starts = running.recorder.batches.map((batch) => batch.firstOffset);
      expect(starts.slice(0, 3)).toEqual(['0', '3', '0']);
    });

    test('a second group independently reads every record', async () => {
      const topic = uniqueName('two-groups');
      const groupA = uniqueName('g-a');
      const groupB = uniqueName('g-b');
      await scope.log.ensureTopics([{ name: topic, partitions: 3 }]);
      for (let round = 0; round < 3; round += 1) await scope.send(topic, messages(keyRange('k', 9), round));
      const highs = await highWatermarks(scope.log, topic);

      const a = await scope.consume({ groupId: groupA, topics: [topic], fromBeginning: true });
      await waitFor('group A read everything', () =>
        highs.every((high, partition) => a.recorder.hasSeenRange(topic, partition, 0, high)),
      );
      await waitFor('group A committed everything', async () =>
        byPartition(await scope.log.committedOffsets(groupA, topic)).every(
          (c, partition) => offsetNumber(c.offset) === highs[partition] || highs[partition] === 0,
        ),
      );
      expect(byPartition(await scope.log.committedOffsets(groupB, topic)).map((c) => c.offset)).toEqual(
        highs.map(() => '-1'),
      );

      const b = await scope.consume({ groupId: groupB, topics: [topic], fromBeginning: true }, commitNothing);
      await waitFor('group B read everything', () =>
        highs.every((high, partition) => b.recorder.hasSeenRange(topic, partition, 0, high)),
      );
      expect(b.recorder.records.length).toBeGreaterThanOrEqual(3 * 9);
    });

    test('two consumers of one group together receive every record', async () => {
      const topic = uniqueName('members');
      const groupId = uniqueName('g-members');
      await scope.log.ensureTopics([{ name: topic, partitions: 4 }]);
      const one = await scope.consume({ groupId, topics: [topic], fromBeginning: true, maxBatchRecords: 5 });
      const two = await scope.consume({ groupId, topics: [topic], fromBeginning: true, maxBatchRecords: 5 });
      for (let round = 0; round < 5; round += 1) await scope.send(topic, messages(keyRange('k', 12), round));
      const highs = await highWatermarks(scope.log, topic);

      await waitFor('the group received every record', () =>
        highs.every((high, partition) => {
          const seen = new Set([
            ...one.recorder.distinctOffsets(topic, partition),
            ...two.recorder.distinctOffsets(topic, partition),
          ]);
          return Array.from({ length: high }, (_, offset) => offset).every((offset) => seen.has(offset));
        }),
      );
      await waitFor('the group committed every partition to its end', async () =>
        byPartition(await scope.log.committedOffsets(groupId, topic)).every(
          (c, partition) => highs[partition] === 0 || offsetNumber(c.offset) === highs[partition],
        ),
      );
    });

    test('pause stops delivery of a topic and resume restarts it', async () => {
      const paused = uniqueName('paused');
      const flowing = uniqueName('flowing');
      await scope.log.ensureTopics([
        { name: paused, partitions: 1 },
        { name: flowing, partitions: 1 },
      ]);
      const running = await scope.consume({
        groupId: uniqueName('g-pause'),
        topics: [paused, flowing],
        fromBeginning: true,
      });
      running.consumer.pause(paused);

      await scope.send(paused, messages(['p1', 'p2', 'p3'], 0));
      await scope.send(flowing, messages(['f1', 'f2'], 0));
      await waitFor('the flowing topic delivered', () => running.recorder.hasSeenRange(flowing, 0, 0, 2));
      // A second round on the flowing topic: the paused records were there for two fetches.
      await scope.send(flowing, messages(['f3'], 0));
      await waitFor('the flowing topic delivered again', () =>
        running.recorder.hasSeenRange(flowing, 0, 0, 3),
      );
      expect(running.recorder.recordsOf(paused)).toHaveLength(0);

      running.consumer.resume(paused);
      await waitFor('the resumed topic delivered', () => running.recorder.hasSeenRange(paused, 0, 0, 3));
    });

    test('pause and resume of single partitions', async () => {
      const topic = uniqueName('pause-partition');
      await scope.log.ensureTopics([{ name: topic, partitions: 2 }]);
      const running = await scope.consume({
        groupId: uniqueName('g-pp'),
        topics: [topic],
        fromBeginning: true,
      });
      running.consumer.pause(topic, [0]);

      const keys = keyRange('key', 10);
      await scope.send(topic, messages(keys, 0));
      const afterFirst = await highWatermarks(scope.log, topic);
      expect(afterFirst.every((high) => high > 0)).toBe(true);
      await waitFor('partition 1 delivered', () => running.recorder.hasSeenRange(topic, 1, 0, afterFirst[1]));
      await scope.send(topic, messages(keys, 1));
      const afterSecond = await highWatermarks(scope.log, topic);
      await waitFor('partition 1 delivered again', () =>
        running.recorder.hasSeenRange(topic, 1, 0, afterSecond[1]),
      );
      expect(running.recorder.recordsOf(topic, 0)).toHaveLength(0);

      running.consumer.resume(topic, [0]);
      await waitFor('partition 0 delivered after resume', () =>
        running.recorder.hasSeenRange(topic, 0, 0, afterSecond[0]),
      );
    });

    test('stop waits for the batch in flight', async () => {
      const topic = uniqueName('stop');
      await scope.log.ensureTopics([{ name: topic, partitions: 1 }]);
      await scope.send(topic, messages(['a'], 0));
      const events: string[] = [];
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      const running = await scope.consume(
        { groupId: uniqueName('g-stop'), topics: [topic], fromBeginning: true },
        async () => {
          events.push('batch started');
          await released;
          events.push('batch finished');
        },
      );
      await waitFor('the batch is in flight', () => events.length > 0);
      const stopped = running.stop().then(() => events.push('stopped'));
      // Let stop() run as far as it can before the handler is released.
      await new Promise((resolve) => setTimeout(resolve, 200));
      release();
      await stopped;
      expect(events).toEqual(['batch started', 'batch finished', 'stopped']);
    });

    test('topicOffsets reports low and high watermarks per partition', async () => {
      const topic = uniqueName('watermarks');
      await scope.log.ensureTopics([{ name: topic, partitions: 3 }]);
      for (let round = 0; round < 4; round += 1) await scope.send(topic, messages(keyRange('k', 7), round));
      const records = await readAll(scope, topic);
      const offsets = byPartition(await scope.log.topicOffsets(topic));
      expect(offsets.map((p) => p.partition)).toEqual([0, 1, 2]);
      for (const p of offsets) {
        const count = records.filter((r) => r.partition === p.partition).length;
        expect(p).toEqual({ partition: p.partition, low: '0', high: String(count) });
      }
      expect(offsets.reduce((sum, p) => sum + offsetNumber(p.high), 0)).toBe(4 * 7);
    });

    test('offsetsForTime gives the first offset at or after a time, or the high watermark', async () => {
      const topic = uniqueName('by-time');
      await scope.log.ensureTopics([{ name: topic, partitions: 2 }]);
      const keys = keyRange('k', 6);
      await scope.send(topic, messages(keys, 0));
      await scope.send(topic, messages(keys, 1));
      const early = await readAll(scope, topic);
      const lastEarly = Math.max(...early.map((r) => r.timestamp));
      await waitFor('the clock moved past the first records', () => Date.now() > lastEarly + 1);
      await scope.send(topic, messages(keys, 2));
      const all = await readAll(scope, topic);
      const late = all.filter((r) => r.value.toString().endsWith(':2'));
      const cut = Math.min(...late.map((r) => r.timestamp));
      expect(cut).toBeGreaterThan(lastEarly);
      const highs = await highWatermarks(scope.log, topic);

      const expectedAt = (time: number): TopicPartitionOffset[] =>
        highs.map((high, partition) => {
          const first = all.find((r) => r.partition === partition && r.timestamp >= time);
          return { topic, partition, offset: first ? first.offset : String(high) };
        });
      expect(byPartition(await scope.log.offsetsForTime(topic, cut))).toEqual(expectedAt(cut));
      expect(byPartition(await scope.log.offsetsForTime(topic, 0))).toEqual(
        highs.map((_, partition) => ({ topic, partition, offset: '0' })),
      );
      expect(byPartition(await scope.log.offsetsForTime(topic, Date.now() + 3_600_000))).toEqual(
        highs.map((high, partition) => ({ topic, partition, offset: String(high) })),
      );
    });

    test('a compacted topic keeps offsets exact and the newest record per key readable', async () => {
      const topic = uniqueName('compacted');
      const groupId = uniqueName('g-compacted');
      await scope.log.ensureTopics([{ name: topic, partitions: 2, compacted: true }]);
      const keys = keyRange('entity', 4);
      for (let round = 0; round < 3; round += 1) await scope.send(topic, messages(keys, round));
      const offsets = byPartition(await scope.log.topicOffsets(topic));
      expect(offsets.reduce((sum, p) => sum + offsetNumber(p.high), 0)).toBe(12);

      const running = await scope.consume({ groupId, topics: [topic], fromBeginning: true });
      await waitFor('the group reached the end of every partition', async () =>
        byPartition(await scope.log.committedOffsets(groupId, topic)).every(
          (c, partition) => offsets[partition].high === '0' || c.offset === offsets[partition].high,
        ),
      );
      const newest = new Map<string, string>();
      for (const record of running.recorder.records) newest.set(record.key ?? '', record.value.toString());
      for (const key of keys) expect(newest.get(key)).toBe(`${key}:2`);
      expect(byPartition(await scope.log.offsetsForTime(topic, 0)).map((p) => p.offset)).toEqual(
        offsets.map((p) => p.low),
      );
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// Crash scenario: a consumer process killed with SIGKILL in the middle of a batch
// ---------------------------------------------------------------------------------------------------

/**
 * A module that a child process can load to open the same log as the test process. It must export
 * `openEventLog(config: string): Promise<EventLog>`; it may be TypeScript (`@keymeter/*` imports work).
 */
export interface ChildEventLogModule {
  readonly modulePath: string;
  /** Handed to `openEventLog` in the child: a data directory, a broker list... */
  readonly config: string;
}

export interface KilledConsumerScenario {
  /** Opens the log in the test process; called once before and once after the child runs. */
  openLog(): Promise<EventLog>;
  readonly child: ChildEventLogModule;
  /** True for logs that one process at a time may open: the test process closes its log while the child runs. */
  readonly exclusive: boolean;
  cleanup(): Promise<void>;
}

interface ChildLine {
  readonly event: 'ready' | 'committed' | 'processing';
  readonly partition?: number;
  readonly offset?: string;
  readonly firstOffset?: string;
  readonly lastOffset?: string;
}

const REPO_ROOT = resolvePath(__dirname, '..', '..', '..');

/**
 * Node code that lets a plain `node` child load TypeScript modules of this repository, then calls one
 * export.
 */
function childBootstrap(modulePath: string, exportName: string): string {
  return `${typescriptSourceLoader(REPO_ROOT)}
Promise.resolve()
  .then(() => require(${JSON.stringify(modulePath)})[${JSON.stringify(exportName)}](process.argv.slice(1)))
  .catch((error) => {
    process.stderr.write('child failed: ' + (error && error.stack ? error.stack : String(error)) + '\\n');
    process.exit(1);
  });
`;
}

/** A child process running `exportName(args)` of a (TypeScript) module; its stdout read as JSON lines. */
export class ChildProcessRun<Line> {
  readonly lines: Line[] = [];
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly process: ChildProcess;
  private readonly exited: Promise<void>;

  constructor(modulePath: string, exportName: string, args: readonly string[]) {
    this.process = spawn(process.execPath, ['-e', childBootstrap(modulePath, exportName), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: REPO_ROOT,
    });
    let pending = '';
    this.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const complete = pending.split('\n');
      pending = complete.pop() ?? '';
      for (const line of complete) if (line.trim() !== '') this.lines.push(JSON.parse(line) as Line);
    });
    this.process.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.process.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve();
      });
    });
  }

  /** Waits for a line matching `predicate`; fails early with the child's stderr if it exits. */
  async waitForLine(
    description: string,
    predicate: (line: Line) => boolean,
    timeoutMs?: number,
  ): Promise<Line> {
    let found: Line | undefined;
    await waitFor(
      description,
      () => {
        found = this.lines.find(predicate);
        if (found === undefined && this.exit !== null) {
          throw new Error(
            `child exited (${JSON.stringify(this.exit)}) before ${description}: ${this.stderr}`,
          );
        }
        return found !== undefined;
      },
      timeoutMs,
    );
    return found!;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.exit === null) this.process.kill(signal);
    await this.exited;
  }

  async exitCode(): Promise<number | null> {
    await this.exited;
    return this.exit!.code;
  }
}

/**
 * Child side of the killed-consumer scenario. Args: log module, config, topic, group.
 * Commits its first two batches (printing each commit once it resolved), then hangs in the third
 * batch after printing it, so the test process can kill it with processed-but-uncommitted records.
 */
export async function runKilledConsumerChild(args: readonly string[]): Promise<void> {
  const [modulePath, config, topic, groupId] = args;
  if (!modulePath || config === undefined || !topic || !groupId) {
    throw new Error(
      `runKilledConsumerChild: expected <module> <config> <topic> <group>, got ${args.join(' ')}`,
    );
  }
  const print = (line: ChildLine): void => {
    process.stdout.write(`${JSON.stringify(line)}\n`);
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(modulePath) as { openEventLog?: (config: string) => Promise<EventLog> };
  if (typeof loaded.openEventLog !== 'function') {
    throw new Error(`module ${modulePath} does not export openEventLog(config)`);
  }
  const log = await loaded.openEventLog(config);
  const consumer = await log.consumer({ groupId, topics: [topic], fromBeginning: true, maxBatchRecords: 4 });
  let batches = 0;
  await consumer.run({
    eachBatch: async (batch) => {
      batches += 1;
      if (batches <= 2) {
        const offset = String(offsetNumber(batch.lastOffset) + 1);
        await consumer.commit([{ topic, partition: batch.partition, offset }]);
        print({ event: 'committed', partition: batch.partition, offset });
        return;
      }
      print({
        event: 'processing',
        partition: batch.partition,
        firstOffset: batch.firstOffset,
        lastOffset: batch.lastOffset,
      });
      // Hang until killed. A pending promise alone does not keep Node running: with nothing else
      // scheduled (the embedded log holds no timers here) the child would exit before the kill.
      setInterval(() => undefined, 60_000);
      await new Promise(() => undefined);
    },
  });
  print({ event: 'ready' });
}

/**
 * Runs the scenario: records are produced, a consumer in a child process commits some batches and
 * is SIGKILLed while processing another; then the committed offsets must be exactly the acknowledged
 * commits, and a new consumer of the group must get every record from them on, the killed batch included.
 */
export async function runKilledConsumerScenario(scenario: KilledConsumerScenario): Promise<void> {
  const topic = uniqueName('killed-consumer');
  const groupId = uniqueName('g-killed');
  let log = await scenario.openLog();
  let logOpen = true;
  let scope = new ContractScope(log);
  let child: ChildProcessRun<ChildLine> | undefined;
  try {
    await log.ensureTopics([{ name: topic, partitions: 2 }]);
    for (let round = 0; round < 6; round += 1) await scope.send(topic, messages(keyRange('k', 6), round));
    const highs = await highWatermarks(log, topic);
    if (scenario.exclusive) {
      await scope.close();
      await log.close();
      logOpen = false;
    }

    child = new ChildProcessRun<ChildLine>(__filename, 'runKilledConsumerChild', [
      scenario.child.modulePath,
      scenario.child.config,
      topic,
      groupId,
    ]);
    const processing = await child.waitForLine('the child is processing its third batch', (line) => {
      return line.event === 'processing';
    });
    await child.kill('SIGKILL');
    expect(child.exit?.signal).toBe('SIGKILL');

    const acknowledged = new Map<number, number>();
    for (const line of child.lines) {
      if (line.event === 'committed') {
        acknowledged.set(
          line.partition!,
          Math.max(acknowledged.get(line.partition!) ?? 0, offsetNumber(line.offset!)),
        );
      }
    }
    expect([...acknowledged.values()].length).toBeGreaterThan(0);

    if (scenario.exclusive) {
      log = await scenario.openLog();
      logOpen = true;
      scope = new ContractScope(log);
    }
    const committed = byPartition(await log.committedOffsets(groupId, topic));
    expect(committed.map((c) => c.offset)).toEqual(
      highs.map((_, partition) => String(acknowledged.get(partition) ?? -1)),
    );

    const next = await scope.consume({ groupId, topics: [topic], fromBeginning: true });
    const startOf = (partition: number): number => acknowledged.get(partition) ?? 0;
    await waitFor('the new consumer read every partition from its committed offset to the end', () =>
      highs.every((high, partition) =>
        next.recorder.hasSeenRange(topic, partition, startOf(partition), high),
      ),
    );
    highs.forEach((high, partition) => {
      const offsets = [...next.recorder.distinctOffsets(topic, partition)];
      if (high > startOf(partition)) expect(Math.min(...offsets)).toBe(startOf(partition));
    });
    // The batch being processed when the child died is redelivered.
    expect(
      next.recorder.hasSeenRange(
        topic,
        processing.partition!,
        offsetNumber(processing.firstOffset!),
        offsetNumber(processing.lastOffset!) + 1,
      ),
    ).toBe(true);
  } finally {
    await child?.kill('SIGKILL');
    if (logOpen) {
      await scope.close();
      await log.close();
    }
  }
}

/** Declares the killed-consumer scenario as a jest test for one adapter. */
export function describeKilledConsumerContract(
  name: string,
  makeScenario: () => Promise<KilledConsumerScenario>,
): void {
  describe(`EventLog contract, consumer process killed: ${name}`, () => {
    it(
      'keeps every acknowledged commit and redelivers the uncommitted batch to the next consumer',
      async () => {
        const scenario = await makeScenario();
        try {
          await runKilledConsumerScenario(scenario);
        } finally {
          await scenario.cleanup();
        }
      },
      CONTRACT_TEST_TIMEOUT_MS,
    );
  });
}
