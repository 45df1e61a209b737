import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openClickHouse } from '@keymeter/clickhouse';
import type { EventLog } from '@keymeter/event-log';
import {
  ChildProcessRun,
  openKafka,
  produce,
  testBrokers,
  uncommitted,
  uniqueName,
  waitFor,
} from './ingestion-harness';
import { groundTruth, mixedStream, prng } from './usage-stream';
import { allTotals, expectedForEveryTable } from './usage-totals';

interface ChildLine {
  event: 'ready' | 'committed' | 'stopped';
  partition?: number;
}

const KILLS = 10;
const PARTITIONS = 4;

describe('ingestor killed with SIGKILL at random points', () => {
  const chdbPath = mkdtempSync(join(tmpdir(), 'keymeter-ingestor-kill-'));
  let log: EventLog;

  beforeAll(() => {
    log = openKafka();
  });

  afterAll(async () => {
    await log.close();
    rmSync(chdbPath, { recursive: true, force: true });
  });

  it(`counts every event exactly once after ${KILLS} kills and restarts while events are produced`, async () => {
    const topic = uniqueName('usage-events-kill');
    const dlq = `${topic}-dlq`;
    const groupId = uniqueName('ingestor-kill');
    const database = 'ingestor_kill';
    await log.ensureTopics([
      { name: topic, partitions: PARTITIONS },
      { name: dlq, partitions: PARTITIONS },
    ]);
    // KEYMETER_KILL_SEED replays a failed run's stream and kill schedule (the kill points still vary with timing).
    const seed = Number(process.env.KEYMETER_KILL_SEED ?? Date.now() % 100_000);
    if (!Number.isSafeInteger(seed))
      throw new Error(`KEYMETER_KILL_SEED: expected a whole number, got ${seed}`);
    const random = prng(seed);
    const stream = mixedStream(seed, 12_000);
    const args = [chdbPath, database, testBrokers().join(','), topic, dlq, groupId];
    const spawnChild = (): ChildProcessRun<ChildLine> =>
      new ChildProcessRun<ChildLine>(join(__dirname, 'ingestor-child.ts'), 'runIngestorChild', args);

    // Produce in slices between and during the kills.
    const slices = KILLS + 1;
    const sliceSize = Math.ceil(stream.length / slices);
    let kills = 0;
    for (let round = 0; round < KILLS; round++) {
      const producing = produce(log, topic, stream.slice(round * sliceSize, (round + 1) * sliceSize));
      const child = spawnChild();
      await child.waitForLine('the child is ready', (line) => line.event === 'ready');
      const batchesBeforeKill = Math.floor(random() * 6);
      await waitFor(`${batchesBeforeKill} batches committed`, () => {
        const committed = child.lines.filter((line) => line.event === 'committed').length;
        return committed >= batchesBeforeKill || child.exit !== null;
      });
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 400)));
      await child.kill('SIGKILL');
      expect(child.exit?.signal).toBe('SIGKILL');
      kills += 1;
      await producing;
    }
    await produce(log, topic, stream.slice(KILLS * sliceSize));

    const last = spawnChild();
    await last.waitForLine('the last child is ready', (line) => line.event === 'ready');
    await waitFor(
      'everything committed',
      async () => (await uncommitted(log, topic, groupId)) === 0,
      170_000,
    );
    await last.kill('SIGTERM');
    expect(last.exit?.code).toBe(0);
    expect(kills).toBe(KILLS);

    // The children are gone, so this process may open the chDB directory.
    const handle = await openClickHouse({ chdbPath, database });
    try {
      const totals = await allTotals(handle.client);
      try {
        expect(totals).toEqual(expectedForEveryTable(groundTruth(stream)));
      } catch (error) {
        throw new Error(`seed ${seed} (KEYMETER_KILL_SEED=${seed}): ${(error as Error).message}`);
      }
    } finally {
      await handle.close();
    }
  }, 600_000);
});
