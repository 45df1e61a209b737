import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedEventLog, DirectoryLockedError, type EventLog } from '@keymeter/event-log';
import {
  ChildProcessRun,
  ContractScope,
  byPartition,
  describeEventLogContract,
  describeKilledConsumerContract,
  highWatermarks,
  readAll,
  uniqueName,
  waitFor,
} from './event-log-contract';

const CHILDREN = join(__dirname, 'embedded-children.ts');
// Child processes load TypeScript on start: allow them time.
const TIMEOUT_MS = 120_000;

function makeTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'keymeter-event-log-'));
}

describeEventLogContract('embedded', async () => {
  const dataDir = makeTempDir();
  const log = createEmbeddedEventLog({ dataDir, warn: () => undefined });
  return {
    log,
    cleanup: async () => {
      await log.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

describeKilledConsumerContract('embedded', async () => {
  const dataDir = makeTempDir();
  return {
    openLog: async () => createEmbeddedEventLog({ dataDir, warn: () => undefined }),
    child: { modulePath: CHILDREN, config: dataDir },
    exclusive: true,
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
});

describe('embedded event log', () => {
  jest.setTimeout(TIMEOUT_MS);
  let dataDir: string;
  const openLogs: EventLog[] = [];
  const warnings: string[] = [];

  const open = (segmentBytes?: number): EventLog => {
    const log = createEmbeddedEventLog({ dataDir, segmentBytes, warn: (message) => warnings.push(message) });
    openLogs.push(log);
    return log;
  };

  const closeAll = async (): Promise<void> => {
    await Promise.all(openLogs.splice(0).map((log) => log.close()));
  };

  /** The segment files of one partition, oldest first. */
  const segmentFiles = (topic: string, partition: number): string[] => {
    const directory = join(dataDir, 'topics', topic, String(partition));
    return readdirSync(directory)
      .filter((name) => name.endsWith('.log'))
      .sort()
      .map((name) => join(directory, name));
  };

  const values = (records: readonly { value: Buffer }[]): string[] => records.map((r) => r.value.toString());

  beforeEach(() => {
    dataDir = makeTempDir();
    warnings.length = 0;
  });

  afterEach(async () => {
    await closeAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps records, offsets and committed offsets across close and reopen', async () => {
    const topic = uniqueName('reopen');
    const groupId = uniqueName('g');
    let log = open();
    let scope = new ContractScope(log);
    await log.ensureTopics([{ name: topic, partitions: 2, compacted: true }]);
    for (let round = 0; round < 3; round += 1) {
      await scope.send(
        topic,
        ['a', 'b', 'c', 'd'].map((key) => ({
          key,
          value: `${key}${round}`,
          headers: { round: String(round) },
        })),
      );
    }
    const before = await readAll(scope, topic);
    const offsetsBefore = await log.topicOffsets(topic);
    // Commit the first two records of each partition.
    const consumer = await log.consumer({ groupId, topics: [topic] });
    await consumer.commit([
      { topic, partition: 0, offset: '2', metadata: 'plan 2-3' },
      { topic, partition: 1, offset: '2' },
    ]);
    await scope.close();
    await closeAll();

    log = open();
    scope = new ContractScope(log);
    expect(await log.topicOffsets(topic)).toEqual(offsetsBefore);
    expect(byPartition(await log.committedOffsets(groupId, topic)).map((c) => c.offset)).toEqual(['2', '2']);
    expect(byPartition(await log.committedOffsets(groupId, topic)).map((c) => c.metadata)).toEqual([
      'plan 2-3',
      undefined,
    ]);
    const after = await readAll(scope, topic);
    expect(
      after.map((r) => [r.partition, r.offset, r.key, r.value.toString(), r.headers, r.timestamp]),
    ).toEqual(before.map((r) => [r.partition, r.offset, r.key, r.value.toString(), r.headers, r.timestamp]));

    // The group resumes at its committed offsets; new records continue the offsets.
    const resumed = await scope.consume({ groupId, topics: [topic] });
    const highs = await highWatermarks(log, topic);
    await waitFor('the group read from its committed offsets to the end', () =>
      highs.every((high, partition) => resumed.recorder.hasSeenRange(topic, partition, 2, high)),
    );
    expect(resumed.recorder.records.every((r) => Number(r.offset) >= 2)).toBe(true);
    await scope.send(topic, [{ key: 'a', value: 'after reopen' }]);
    const partitionOfA = before.find((r) => r.key === 'a')!.partition;
    const highsAfter = await highWatermarks(log, topic);
    expect(highsAfter[partitionOfA]).toBe(highs[partitionOfA] + 1);
    await waitFor('the new record delivered', () =>
      resumed.recorder.recordsOf(topic).some((r) => r.value.toString() === 'after reopen'),
    );
    expect(resumed.recorder.recordsOf(topic).find((r) => r.value.toString() === 'after reopen')!.offset).toBe(
      String(highs[partitionOfA]),
    );
    await scope.close();
  });

  it('rolls segments and reads, seeks by time and reopens across them', async () => {
    const topic = uniqueName('roll');
    let log = open(1024);
    let scope = new ContractScope(log);
    await log.ensureTopics([{ name: topic, partitions: 1 }]);
    const sent: string[] = [];
    for (let index = 0; index < 60; index += 1) {
      const value = `record-${index}-${'y'.repeat(100)}`;
      sent.push(value);
      await scope.send(topic, [{ key: 'k', value }]);
    }
    expect(segmentFiles(topic, 0).length).toBeGreaterThan(3);
    const records = await readAll(scope, topic);
    expect(values(records)).toEqual(sent);
    const middle = records[37];
    const firstAtMiddleTime = records.find((r) => r.timestamp >= middle.timestamp)!;
    expect(await log.offsetsForTime(topic, middle.timestamp)).toEqual([
      { topic, partition: 0, offset: firstAtMiddleTime.offset },
    ]);
    await scope.close();
    await closeAll();

    log = open(1024);
    scope = new ContractScope(log);
    expect(values(await readAll(scope, topic))).toEqual(sent);
    expect(await log.offsetsForTime(topic, middle.timestamp)).toEqual([
      { topic, partition: 0, offset: firstAtMiddleTime.offset },
    ]);
    await scope.send(topic, [{ key: 'k', value: 'after' }]);
    expect(await highWatermarks(log, topic)).toEqual([61]);
    await scope.close();
  });

  describe('a torn tail of the last segment is cut off on open', () => {
    const topic = 'torn';
    let lengthAfter9: number;
    let lengthAfter10: number;

    beforeEach(async () => {
      const log = open();
      const scope = new ContractScope(log);
      await log.ensureTopics([{ name: topic, partitions: 1 }]);
      for (let index = 0; index < 10; index += 1) {
        await scope.send(topic, [{ key: 'k', value: `value-${index}` }]);
        if (index === 8) lengthAfter9 = statSync(segmentFiles(topic, 0)[0]).size;
      }
      lengthAfter10 = statSync(segmentFiles(topic, 0)[0]).size;
      await scope.close();
      await closeAll();
    });

    /** Reopens, checks the repaired file length, reads, and checks appending continues after the repair. */
    const reopenAndRead = async (repairedLength: number): Promise<string[]> => {
      const log = open();
      const scope = new ContractScope(log);
      await log.health();
      expect(statSync(segmentFiles(topic, 0)[0]).size).toBe(repairedLength);
      const read = values(await readAll(scope, topic));
      await scope.send(topic, [{ key: 'k', value: 'appended after repair' }]);
      const all = values(await readAll(scope, topic));
      expect(all).toEqual([...read, 'appended after repair']);
      await scope.close();
      return read;
    };

    const expected = (count: number): string[] =>
      Array.from({ length: count }, (_, index) => `value-${index}`);

    it('garbage appended after the last record', async () => {
      const file = segmentFiles(topic, 0)[0];
      appendFileSync(file, Buffer.from('\u0000\u0000\u0001\u0000 this is not a record'));
      expect(await reopenAndRead(lengthAfter10)).toEqual(expected(10));
      expect(warnings.some((warning) => warning.includes(file))).toBe(true);
    });

    it('zeros appended after the last record (file grown, data never written)', async () => {
      appendFileSync(segmentFiles(topic, 0)[0], Buffer.alloc(4096));
      expect(await reopenAndRead(lengthAfter10)).toEqual(expected(10));
    });

    it('the last record cut in the middle', async () => {
      const file = segmentFiles(topic, 0)[0];
      truncateSync(file, lengthAfter10 - 5);
      expect(await reopenAndRead(lengthAfter9)).toEqual(expected(9));
    });

    it('only the header of the last record written', async () => {
      truncateSync(segmentFiles(topic, 0)[0], lengthAfter9 + 6);
      expect(await reopenAndRead(lengthAfter9)).toEqual(expected(9));
    });

    it('a damaged byte in the last record (CRC mismatch)', async () => {
      const file = segmentFiles(topic, 0)[0];
      const bytes = readFileSync(file);
      bytes[lengthAfter10 - 2] = bytes[lengthAfter10 - 2] ^ 0xff;
      writeFileSync(file, bytes);
      expect(await reopenAndRead(lengthAfter9)).toEqual(expected(9));
      expect(warnings.some((warning) => warning.includes('CRC'))).toBe(true);
    });
  });

  it('reopens consistent after a process appending in a loop is SIGKILLed', async () => {
    const topic = 'crash';
    const writers = 4;
    const setup = open();
    await setup.ensureTopics([{ name: topic, partitions: 3 }]);
    await closeAll();

    const child = new ChildProcessRun<{ event: string; writer?: string; sequence?: number }>(
      CHILDREN,
      'appendUntilKilled',
      [dataDir, topic, String(writers)],
    );
    try {
      await child.waitForLine('the child acknowledged many sends', () => child.lines.length > 400);
    } finally {
      await child.kill('SIGKILL');
    }
    expect(child.exit?.signal).toBe('SIGKILL');
    const acknowledged = new Map<string, number>();
    for (const line of child.lines) {
      if (line.event === 'acked')
        acknowledged.set(line.writer!, Math.max(acknowledged.get(line.writer!) ?? -1, line.sequence!));
    }
    expect(acknowledged.size).toBe(writers);

    const log = open(64 * 1024);
    const scope = new ContractScope(log);
    const records = await readAll(scope, topic);
    for (const [writer, lastAcknowledged] of acknowledged) {
      const sequences = records
        .filter((record) => record.key === writer)
        .map((record) => Number(record.value.toString().split(':')[1]));
      // In order, without gaps or repeats, and at least up to the last acknowledged send.
      expect(sequences).toEqual(Array.from({ length: sequences.length }, (_, index) => index));
      expect(sequences.length).toBeGreaterThan(lastAcknowledged);
    }
    // The reopened log keeps appending after what survived.
    const highs = await highWatermarks(log, topic);
    await scope.send(topic, [{ key: 'w0', value: 'w0:after' }]);
    const highsAfter = await highWatermarks(log, topic);
    expect(highsAfter.reduce((a, b) => a + b, 0)).toBe(highs.reduce((a, b) => a + b, 0) + 1);
    await scope.close();
  });

  describe('the directory lock', () => {
    it('rejects a second opener in the same process until the first closes', async () => {
      const first = open();
      await first.ensureTopics([{ name: 'locked', partitions: 1 }]);
      expect(() => createEmbeddedEventLog({ dataDir })).toThrow(DirectoryLockedError);
      expect(() => createEmbeddedEventLog({ dataDir })).toThrow(/already open in this process/);
      await closeAll();
      const second = open();
      expect(await second.topicOffsets('locked')).toEqual([{ partition: 0, low: '0', high: '0' }]);
    });

    it('rejects another process while held, naming the holder', async () => {
      open();
      const child = new ChildProcessRun<{ event: string; message?: string }>(CHILDREN, 'tryToOpen', [
        dataDir,
      ]);
      const line = await child.waitForLine('the child tried to open the directory', () => true);
      expect(line.event).toBe('refused');
      expect(line.message).toContain(`locked by running process ${process.pid}`);
      expect(await child.exitCode()).toBe(0);
    });

    it('takes over a lock whose pid now belongs to another process, or to this one', async () => {
      for (const pid of [process.ppid, process.pid]) {
        writeFileSync(
          join(dataDir, 'LOCK'),
          JSON.stringify({ pid, startTicks: '1', host: hostname(), token: 'old', acquiredAt: '' }),
        );
        const log = open();
        await log.ensureTopics([{ name: 'reused-pid', partitions: 1 }]);
        await closeAll();
      }
    });

    it('takes over a lock left by a process that no longer runs', async () => {
      const deadPid = Number(
        execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']),
      );
      writeFileSync(
        join(dataDir, 'LOCK'),
        JSON.stringify({ pid: deadPid, host: hostname(), token: 'old', acquiredAt: '' }),
      );
      const log = open();
      await log.ensureTopics([{ name: 'after-stale-lock', partitions: 1 }]);
      expect(JSON.parse(readFileSync(join(dataDir, 'LOCK'), 'utf8')).pid).toBe(process.pid);
    });
  });

  it('lets a handler stop its own consumer without waiting for itself', async () => {
    const log = open();
    const scope = new ContractScope(log);
    await log.ensureTopics([{ name: 'self-stop', partitions: 1 }]);
    await scope.send('self-stop', [{ key: 'k', value: 'v' }]);
    let stoppedFromHandler = false;
    const running = await scope.consume({ groupId: 'g', topics: ['self-stop'] }, async (_batch, consumer) => {
      await consumer.stop();
      stoppedFromHandler = true;
    });
    await waitFor('the handler got past stop()', () => stoppedFromHandler);
    await running.stop();
    await scope.send('self-stop', [{ key: 'k', value: 'after stop' }]);
    expect(running.recorder.records).toHaveLength(1);
    await scope.close();
  });

  it('rejects use after close with a clear error', async () => {
    const log = open();
    await log.ensureTopics([{ name: 'closing', partitions: 1 }]);
    const producer = await log.producer();
    const consumer = await log.consumer({ groupId: 'g', topics: ['closing'] });
    await log.close();
    await expect(producer.send('closing', [{ key: 'k', value: 'v' }])).rejects.toThrow(/closed/);
    await expect(consumer.commit([{ topic: 'closing', partition: 0, offset: '0' }])).rejects.toThrow(
      /closed/,
    );
    await expect(log.topicOffsets('closing')).rejects.toThrow(/closed/);
    expect(await log.health()).toMatchObject({ up: false, adapter: 'embedded' });
  });

  it('rejects unknown topics and invalid arguments with messages naming them', async () => {
    const log = open();
    const scope = new ContractScope(log);
    await expect(log.ensureTopics([{ name: 'bad/name', partitions: 1 }])).rejects.toThrow(
      /topics\[0\]\.name/,
    );
    await expect(log.ensureTopics([{ name: 'ok', partitions: 0 }])).rejects.toThrow(
      /topics\[0\]\.partitions/,
    );
    await expect(scope.send('missing', [{ key: 'k', value: 'v' }])).rejects.toThrow(
      /unknown topic "missing"/,
    );
    await log.ensureTopics([{ name: 'ok', partitions: 1 }]);
    await expect(scope.send('ok', [{ key: 'k', value: 42 as unknown as string }])).rejects.toThrow(
      /messages\[0\]\.value/,
    );
    await expect(log.consumer({ groupId: 'g', topics: ['missing'] })).rejects.toThrow(/unknown topic/);
    const consumer = await log.consumer({ groupId: 'g', topics: ['ok'] });
    await expect(consumer.commit([{ topic: 'ok', partition: 0, offset: 'x' }])).rejects.toThrow(
      /offsets\[0\]\.offset/,
    );
    expect(await log.topicOffsets('ok')).toEqual([{ partition: 0, low: '0', high: '0' }]);
    await scope.close();
  });
});
