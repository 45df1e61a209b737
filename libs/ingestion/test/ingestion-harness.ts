import type { ClickHouseClient } from '@clickhouse/client';
import type { EventLog, LogRecord } from '@keymeter/event-log';
import { createKafkaEventLog } from '@keymeter/event-log';
import type { BatchRange } from '../src';
import type { StreamMessage } from './usage-stream';

export { uniqueName, waitFor, ChildProcessRun } from '../../event-log/test/event-log-contract';

export function testBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run these tests through jest');
  return brokers.split(',').map((b) => b.trim());
}

/** A Kafka event log on the test broker; kafkajs warnings are kept quiet unless asked for. */
export function openKafka(clientId = 'keymeter-ingestion-test'): EventLog {
  return createKafkaEventLog({
    brokers: testBrokers(),
    clientId,
    logSink: () => undefined,
    consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 },
  });
}

/** Produces the stream in chunks, in order. */
export async function produce(log: EventLog, topic: string, stream: readonly StreamMessage[]): Promise<void> {
  const producer = await log.producer();
  try {
    for (let start = 0; start < stream.length; start += 500) {
      await producer.send(
        topic,
        stream.slice(start, start + 500).map((m) => m.message),
      );
    }
  } finally {
    await producer.close();
  }
}

/** Sum of (high watermark - committed offset) over the partitions. */
export async function uncommitted(log: EventLog, topic: string, groupId: string): Promise<number> {
  const [offsets, committed] = await Promise.all([
    log.topicOffsets(topic),
    log.committedOffsets(groupId, topic),
  ]);
  const done = new Map(committed.map((c) => [c.partition, Number(c.offset)]));
  return offsets.reduce((sum, o) => {
    const at = done.get(o.partition) ?? -1;
    return sum + Number(o.high) - (at < 0 ? Number(o.low) : at);
  }, 0);
}

/** Every record of a topic (for the dead-letter topic), read by a throwaway group. */
export async function readTopic(log: EventLog, topic: string, expected: number): Promise<LogRecord[]> {
  const { waitFor, uniqueName } = await import('../../event-log/test/event-log-contract');
  const consumer = await log.consumer({
    groupId: uniqueName('reader'),
    topics: [topic],
    fromBeginning: true,
  });
  const seen: LogRecord[] = [];
  await consumer.run({
    eachBatch: (batch) => {
      seen.push(...batch.records);
      return Promise.resolve();
    },
  });
  try {
    await waitFor(`${expected} records on ${topic}`, () => seen.length >= expected);
  } finally {
    await consumer.stop();
  }
  return seen;
}

/**
 * The real client with an outage switch: while `down` is set, every call fails as a refused connection
 * would. Nothing is simulated when it is up: calls go to the engine unchanged.
 */
export function withOutageSwitch(client: ClickHouseClient): {
  client: ClickHouseClient;
  setDown(down: boolean): void;
} {
  let down = false;
  const failing = new Set(['query', 'insert', 'command', 'exec', 'ping']);
  const proxy = new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (down && failing.has(String(property))) {
          return Promise.reject(new Error('connect ECONNREFUSED (ClickHouse is down)'));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { client: proxy, setDown: (value) => (down = value) };
}

/**
 * Records a plan in `ingest_batches` as ingestors did before plans moved into the offset commits: the layout
 * an upgrade reads (`ClickHouseIngestStore.loadPlans`).
 */
export async function recordLegacyPlan(client: ClickHouseClient, range: BatchRange): Promise<void> {
  await client.insert({
    table: 'ingest_batches',
    values: [
      {
        topic: range.topic,
        partition: range.partition,
        first_offset: range.firstOffset.toString(),
        last_offset: range.lastOffset.toString(),
      },
    ],
    format: 'JSONEachRow',
    clickhouse_settings: { async_insert: 0 },
  });
}
