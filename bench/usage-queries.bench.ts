/**
 * Query latency of the usage queries over a generated month: one customer's month by day and by key
 * (p50/p99 over random customers), the same on the raw table, and the finance report for the month.
 * Build and run: npm run bench:queries
 * Environment: BENCH_EVENTS (default 100 000 000), BENCH_CUSTOMERS (1000), BENCH_KEYS (10 000),
 * BENCH_SAMPLES (200 customers), BENCH_RAW_SAMPLES (20), BENCH_CHUNK (1 000 000 rows per insert),
 * BENCH_DROP_VIEWS (default usage_event_ids_mv; add usage_rollup_minute_mv to skip the minute rollup,
 * which these queries never read and which holds ~1 row per event at this density),
 * BENCH_CHDB_PATH (default: a temp dir, removed after; given, the data stays and a later run with the
 * same BENCH_EVENTS resumes generating where it stopped, or only runs the queries), BENCH_OPTIMIZE=1
 * (merge the hour and day rollups even when nothing was generated, e.g. after a stopped run).
 *
 * Data: `INSERT INTO usage_events_raw SELECT … FROM numbers()` in chunks, so the rollup materialized
 * views fill the three rollups from the very rows of the raw table (consistent by construction, as in
 * production). The id-set view (usage_event_ids_mv) is dropped in the bench database first: that set
 * only serves the ingestor's duplicate check, no query reads it, and sorting its ids was half of the
 * generation time (the minute view was most of the rest, see BENCH_DROP_VIEWS). Event n: key n*7919 mod keys, customer key mod customers, route n mod 20, status
 * 200 (~88 %), 404 or 503, units 0.000001..5, occurred_at at (n * 2654435761) mod (month in ms) after
 * the month's start: every prefix of the sequence covers the whole month evenly, so a run stopped
 * early still holds a month (of fewer events).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openClickHouse, runClickHouseMigrations, type ClickHouseHandle } from '@keymeter/clickhouse';
import { seriesSql, USAGE_TABLES, usageByCustomerKeyMeter, usageSeries } from '@keymeter/usage';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000_000);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1000);
const KEYS = Number(process.env.BENCH_KEYS ?? 10_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const RAW_SAMPLES = Number(process.env.BENCH_RAW_SAMPLES ?? 20);
const CHUNK = Number(process.env.BENCH_CHUNK ?? 1_000_000);
/** Views not filled while generating (see the header). Only these names may be given. */
const DROPPABLE_VIEWS = ['usage_event_ids_mv', 'usage_rollup_minute_mv'];
const DROPPED_VIEWS = (process.env.BENCH_DROP_VIEWS ?? 'usage_event_ids_mv')
  .split(',')
  .filter((v) => v !== '');
for (const view of DROPPED_VIEWS) {
  if (!DROPPABLE_VIEWS.includes(view))
    throw new Error(`BENCH_DROP_VIEWS: ${view} is not one of ${DROPPABLE_VIEWS.join(', ')}`);
}
const MONTH_START = Date.parse('2026-11-01T00:00:00Z');
const MONTH_END = Date.parse('2026-12-01T00:00:00Z');

const log = (line: string): void => void process.stdout.write(`${line}\n`);
const load = (): string =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function timed(
  samples: number,
  run: (index: number) => Promise<unknown>,
): Promise<{ p50: number; p99: number; max: number }> {
  const times: number[] = [];
  for (let index = 0; index < samples; index++) {
    const started = process.hrtime.bigint();
    await run(index);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), max: times[times.length - 1] };
}

const fmt = (r: { p50: number; p99: number; max: number }): string =>
  `p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms`;

async function generate(handle: ClickHouseHandle, from: number): Promise<void> {
  const spanMs = MONTH_END - MONTH_START;
  const began = Date.now();
  for (let first = from; first < EVENTS; first += CHUNK) {
    const count = Math.min(CHUNK, EVENTS - first);
    const started = Date.now();
    await handle.client.command({
      query: `INSERT INTO usage_events_raw
        (event_id, occurred_at, gateway_id, key_id, customer_id, method, route, status, latency_ms,
         request_bytes, response_bytes, units, client_ip, user_agent, outcome, billable, late,
         source_topic, source_partition, source_offset)
        SELECT
          leftPad(toString(number), 26, '0') AS event_id,
          fromUnixTimestamp64Milli(toInt64({start:Int64} + (number * 2654435761) % {span:UInt64})) AS occurred_at,
          'gw-bench',
          concat('key_', toString((number * 7919) % {keys:UInt64})) AS key_id,
          concat('cus_', toString(((number * 7919) % {keys:UInt64}) % {customers:UInt64})) AS customer_id,
          'GET',
          concat('/v1/route', toString(number % 20), '/:id'),
          multiIf(number % 10 = 7, 404, number % 50 = 3, 503, 200) AS status,
          toUInt32(number % 250),
          200,
          toUInt64(500 + number % 5000),
          toDecimal128((number % 5000000 + 1) / 1000000, 6),
          '203.0.113.7',
          'bench/1.0',
          'forwarded',
          toUInt8(status < 500),
          0,
          'usage-events',
          toUInt32(number % 12),
          number
        FROM numbers({first:UInt64}, {count:UInt64})`,
      query_params: {
        start: MONTH_START,
        span: spanMs,
        keys: KEYS,
        customers: CUSTOMERS,
        first,
        count,
      },
      clickhouse_settings: { insert_deduplicate: 0, async_insert: 0 },
    });
    const done = first + count;
    const rate = (done - from) / ((Date.now() - began) / 1000);
    const eta = (EVENTS - done) / rate;
    log(
      `  inserted ${done}/${EVENTS} (chunk of ${count} in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
        `${Math.round(rate)} events/s overall, ETA ${Math.round(eta)} s; ${load()})`,
    );
  }
}

async function main(): Promise<void> {
  const ownDir = process.env.BENCH_CHDB_PATH === undefined;
  const dir = process.env.BENCH_CHDB_PATH ?? mkdtempSync(join(tmpdir(), 'keymeter-bench-queries-'));
  const handle = await openClickHouse({ chdbPath: dir, database: 'keymeter_bench' });
  try {
    await runClickHouseMigrations(handle);
    const existing = await (
      await handle.client.query({
        query: 'SELECT toString(count()) AS n FROM usage_events_raw',
        format: 'JSONEachRow',
      })
    ).json<{ n: string }>();
    const present = Number(existing[0].n);
    let merge = process.env.BENCH_OPTIMIZE === '1';
    if (present !== EVENTS) {
      merge = true;
      if (present % CHUNK !== 0 || present > EVENTS) {
        throw new Error(`${dir} holds ${present} events: not a prefix of ${EVENTS} in chunks of ${CHUNK}`);
      }
      for (const view of DROPPED_VIEWS) await handle.client.command({ query: `DROP VIEW IF EXISTS ${view}` });
      log(
        `generating ${EVENTS - present} events from ${present} (${CUSTOMERS} customers, ${KEYS} keys, November 2026) in ${dir}, ${load()}`,
      );
      const started = Date.now();
      await generate(handle, present);
      log(`generated in ${((Date.now() - started) / 1000).toFixed(1)} s, ${load()}`);
    }
    if (merge) {
      const optimized = Date.now();
      // The minute rollup is not queried here (~1 row per event at this density); merging it would
      // only cost time.
      for (const table of ['usage_rollup_hour', 'usage_rollup_day']) {
        await handle.client.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
      }
      log(`rollups merged (OPTIMIZE FINAL) in ${((Date.now() - optimized) / 1000).toFixed(1)} s`);
    }
    const sizes = await (
      await handle.client.query({
        query: `SELECT table, toString(sum(rows)) AS rows, formatReadableSize(sum(bytes_on_disk)) AS size
                FROM system.parts WHERE database = 'keymeter_bench' AND active AND table LIKE 'usage_%'
                GROUP BY table ORDER BY table`,
        format: 'JSONEachRow',
      })
    ).json<{ table: string; rows: string; size: string }>();
    for (const s of sizes) log(`  ${s.table}: ${s.rows} rows, ${s.size}`);

    const from = new Date(MONTH_START);
    const to = new Date(MONTH_END);
    const customer = (index: number): string => `cus_${(index * 7_793) % CUSTOMERS}`;
    const client = handle.client;

    // Warm-up: first touches of each table load marks and primary keys.
    await usageSeries(client, { customerId: customer(0), from, to, granularity: 'day', timeZone: 'UTC' });

    const byDayUtc = await timed(SAMPLES, (i) =>
      usageSeries(client, { customerId: customer(i), from, to, granularity: 'day', timeZone: 'UTC' }),
    );
    log(`customer month by day, UTC (day rollup):              ${fmt(byDayUtc)}`);
    const nyFrom = new Date('2026-11-01T04:00:00Z');
    const nyTo = new Date('2026-12-01T05:00:00Z');
    const byDayNy = await timed(SAMPLES, (i) =>
      usageSeries(client, {
        customerId: customer(i),
        from: nyFrom,
        to: nyTo,
        granularity: 'day',
        timeZone: 'America/New_York',
      }),
    );
    log(`customer month by day, America/New_York (hour rollup): ${fmt(byDayNy)}`);
    const byKey = await timed(SAMPLES, (i) =>
      usageSeries(client, {
        customerId: customer(i),
        from,
        to,
        granularity: 'month',
        timeZone: 'UTC',
        groupBy: 'key',
      }),
    );
    log(`customer month by key (day rollup):                   ${fmt(byKey)}`);

    const raw = USAGE_TABLES.usage_events_raw;
    const dayStarts = Array.from({ length: 30 }, (_, d) => MONTH_START + d * 86_400_000);
    const rawQuery = (index: number, groupBy: 'key' | undefined, starts: number[]): Promise<unknown> =>
      client
        .query({
          query: seriesSql(raw, groupBy, false),
          query_params: { starts, customerId: customer(index), from, to },
          format: 'JSONEachRow',
        })
        .then((result) => result.json());
    const rawByDay = await timed(RAW_SAMPLES, (i) => rawQuery(i, undefined, dayStarts));
    log(`customer month by day on the raw table:               ${fmt(rawByDay)} (${RAW_SAMPLES} customers)`);
    const rawByKey = await timed(RAW_SAMPLES, (i) => rawQuery(i, 'key', [MONTH_START]));
    log(`customer month by key on the raw table:               ${fmt(rawByKey)} (${RAW_SAMPLES} customers)`);

    let rows = 0;
    const report = await timed(3, async () => {
      rows = (await usageByCustomerKeyMeter(client, { from, to })).length;
    });
    log(`finance report for the month (${rows} customer/key/meter rows, day rollup): ${fmt(report)}`);
    const rawReport = await timed(1, () =>
      client
        .query({
          query: `SELECT count() AS groups FROM (
                    SELECT customer_id, key_id, countIf(billable = 1) AS r, sumIf(units, billable = 1) AS c,
                           sumIf(response_bytes, billable = 1) AS e
                    FROM usage_events_raw
                    WHERE occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')}
                    GROUP BY customer_id, key_id)`,
          query_params: { from, to },
          format: 'JSONEachRow',
        })
        .then((result) => result.json()),
    );
    log(`finance report on the raw table:                      ${fmt(rawReport)}`);
  } finally {
    await handle.close();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
