/**
 * The writer of `npm run bench:landing-kill`: opens chDB on the given directory, re-inserts the batch that was
 * in flight when the previous writer was killed (same rows, same token), runs the landing check unless told not
 * to, prints what every table holds, then inserts one batch after another until it is killed.
 *
 * Args: <chdbPath> <first batch> <check|nocheck>. Prints JSON lines: `totals`, `repaired`, `acked`.
 */
import { openClickHouse, runClickHouseMigrations } from '@keymeter/clickhouse';
import { ClickHouseIngestStore, rawEventBodyOf, type BatchRange } from '@keymeter/ingestion';
import { batchRows, BATCH_EVENTS } from './landing-kill-batches';
import { readerTotals } from './landing-kill-totals';

const print = (line: object): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

const rangeOf = (batch: number): BatchRange => ({
  topic: 'usage-events',
  partition: 0,
  firstOffset: BigInt(batch * BATCH_EVENTS),
  lastOffset: BigInt(batch * BATCH_EVENTS + BATCH_EVENTS - 1),
});

async function main(): Promise<void> {
  const [chdbPath, firstText, mode] = process.argv.slice(2);
  const first = Number(firstText);
  const handle = await openClickHouse({ chdbPath, database: 'landing_kill' });
  await runClickHouseMigrations(handle);
  const store = new ClickHouseIngestStore(handle.client);
  const retried = batchRows(first);
  await store.insertEvents(retried, rangeOf(first));
  if (mode === 'check') {
    const repairs = await store.completeLanding(rawEventBodyOf(retried), rangeOf(first));
    if (repairs.length > 0) print({ event: 'repaired', batch: first, repairs });
  }
  print({ event: 'totals', batches: first + 1, totals: await readerTotals(handle.client) });
  for (let batch = first + 1; ; batch++) {
    await store.insertEvents(batchRows(batch), rangeOf(batch));
    print({ event: 'acked', batch });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
