// The sink on the embedded event log: delivery in key order, the spool's bound, replay of a spool left
// by an earlier process, and what a kill -9 can lose.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UsageEventV1 } from '@keymeter/contracts';
import { createEmbeddedEventLog, createKafkaEventLog, type EventLog } from '@keymeter/event-log';
import { ChildProcessRun } from '../../event-log/test/event-log-contract';
import { createUsageEventSink, DiskSpool, SpoolFullError } from '../src';
import { decodeAll, expectExactlyOnceInKeyOrder, readWholeTopic, testEvent } from './sink-test-events';

jest.setTimeout(180_000);

describe('usage event sink (embedded event log)', () => {
  let dir: string;
  const logs: EventLog[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keymeter-sink-embedded-'));
  });

  afterEach(async () => {
    for (const log of logs.splice(0)) await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function openLog(): EventLog {
    const log = createEmbeddedEventLog({ dataDir: join(dir, 'log'), warn: () => undefined });
    logs.push(log);
    return log;
  }

  it('produces every emitted event once, keyed by key id, in per-key order, with the compact encoding', async () => {
    const log = openLog();
    await log.ensureTopics([{ name: 'usage-events', partitions: 3 }]);
    const sink = await createUsageEventSink({
      eventLog: log,
      topic: 'usage-events',
      spoolDir: join(dir, 'spool'),
      maxSpoolBytes: 1024 * 1024,
      batchSize: 7,
    });
    const events: UsageEventV1[] = [];
    for (let index = 0; index < 100; index++) events.push(testEvent(`key-${index % 4}`, index));
    for (const event of events.slice(0, 60)) sink.emit(event);
    await sink.emitDurably(events.slice(60));
    await sink.close();
    expect(sink.stats()).toMatchObject({ produced: 100, pending: 0, dropped: 0, spooledEvents: 0 });
    const records = await readWholeTopic(log, 'usage-events');
    expectExactlyOnceInKeyOrder(records, events);
    expect(decodeAll(records).find(({ event }) => event.id === events[5].id)?.event).toEqual(events[5]);
    expect(() => sink.emit(events[0])).toThrow('the usage event sink is closed');
  });

  it('keys unidentified rejected calls by a stable fallback key', async () => {
    const log = openLog();
    await log.ensureTopics([{ name: 'usage-events', partitions: 2 }]);
    const sink = await createUsageEventSink({
      eventLog: log,
      topic: 'usage-events',
      spoolDir: join(dir, 'spool'),
      maxSpoolBytes: 1024 * 1024,
    });
    const rejected = testEvent('', 1, {
      customerId: '',
      outcome: 'rejected_auth',
      status: 401,
      billable: false,
      units: '0',
    });
    await sink.emitDurably([rejected]);
    await sink.close();
    const records = await readWholeTopic(log, 'usage-events');
    expect(records.map((record) => record.key)).toEqual(['unidentified']);
  });

  it('while the log is unreachable: spools up to maxSpoolBytes, then drops emit() events loudly and refuses emitDurably()', async () => {
    // A real Kafka client pointed at a port where nothing listens: every produce fails.
    const unreachable = createKafkaEventLog({
      brokers: ['127.0.0.1:1'],
      clientId: 'sink-unreachable',
      logSink: () => undefined,
    });
    logs.push(unreachable);
    const errors: string[] = [];
    const sink = await createUsageEventSink({
      eventLog: unreachable,
      topic: 'usage-events',
      spoolDir: join(dir, 'spool'),
      maxSpoolBytes: 4096,
      batchSize: 5,
      sendTimeoutMs: 300,
      closeTimeoutMs: 0,
      logger: { info: () => undefined, warn: () => undefined, error: (_f, message) => errors.push(message) },
    });
    const events = Array.from({ length: 40 }, (_, index) => testEvent('key-full', index));
    for (const event of events) sink.emit(event);
    await sink.flush();
    const stats = sink.stats();
    expect(stats.spooledEvents).toBeGreaterThan(0);
    expect(stats.spoolBytes).toBeLessThanOrEqual(4096);
    expect(stats.dropped).toBe(40 - stats.spooledEvents);
    expect(stats.producerErrors).toBeGreaterThan(0);
    expect(errors).toContain('usage events could be neither produced nor spooled: dropped');
    const more = Array.from({ length: 20 }, (_, index) => testEvent('key-full', 100 + index));
    await expect(sink.emitDurably(more)).rejects.toBeInstanceOf(SpoolFullError);
    await sink.close();

    // What was spooled is on disk, in order, for the next process.
    const spool = await DiskSpool.open(join(dir, 'spool'), 4096);
    expect(spool.eventCount).toBe(stats.spooledEvents);
    const first = await spool.peek();
    expect(first?.messages[0].key).toBe('key-full');
    await spool.close();
  });

  it('kill -9: every event the process reported durable is in the log after a restart replays the spool', async () => {
    const logDir = join(dir, 'log');
    const spoolDir = join(dir, 'spool');
    const child = new ChildProcessRun<{ event: string; ids?: string[] }>(
      join(__dirname, 'sink-children.ts'),
      'emitUntilKilled',
      [logDir, spoolDir, 'usage-events'],
    );
    await child.waitForLine('the child is ready', (line) => line.event === 'ready', 60_000);
    await child.waitForLine(
      'several rounds reported durable',
      () => child.lines.filter((line) => line.event === 'durable').length >= 20,
      60_000,
    );
    await child.kill('SIGKILL');
    const reported = child.lines.flatMap((line) => line.ids ?? []);
    expect(reported.length).toBeGreaterThanOrEqual(20 * 11);

    // Restart: a new sink on the same spool replays whatever the killed one had spooled.
    const log = openLog();
    const sink = await createUsageEventSink({
      eventLog: log,
      topic: 'usage-events',
      spoolDir,
      maxSpoolBytes: 16 * 1024 * 1024,
    });
    await sink.flush();
    const deadline = Date.now() + 30_000;
    while (sink.stats().pending > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await sink.close();
    const ids = new Set(decodeAll(await readWholeTopic(log, 'usage-events')).map(({ event }) => event.id));
    expect(reported.filter((id) => !ids.has(id))).toEqual([]);
  });
});
