import type { ClickHouseHandle } from '@keymeter/clickhouse';
import {
  insertEventsSql,
  PARTITIONS,
  SPAN_END_MS,
  SPAN_START_MS,
  TOPIC,
  type BenchShape,
} from './bench-data';

const CHUNK = 1_000_000;

async function count(handle: ClickHouseHandle, sql: string): Promise<number> {
  const result = await handle.client.query({ query: sql, format: 'JSONEachRow' });
  const [row] = await result.json<{ n: string }>();
  return Number(row?.n ?? 0);
}

/**
 * Fills usage_events_raw with the generated month by INSERT … SELECT FROM numbers() in chunks, so the
 * materialized views fill the id set and the rollups from the same rows (as the ingestor's inserts do),
 * then writes the ingestion watermark of every partition, which is the cut-off invoices are read as of.
 * Skips the generation when the table already holds exactly this data set (a kept BENCH_CHDB_PATH).
 */
export async function seedClickHouse(
  handle: ClickHouseHandle,
  shape: BenchShape,
  log: (line: string) => void,
): Promise<{ generatedMs: number; reused: boolean }> {
  const existing = await count(
    handle,
    `SELECT toString(count()) AS n FROM usage_events_raw WHERE source_partition < ${PARTITIONS}`,
  );
  const customers = await count(handle, 'SELECT toString(uniqExact(customer_id)) AS n FROM usage_events_raw');
  if (existing === shape.events && customers === Math.min(shape.customers, shape.events)) {
    log(`  ClickHouse: reusing ${existing} events already generated`);
    await writeWatermarks(handle, shape);
    return { generatedMs: 0, reused: true };
  }
  for (const table of [
    'usage_events_raw',
    'usage_event_ids',
    'usage_rollup_minute',
    'usage_rollup_hour',
    'usage_rollup_day',
    'ingest_watermarks',
  ]) {
    await handle.client.command({ query: `TRUNCATE TABLE ${table}` });
  }
  const started = Date.now();
  for (let first = 0; first < shape.events; first += CHUNK) {
    const chunk = Math.min(CHUNK, shape.events - first);
    await handle.client.command({
      query: insertEventsSql(),
      query_params: {
        start: SPAN_START_MS,
        span: SPAN_END_MS - SPAN_START_MS,
        events: shape.events,
        customers: shape.customers,
        keys: shape.keysPerCustomer,
        first,
        count: chunk,
      },
      clickhouse_settings: { insert_deduplicate: 0, async_insert: 0 },
    });
    const done = first + chunk;
    const seconds = (Date.now() - started) / 1000;
    log(
      `  ClickHouse: ${done}/${shape.events} events (${Math.round((done / shape.events) * 100)} %, ` +
        `${Math.round(done / seconds)} events/s)`,
    );
  }
  await writeWatermarks(handle, shape);
  return { generatedMs: Date.now() - started, reused: false };
}

/**
 * The ingestion watermark of the generated partitions (the last offset of each, from the generator's
 * formula), written afresh on every start, so late events left on another partition by an earlier run
 * lie beyond the cut-off until a run writes their watermark.
 */
async function writeWatermarks(handle: ClickHouseHandle, shape: BenchShape): Promise<void> {
  await handle.client.command({ query: 'TRUNCATE TABLE ingest_watermarks' });
  const last = shape.events - 1;
  const rows = Array.from({ length: Math.min(PARTITIONS, shape.events) }, (_, partition) => {
    const n = last - ((last - partition) % PARTITIONS);
    return `('${TOPIC}', ${partition}, ${Math.floor(n / PARTITIONS)}, now64(3, 'UTC'), now64(3, 'UTC'), now64(3, 'UTC'))`;
  });
  await handle.client.command({
    query: `INSERT INTO ingest_watermarks (topic, partition, last_offset, last_log_time, max_occurred_at, updated_at)
            VALUES ${rows.join(', ')}`,
  });
}
