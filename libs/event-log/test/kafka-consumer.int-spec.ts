// Kafka-specific behaviour of the adapter beyond the shared contract: commit guards around
// rebalances and stops, heartbeats during slow batches, topic configuration, health and logging.
import { Kafka, logLevel } from 'kafkajs';
import type { EventLog, LogConsumer, OutgoingMessage } from '../src/event-log.port';
import { createKafkaEventLog } from '../src/kafka/kafka-event-log';
import type { KafkaLogEntry } from '../src/kafka/kafka-logging';
import {
  BatchRecorder,
  ContractScope,
  commitNothing,
  highWatermarks,
  offsetNumber,
  uniqueName,
  waitFor,
} from './event-log-contract';
import { openTestKafkaLog, testBrokers } from './kafka-test-log';

jest.setTimeout(180_000);

function spreadMessages(count: number, prefix = 'key'): OutgoingMessage[] {
  return Array.from({ length: count }, (_, index) => ({
    key: `${prefix}-${index}`,
    value: `value-${index}`,
  }));
}

describe('Kafka event log (adapter-specific)', () => {
  let log: EventLog;
  let logged: KafkaLogEntry[];
  let scope: ContractScope;

  beforeEach(() => {
    ({ log, logged } = openTestKafkaLog());
    scope = new ContractScope(log);
  });

  afterEach(async () => {
    await scope.close();
    await log.close();
  });

  it('creates compacted topics with cleanup.policy=compact and warns when an existing topic has another partition count', async () => {
    const compacted = uniqueName('compact-config');
    const plain = uniqueName('plain-config');
    await log.ensureTopics([
      { name: compacted, partitions: 2, compacted: true },
      { name: plain, partitions: 1 },
    ]);

    const admin = new Kafka({
      clientId: 'keymeter-test-admin',
      brokers: testBrokers(),
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [compacted, plain].map((name) => ({ type: 2, name, configNames: ['cleanup.policy'] })),
      });
      const policy = (name: string): string | undefined =>
        resources
          .find((r) => r.resourceName === name)
          ?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue;
      expect([policy(compacted), policy(plain)]).toEqual(['compact', 'delete']);
    } finally {
      await admin.disconnect();
    }

    await log.ensureTopics([{ name: plain, partitions: 3 }]);
    expect((await log.topicOffsets(plain)).length).toBe(1);
    expect(logged.map((entry) => entry.message)).toContain(
      `topic ${plain} exists with 1 partition(s), not 3; left unchanged`,
    );
  });

  it('refuses commits before run, past the delivered records and after stop, naming the reason', async () => {
    const topic = uniqueName('commit-guards');
    const groupId = uniqueName('g-guards');
    await log.ensureTopics([{ name: topic, partitions: 1 }]);
    await scope.send(topic, spreadMessages(5));

    const idle = await log.consumer({ groupId: uniqueName('g-idle'), topics: [topic] });
    await expect(idle.commit([{ topic, partition: 0, offset: '1' }])).rejects.toThrow(/has not been started/);
    await idle.stop();

    const running = await scope.consume({ groupId, topics: [topic], fromBeginning: true }, commitNothing);
    await waitFor('all records delivered', () => running.recorder.hasSeenRange(topic, 0, 0, 5));
    await expect(running.consumer.commit([{ topic, partition: 0, offset: '6' }])).rejects.toThrow(
      /past the last delivered record \(next offset 5\)/,
    );
    await expect(running.consumer.commit([{ topic, partition: 0, offset: 'x' }])).rejects.toThrow(
      'offsets[0].offset must be a non-negative decimal offset string',
    );
    await running.consumer.commit([{ topic, partition: 0, offset: '5' }]);
    await running.stop();
    await expect(running.consumer.commit([{ topic, partition: 0, offset: '5' }])).rejects.toThrow(
      /is stopped/,
    );
    expect(await log.committedOffsets(groupId, topic)).toEqual([{ topic, partition: 0, offset: '5' }]);
  });

  it("refuses a member's commit for a partition that moved to another member, and keeps its commits for the rest", async () => {
    const topic = uniqueName('moved');
    const groupId = uniqueName('g-moved');
    await log.ensureTopics([{ name: topic, partitions: 2 }]);
    await scope.send(topic, spreadMessages(20));
    const highs = await highWatermarks(log, topic);
    expect(highs.every((high) => high > 0)).toBe(true);

    const first = await scope.consume({ groupId, topics: [topic], fromBeginning: true }, commitNothing);
    await waitFor('the only member saw both partitions', () =>
      highs.every((high, partition) => first.recorder.hasSeenRange(topic, partition, 0, high)),
    );

    const second = await scope.consume({ groupId, topics: [topic], fromBeginning: true }, commitNothing);
    await waitFor('the second member received a partition', () => second.recorder.records.length > 0);
    const moved = second.recorder.records[0].partition;
    const kept = 1 - moved;

    await expect(
      first.consumer.commit([{ topic, partition: moved, offset: String(highs[moved]) }]),
    ).rejects.toThrow(/not assigned to this consumer|rejoining the group/);
    // Still its own partition since before the rebalance: the commit goes through.
    await first.consumer.commit([{ topic, partition: kept, offset: String(highs[kept]) }]);

    const committed = await log.committedOffsets(groupId, topic);
    expect(committed.find((c) => c.partition === moved)?.offset).toBe('-1');
    expect(committed.find((c) => c.partition === kept)?.offset).toBe(String(highs[kept]));
  });

  it('keeps a member in its group through a batch slower than the session timeout', async () => {
    const slow = openTestKafkaLog({ consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 } });
    const slowScope = new ContractScope(slow.log);
    try {
      const topic = uniqueName('slow-batch');
      const groupId = uniqueName('g-slow');
      await slow.log.ensureTopics([{ name: topic, partitions: 1 }]);
      await slowScope.send(topic, spreadMessages(3));
      let commitError: unknown = null;
      const running = await slowScope.consume(
        { groupId, topics: [topic], fromBeginning: true },
        async (batch, consumer) => {
          // Longer than the session timeout: without heartbeats the broker would evict the member.
          await new Promise((resolve) => setTimeout(resolve, 9_000));
          const offset = String(offsetNumber(batch.lastOffset) + 1);
          await consumer.commit([{ topic, partition: batch.partition, offset }]).catch((error: unknown) => {
            commitError = error;
          });
        },
      );
      await waitFor('the slow batch committed', async () => {
        const [committed] = await slow.log.committedOffsets(groupId, topic);
        return committed.offset === '3' || commitError !== null;
      });
      expect(commitError).toBeNull();
      expect(running.recorder.batches.map((batch) => batch.firstOffset)).toEqual(['0']);
    } finally {
      await slowScope.close();
      await slow.log.close();
    }
  });

  it('stop called from inside the handler ends the consumer and leaves the batch uncommitted', async () => {
    const topic = uniqueName('stop-inside');
    const groupId = uniqueName('g-stop-inside');
    await log.ensureTopics([{ name: topic, partitions: 1 }]);
    await scope.send(topic, spreadMessages(4));

    const recorder = new BatchRecorder();
    const consumer: LogConsumer = await log.consumer({ groupId, topics: [topic], fromBeginning: true });
    let stopReturned = false;
    await consumer.run({
      eachBatch: async (batch) => {
        recorder.batches.push(batch);
        await consumer.stop();
        stopReturned = true;
      },
    });
    await waitFor('the handler ran and its stop() returned', () => stopReturned);
    await consumer.stop();
    expect(recorder.batches).toHaveLength(1);
    expect(await log.committedOffsets(groupId, topic)).toEqual([{ topic, partition: 0, offset: '-1' }]);

    const next = await scope.consume({ groupId, topics: [topic], fromBeginning: true });
    await waitFor('the next consumer got the records again', () =>
      next.recorder.hasSeenRange(topic, 0, 0, 4),
    );
  });

  it('holds back a topic paused before run until it is resumed', async () => {
    const paused = uniqueName('paused-early');
    const flowing = uniqueName('flowing-early');
    await log.ensureTopics([
      { name: paused, partitions: 1 },
      { name: flowing, partitions: 1 },
    ]);
    await scope.send(paused, spreadMessages(3));
    await scope.send(flowing, spreadMessages(3));

    const consumer = await log.consumer({ groupId: uniqueName('g-early'), topics: [paused, flowing] });
    const recorder = new BatchRecorder();
    consumer.pause(paused);
    await consumer.run({ eachBatch: (batch) => Promise.resolve(void recorder.batches.push(batch)) });
    try {
      await waitFor('the flowing topic delivered', () => recorder.hasSeenRange(flowing, 0, 0, 3));
      await scope.send(flowing, spreadMessages(1, 'again'));
      await waitFor('the flowing topic delivered a second fetch', () =>
        recorder.hasSeenRange(flowing, 0, 0, 4),
      );
      expect(recorder.recordsOf(paused)).toHaveLength(0);
      consumer.resume(paused);
      await waitFor('the resumed topic delivered', () => recorder.hasSeenRange(paused, 0, 0, 3));
    } finally {
      await consumer.stop();
    }
  });

  it('logs a failed batch as a warning without the records it carried', async () => {
    const topic = uniqueName('failure-log');
    await log.ensureTopics([{ name: topic, partitions: 1 }]);
    await scope.send(topic, [{ key: 'k', value: 'secret-looking-payload' }]);
    let failed = false;
    const running = await scope.consume(
      { groupId: uniqueName('g-fail-log'), topics: [topic], fromBeginning: true },
      async (batch, consumer) => {
        if (!failed) {
          failed = true;
          throw new Error('sink unavailable');
        }
        await consumer.commit([{ topic, partition: 0, offset: String(offsetNumber(batch.lastOffset) + 1) }]);
      },
    );
    await waitFor('the batch redelivered after the failure', () => running.recorder.batches.length >= 2);
    const warning = logged.find((entry) => entry.message.startsWith('eachBatch failed'));
    expect(warning).toMatchObject({
      level: 'warn',
      fields: { topic, partition: 0, error: 'sink unavailable' },
    });
    expect(JSON.stringify(logged)).not.toContain('secret-looking-payload');
  });

  it('reports an unreachable cluster as down instead of throwing', async () => {
    const unreachable = createKafkaEventLog({
      brokers: ['127.0.0.1:1'],
      clientId: 'keymeter-test-down',
      healthTimeoutMs: 1_000,
      logSink: () => undefined,
    });
    try {
      const health = await unreachable.health();
      expect(health.up).toBe(false);
      expect(health.adapter).toBe('kafka');
      expect(health.detail).toEqual(expect.any(String));
    } finally {
      await unreachable.close();
    }
  });

  it('rejects invalid options and messages with errors naming the field', async () => {
    expect(() => createKafkaEventLog({ brokers: [], clientId: 'x' })).toThrow(
      'brokers must be a non-empty array',
    );
    expect(() => createKafkaEventLog({ brokers: ['localhost'], clientId: 'x' })).toThrow(
      'brokers[0] must be host:port',
    );
    await expect(log.ensureTopics([{ name: uniqueName('bad'), partitions: 0 }])).rejects.toThrow(
      'topics[0].partitions must be a positive integer',
    );
    await expect(log.consumer({ groupId: '', topics: ['t'] })).rejects.toThrow('options.groupId');
    const producer = await scope.producer();
    await expect(producer.send('', [{ key: 'k', value: 'v' }])).rejects.toThrow(
      'topic must be a non-empty topic name',
    );
  });
});
