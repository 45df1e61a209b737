// The sink against a real Kafka broker of this test's own, stopped mid-traffic and started again on
// the same data: events spool while it is down and, once it is back, every event is in the topic
// exactly once, in per-key order. Run for the sink on the calling thread and for the threaded sink
// (producer and spool on a worker thread, what the gateway uses on Kafka).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafkaEventLog, type EventLog } from '@keymeter/event-log';
import type { UsageEventV1 } from '@keymeter/contracts';
import {
  createThreadedUsageEventSink,
  createUsageEventSink,
  type SinkLogger,
  type UsageEventSink,
} from '../src';
import { OwnKafkaBroker } from './own-kafka-broker';
import { expectExactlyOnceInKeyOrder, readWholeTopic, testEvent } from './sink-test-events';

jest.setTimeout(300_000);

const KEYS = ['key-a', 'key-b', 'key-c', 'key-d', 'key-e', 'key-f'];

/** KEYMETER_TEST_DEBUG=1 prints the sink's log lines and the test's steps. */
function debug(...parts: unknown[]): void {
  if (process.env.KEYMETER_TEST_DEBUG === '1') process.stderr.write(`${JSON.stringify(parts)}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(description: string, condition: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for: ${description}`);
    await sleep(50);
  }
}

/** Sink settings shared by both variants: small batches and short timeouts, so the outage shows quickly. */
const SINK_SETTINGS = {
  maxSpoolBytes: 64 * 1024 * 1024,
  batchSize: 50,
  lingerMs: 5,
  sendTimeoutMs: 1500,
  retryInitialMs: 100,
  retryMaxMs: 1000,
};

type OpenSink = (
  log: EventLog,
  brokers: string[],
  topic: string,
  spoolDir: string,
  logger: SinkLogger,
) => Promise<UsageEventSink>;

const VARIANTS: [string, OpenSink][] = [
  [
    'on the calling thread',
    (eventLog, _brokers, topic, spoolDir, logger) =>
      createUsageEventSink({ eventLog, topic, spoolDir, logger, ...SINK_SETTINGS }),
  ],
  [
    'on a worker thread',
    (_eventLog, brokers, topic, spoolDir, logger) =>
      createThreadedUsageEventSink({
        kafka: { brokers, clientId: 'sink-outage-test-worker' },
        topic,
        spoolDir,
        logger,
        ...SINK_SETTINGS,
      }),
  ],
];

describe.each(VARIANTS)('usage event sink %s, on Kafka: broker outage', (_name, openSink) => {
  let broker: OwnKafkaBroker;
  // Created before the broker starts, so afterAll always has it to remove.
  const spoolDir = mkdtempSync(join(tmpdir(), 'keymeter-sink-spool-'));
  let log: EventLog;
  let sink: UsageEventSink | undefined;

  beforeAll(() => {
    broker = OwnKafkaBroker.start(Number(process.env.KEYMETER_SINK_TEST_KAFKA_PORT ?? 18092));
  });

  afterAll(async () => {
    await sink?.close();
    await log?.close();
    await broker?.stop();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('keeps accepting while Kafka is down, spools, and delivers every event exactly once in key order after it returns', async () => {
    log = createKafkaEventLog({
      brokers: [broker.address],
      clientId: 'sink-outage-test',
      logSink: () => undefined,
    });
    const topic = `usage-events-outage-${Date.now()}`;
    await log.ensureTopics([{ name: topic, partitions: 3 }]);
    const warnings: string[] = [];
    sink = await openSink(log, [broker.address], topic, spoolDir, {
      info: (fields, message) => debug('info', fields, message),
      warn: (fields, message) => {
        debug('warn', fields, message);
        warnings.push(message);
      },
      error: (fields, message) => {
        debug('error', fields, message);
        warnings.push(message);
      },
    });
    const emitted: UsageEventV1[] = [];
    const seqByKey = new Map<string, number>();
    let durableAcks = 0;
    const emitSome = async (count: number): Promise<void> => {
      for (let index = 0; index < count; index++) {
        const key = KEYS[index % KEYS.length];
        const seq = (seqByKey.get(key) ?? 0) + 1;
        seqByKey.set(key, seq);
        const event = testEvent(key, seq);
        emitted.push(event);
        if (index % 10 === 9) {
          // The ingestion path: must resolve (produced or spooled) even while the broker is down.
          await sink!.emitDurably([event]);
          durableAcks++;
        } else {
          sink!.emit(event);
        }
        if (index % 20 === 0) await sleep(2);
      }
    };

    debug('step: await emitSome');
    await emitSome(300);
    await sink.flush();
    // On a busy machine the first produce may outlast sendTimeoutMs and go through the spool.
    await waitUntil('the first events are produced', () => sink!.stats().pending === 0);
    expect(sink.stats().produced).toBe(300);

    // Stop the broker while traffic continues.
    debug('step: const halted = broker.halt');
    const halted = broker.halt();
    await emitSome(200);
    debug('step: await halted;');
    await halted;
    await emitSome(400);
    await sink.flush();
    const during = sink.stats();
    expect(during.spooledEvents).toBeGreaterThan(0);
    expect(during.spoolBytes).toBeGreaterThan(0);
    expect(during.producerErrors).toBeGreaterThan(0);
    expect(during.dropped).toBe(0);
    expect(warnings).toContain('event log unreachable: spooling usage events to disk');

    debug('step: await broker.resume');
    await broker.resume();
    await emitSome(300);
    await waitUntil('the spool drains and nothing is pending', () => sink!.stats().pending === 0);

    const after = sink.stats();
    expect(after).toMatchObject({ spooledEvents: 0, spoolBytes: 0, dropped: 0, produced: emitted.length });
    expect(durableAcks).toBe(120);
    debug('step: const records = await readWholeTopic');
    const records = await readWholeTopic(log, topic);
    expect(records).toHaveLength(emitted.length);
    expectExactlyOnceInKeyOrder(records, emitted);
  });
});
