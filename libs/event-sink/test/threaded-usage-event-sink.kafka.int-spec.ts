// The threaded sink (producer and spool on a worker thread) against the shared Kafka broker: what the
// gateway emits and what ingestion hands over durably lands in the topic exactly once, in per-key order;
// close flushes; a closed sink refuses events.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafkaEventLog, type EventLog } from '@keymeter/event-log';
import { encodeUsageEventJson, type UsageEventV1 } from '@keymeter/contracts';
import {
  createThreadedUsageEventSink,
  usageEventKey,
  type EncodedUsageEventBatch,
  type UsageEventSink,
} from '../src';
import { expectExactlyOnceInKeyOrder, readWholeTopic, testEvent } from './sink-test-events';

jest.setTimeout(120_000);

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');

/** Events encoded as the ingestion endpoint hands them over (`emitBatchDurably`). */
function encodedBatch(events: readonly UsageEventV1[]): EncodedUsageEventBatch {
  return {
    count: events.length,
    keys: Buffer.from(events.map((event) => `${usageEventKey(event)}\n`).join('')),
    payloads: Buffer.from(events.map((event) => `${encodeUsageEventJson(event)}\n`).join('')),
  };
}

describe('threaded usage event sink on Kafka', () => {
  const spoolDir = mkdtempSync(join(tmpdir(), 'keymeter-threaded-sink-'));
  const log: EventLog = createKafkaEventLog({
    brokers,
    clientId: 'threaded-sink-test',
    logSink: () => undefined,
  });
  let sink: UsageEventSink | undefined;

  afterAll(async () => {
    await sink?.close();
    await log.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('delivers emitted and durably emitted events exactly once in key order, and flushes on close', async () => {
    const topic = `usage-events-threaded-${Date.now()}-${process.pid}`;
    await log.ensureTopics([{ name: topic, partitions: 3 }]);
    sink = await createThreadedUsageEventSink({
      kafka: { brokers, clientId: 'threaded-sink-test-worker' },
      topic,
      spoolDir,
      maxSpoolBytes: 16 * 1024 * 1024,
      batchSize: 100,
      lingerMs: 20,
    });
    const emitted: UsageEventV1[] = [];
    const seqByKey = new Map<string, number>();
    const next = (key: string): UsageEventV1 => {
      const seq = (seqByKey.get(key) ?? 0) + 1;
      seqByKey.set(key, seq);
      const event = testEvent(key, seq);
      emitted.push(event);
      return event;
    };
    for (let round = 0; round < 20; round++) {
      for (let index = 0; index < 40; index++) sink.emit(next(`key-${index % 5}`));
      // Ingestion's path, interleaved with emits of the same keys: order per key must hold across both.
      await sink.emitDurably([next('key-1'), next('key-durable'), next('key-2')]);
      // The endpoint's encoded batches travel the same channel.
      await sink.emitBatchDurably!(encodedBatch([next('key-3'), next('key-batch'), next('key-3')]));
    }
    await sink.flush();
    expect(sink.stats()).toMatchObject({
      pending: 0,
      produced: emitted.length,
      spooledEvents: 0,
      dropped: 0,
    });

    // Emitted just before close: close must still deliver them.
    for (let index = 0; index < 25; index++) sink.emit(next(`key-${index % 5}`));
    await sink.close();
    expect(() => sink!.emit(testEvent('key-late', 1))).toThrow(/closed/);
    await expect(sink.emitDurably([testEvent('key-late', 2)])).rejects.toThrow(/closed/);
    await expect(sink.emitBatchDurably!(encodedBatch([testEvent('key-late', 3)]))).rejects.toThrow(/closed/);

    const records = await readWholeTopic(log, topic);
    expect(records).toHaveLength(emitted.length);
    expectExactlyOnceInKeyOrder(records, emitted);
  });
});
