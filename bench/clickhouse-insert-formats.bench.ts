/**
 * Cost of inserting N usage rows into `usage_events_raw` on chDB, per insert format and path, with and
 * without the rollup views; plus the cross-batch id lookup and the Kafka payload decode.
 *
 *   npm run bench:insert-formats
 *
 * Environment: BENCH_SIZES (default 10000,50000,100000), BENCH_REPEAT (default 3; the median is printed),
 * BENCH_CASES (comma-separated case names to run, default all), BENCH_CHDB_BULK (file, the default, or inline).
 *
 * Paths: `client.insert(...)` cases go through the handle, which on chDB hands the body over in a tmpfs file
 * (INSERT ... FROM INFILE) by default, or inside the SQL text with BENCH_CHDB_BULK=inline (as before the third
 * pass, docs/benchmarks.md); `command`/`exec` cases always put the body into the SQL text themselves. The
 * id lookup likewise: ids from a file, or bound as a parameter with inline.
 *
 * Databases in one chDB directory:
 *   plain  - usage_events_raw only (the insert itself);
 *   views  - every migration: all views read the raw block (ids, minute, hour, day, and those of 0003-0005);
 *   chain  - the ids and minute views read the raw block, hour and day read the minute view's block.
 *   none   - plain + only the id view.
 * Every insert carries its own deduplication token and the settings the ingestor sends. Each case also
 * checks that what it stored reads back identically (row count and a checksum over every column), so a
 * format that garbles escaping shows up as a failure rather than a fast number.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openClickHouse, runClickHouseMigrations, type ClickHouseHandle } from '@keymeter/clickhouse';
import { decodeUsageEvent, encodeUsageEvent, type UsageEventV1 } from '@keymeter/contracts';
import {
  prepareBatch,
  RAW_EVENT_COLUMNS,
  rawEventRowsAsTabSeparated,
  toRawEventRow,
  type RawEventRow,
} from '@keymeter/ingestion';
import type { LogRecord } from '@keymeter/event-log';
import { pipelineBenchEvent } from './pipeline-bench-event';

type Database = 'plain' | 'views' | 'chain' | 'ids_only';

interface Setup {
  readonly handles: Record<Database, ClickHouseHandle>;
}

const SIZES = (process.env.BENCH_SIZES ?? '10000,50000,100000').split(',').map(Number);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const ONLY = process.env.BENCH_CASES?.split(',');

/** The pipeline benchmark's event with strings that need escaping now and then, and a country on every row. */
function sampleEvent(index: number, nowMs: number): UsageEventV1 {
  const event = pipelineBenchEvent(index, nowMs, nowMs - (index % 3_600) * 1000);
  return {
    ...event,
    // Every 97th route and 89th user agent carry characters that need escaping in TSV / CSV / JSON.
    route: index % 97 === 0 ? '/v1/q\\"x,y\'/:symbol' : event.route,
    userAgent: index % 89 === 0 ? 'bench "ünïcødé" \\ agent, 1.0 ✓' : event.userAgent,
    // Never empty: the last column of a row, and the client trims trailing whitespace (an empty last field's
    // tab) off statements whose body is in the SQL text (`command`, `exec`).
    country: index % 5 === 0 ? 'US' : 'DE',
  };
}

/** The rows of valid records through the full path (decode, validate, one object per row). */
function rowsOf(batch: readonly LogRecord[]): RawEventRow[] {
  return batch.map((record) => {
    const decoded = decodeUsageEvent(record.value);
    if (!decoded.ok) throw new Error(`generated event refused: ${decoded.errors[0].reason}`);
    return toRawEventRow(decoded.event, record, 3_600_000);
  });
}

function records(count: number, partition: number): LogRecord[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, index) => {
    const event = sampleEvent(index, now);
    return {
      topic: 'bench',
      partition,
      offset: String(index),
      key: event.keyId,
      value: encodeUsageEvent(event),
      headers: {},
      timestamp: now,
    };
  });
}

// ---- bodies ----------------------------------------------------------------------------------

function jsonCompactBody(rows: readonly RawEventRow[]): string {
  let body = '';
  for (const row of rows) body += `${JSON.stringify(RAW_EVENT_COLUMNS.map((c) => row[c]))}\n`;
  return body;
}

function jsonEachRowBody(rows: readonly RawEventRow[]): string {
  let body = '';
  for (const row of rows) body += `${JSON.stringify(row)}\n`;
  return body;
}

function csvField(value: string | number): string {
  if (typeof value === 'number') return String(value);
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function csvBody(rows: readonly RawEventRow[]): string {
  let body = '';
  for (const row of rows) body += `${RAW_EVENT_COLUMNS.map((c) => csvField(row[c])).join(',')}\n`;
  return body;
}

// ---- insert paths ----------------------------------------------------------------------------

function settings(token: string): Record<string, string | number> {
  return {
    insert_deduplicate: 1,
    insert_deduplication_token: token,
    deduplicate_blocks_in_dependent_materialized_views: 1,
    async_insert: 0,
  };
}

/** The same settings written into the INSERT statement itself (no SET statements before it). */
function settingsClause(token: string): string {
  return (
    `SETTINGS insert_deduplicate = 1, insert_deduplication_token = '${token}', ` +
    'deduplicate_blocks_in_dependent_materialized_views = 1, async_insert = 0'
  );
}

const COLUMN_LIST = `(${RAW_EVENT_COLUMNS.join(', ')})`;

interface InsertCase {
  readonly name: string;
  /** Builds the body in JS (timed apart from the insert); undefined for paths that serialise inside the client. */
  readonly build: (rows: readonly RawEventRow[]) => string | Buffer | readonly RawEventRow[];
  readonly insert: (handle: ClickHouseHandle, body: unknown, token: string) => Promise<unknown>;
}

const CASES: InsertCase[] = [
  {
    name: 'JSONEachRow, client.insert(objects) [current]',
    build: (rows) => rows,
    insert: (h, rows, token) =>
      h.client.insert({
        table: 'usage_events_raw',
        values: rows as RawEventRow[],
        format: 'JSONEachRow',
        clickhouse_settings: settings(token),
      }),
  },
  {
    name: 'JSONEachRow, prebuilt body, command + SETTINGS clause',
    build: jsonEachRowBody,
    insert: (h, body, token) =>
      h.client.command({
        query: `INSERT INTO usage_events_raw ${settingsClause(token)} FORMAT JSONEachRow\n${body as string}`,
      }),
  },
  {
    name: 'JSONCompactEachRow, client.insert(arrays)',
    build: (rows) => rows,
    insert: (h, rows, token) =>
      h.client.insert({
        table: 'usage_events_raw',
        columns: [...RAW_EVENT_COLUMNS],
        values: (rows as RawEventRow[]).map((row) => RAW_EVENT_COLUMNS.map((c) => row[c])),
        format: 'JSONCompactEachRow',
        clickhouse_settings: settings(token),
      }),
  },
  {
    name: 'JSONCompactEachRow, prebuilt body, command + SETTINGS clause',
    build: jsonCompactBody,
    insert: (h, body, token) =>
      h.client.command({
        query: `INSERT INTO usage_events_raw ${COLUMN_LIST} ${settingsClause(token)} FORMAT JSONCompactEachRow\n${body as string}`,
      }),
  },
  {
    name: 'TabSeparated, prebuilt body, client.insert(stream) + SET',
    build: (rows) => rawEventRowsAsTabSeparated(rows),
    insert: (h, body, token) =>
      h.client.insert({
        table: 'usage_events_raw',
        columns: [...RAW_EVENT_COLUMNS],
        values: Readable.from([Buffer.from(body as string, 'utf8')], { objectMode: false }),
        format: 'TabSeparated',
        clickhouse_settings: settings(token),
      }),
  },
  {
    name: 'TabSeparated, prebuilt body, exec(values) + SETTINGS clause',
    build: (rows) => rawEventRowsAsTabSeparated(rows),
    insert: async (h, body, token) => {
      const result = await h.client.exec({
        query: `INSERT INTO usage_events_raw ${COLUMN_LIST} ${settingsClause(token)} FORMAT TabSeparated`,
        values: Readable.from([body as string]),
      });
      result.stream.destroy();
    },
  },
  {
    name: 'TabSeparated, prebuilt body, command + SETTINGS clause',
    build: (rows) => rawEventRowsAsTabSeparated(rows),
    insert: (h, body, token) =>
      h.client.command({
        query: `INSERT INTO usage_events_raw ${COLUMN_LIST} ${settingsClause(token)} FORMAT TabSeparated\n${body as string}`,
      }),
  },
  {
    name: 'CSV, prebuilt body, command + SETTINGS clause',
    build: csvBody,
    insert: (h, body, token) =>
      h.client.command({
        query: `INSERT INTO usage_events_raw ${COLUMN_LIST} ${settingsClause(token)} FORMAT CSV\n${body as string}`,
      }),
  },
  {
    // client.insert does not offer RowBinary; exec sends any body.
    name: 'RowBinary, exec(Buffer stream) + SETTINGS clause',
    build: (rows) => rowBinaryBody(rows),
    insert: async (h, body, token) => {
      const result = await h.client.exec({
        query: `INSERT INTO usage_events_raw ${COLUMN_LIST} ${settingsClause(token)} FORMAT RowBinary`,
        values: Readable.from([body as Buffer]),
      });
      result.stream.destroy();
    },
  },
];

/** RowBinary of the raw columns (strings as varint length + bytes, little-endian numbers). */
function rowBinaryBody(rows: readonly RawEventRow[]): Buffer {
  const parts: Buffer[] = [];
  const str = (s: string): void => {
    const bytes = Buffer.from(s, 'utf8');
    const len: number[] = [];
    let n = bytes.length;
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n > 0) b |= 0x80;
      len.push(b);
    } while (n > 0);
    parts.push(Buffer.from(len), bytes);
  };
  const uint = (value: number | bigint, size: 1 | 2 | 4 | 8): void => {
    const b = Buffer.alloc(size);
    if (size === 1) b.writeUInt8(Number(value));
    else if (size === 2) b.writeUInt16LE(Number(value));
    else if (size === 4) b.writeUInt32LE(Number(value));
    else b.writeBigUInt64LE(BigInt(value));
    parts.push(b);
  };
  for (const row of rows) {
    str(row.event_id);
    const ms = BigInt(Date.parse(`${row.occurred_at.replace(' ', 'T')}Z`));
    uint(ms, 8); // DateTime64(3): Int64 ticks
    str(row.gateway_id);
    str(row.key_id);
    str(row.customer_id);
    str(row.method);
    str(row.route);
    uint(row.status, 2);
    uint(row.latency_ms, 4);
    uint(row.request_bytes, 8);
    uint(row.response_bytes, 8);
    // Decimal(38, 6) is an Int128 of micro-units.
    const micro = BigInt(Math.round(Number(row.units) * 1e6));
    const d = Buffer.alloc(16);
    d.writeBigUInt64LE(micro & 0xffffffffffffffffn, 0);
    d.writeBigUInt64LE(micro >> 64n, 8);
    parts.push(d);
    str(row.client_ip);
    str(row.user_agent);
    str(row.outcome);
    uint(row.billable, 1);
    uint(row.late, 1);
    str(row.source_topic);
    uint(row.source_partition, 4);
    uint(BigInt(row.source_offset), 8);
    str(row.country);
  }
  return Buffer.concat(parts);
}

// ---- measurement -----------------------------------------------------------------------------

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e6;

async function checksum(handle: ClickHouseHandle, partition: number): Promise<string> {
  const result = await handle.client.query({
    query: `SELECT toString(count()) AS n,
                   toString(sum(cityHash64(event_id, occurred_at, gateway_id, key_id, customer_id, method, route,
                       status, latency_ms, request_bytes, response_bytes, units, client_ip, user_agent, outcome,
                       billable, late, source_topic, source_offset))) AS h
            FROM usage_events_raw WHERE source_partition = {p:UInt32}`,
    query_params: { p: partition },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: string; h: string }>();
  return `${row.n}/${row.h}`;
}

let nextPartition = 1;

async function runInsertCase(
  setup: Setup,
  db: Database,
  testCase: InsertCase,
  size: number,
): Promise<string> {
  const buildTimes: number[] = [];
  const insertTimes: number[] = [];
  let verdict = 'ok';
  let reference: string | undefined;
  for (let round = 0; round < REPEAT; round++) {
    const partition = nextPartition++;
    const rows = rowsOf(records(size, partition));
    const handle = setup.handles[db];
    const built = process.hrtime.bigint();
    const body = testCase.build(rows);
    buildTimes.push(ms(built));
    const started = process.hrtime.bigint();
    try {
      await testCase.insert(handle, body, `bench/${partition}/0-${size - 1}`);
    } catch (error) {
      return `FAILED: ${(error instanceof Error ? error.message : String(error)).slice(0, 160)}`;
    }
    insertTimes.push(ms(started));
    // Reference: the same rows through the current path into a scratch partition of the plain table.
    const stored = await checksum(handle, partition);
    if (reference === undefined) {
      const refPartition = nextPartition++;
      const refRows = rows.map((row) => ({ ...row, source_partition: refPartition }));
      await setup.handles.plain.client.insert({
        table: 'usage_events_raw',
        values: refRows,
        format: 'JSONEachRow',
        clickhouse_settings: settings(`ref/${refPartition}`),
      });
      reference = await checksum(setup.handles.plain, refPartition);
    }
    if (stored !== reference) verdict = `MISMATCH stored ${stored} expected ${reference}`;
    reference = undefined;
  }
  const insert = median(insertTimes);
  return (
    `build ${median(buildTimes).toFixed(0).padStart(5)} ms, insert ${insert.toFixed(0).padStart(6)} ms ` +
    `(${Math.round(size / ((insert + median(buildTimes)) / 1000))
      .toString()
      .padStart(7)} rows/s incl. build) ${verdict}`
  );
}

const CHAIN_SQL = [
  `CREATE TABLE usage_events_raw AS views.usage_events_raw`,
  `CREATE TABLE usage_event_ids AS views.usage_event_ids`,
  `CREATE TABLE usage_rollup_minute AS views.usage_rollup_minute`,
  `CREATE TABLE usage_rollup_hour AS views.usage_rollup_hour`,
  `CREATE TABLE usage_rollup_day AS views.usage_rollup_day`,
  `CREATE MATERIALIZED VIEW usage_event_ids_mv TO usage_event_ids AS
   SELECT event_id, source_topic, source_partition, source_offset, toDateTime(ingested_at, 'UTC') AS ingested_at
   FROM usage_events_raw`,
];

async function viewSql(handle: ClickHouseHandle, name: string): Promise<string> {
  const result = await handle.client.query({
    query: `SELECT create_table_query AS q FROM system.tables WHERE database = 'views' AND name = {n:String}`,
    query_params: { n: name },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ q: string }>();
  return row.q;
}

/** How the handles give chDB bodies and id lists (see the header). */
const BULK_DATA: 'file' | 'inline' = process.env.BENCH_CHDB_BULK === 'inline' ? 'inline' : 'file';

function open(dir: string, database: string): Promise<ClickHouseHandle> {
  return openClickHouse({ chdbPath: dir, database, chdbBulkData: BULK_DATA });
}

async function setUp(dir: string): Promise<Setup> {
  const views = await open(dir, 'views');
  await runClickHouseMigrations(views);
  const plain = await open(dir, 'plain');
  await plain.client.command({ query: 'CREATE TABLE usage_events_raw AS views.usage_events_raw' });
  const idsOnly = await open(dir, 'ids_only');
  for (const sql of CHAIN_SQL.slice(0, 2).concat(CHAIN_SQL.slice(5)))
    await idsOnly.client.command({ query: sql });
  const chain = await open(dir, 'chain');
  for (const sql of CHAIN_SQL) await chain.client.command({ query: sql });
  // The minute view as in 0002; hour and day re-aggregate the minute view's output block.
  const minute = (await viewSql(views, 'usage_rollup_minute_mv')).replace(/views\./g, 'chain.');
  await chain.client.command({ query: minute });
  const measures = [
    'events',
    'requests',
    'credits',
    'egress_bytes',
    'forwarded',
    'rejected',
    'rejected_auth',
    'rejected_scope',
    'rate_limited',
    'quota_exceeded',
    'upstream_error',
    'late_events',
    'latency_ms_sum',
  ];
  const sums = measures.map((m) => `sum(${m}) AS ${m}`).join(', ');
  for (const [target, bucket] of [
    ['usage_rollup_hour', 'toStartOfHour(bucket)'],
    ['usage_rollup_day', "toDateTime(toStartOfDay(bucket), 'UTC')"],
  ]) {
    await chain.client.command({
      query: `CREATE MATERIALIZED VIEW ${target}_mv TO ${target} AS
              SELECT customer_id, ${bucket} AS b, key_id, route, status_class, ${sums}
              FROM usage_rollup_minute GROUP BY customer_id, b, key_id, route, status_class`
        .replace(' AS b,', ' AS bucket,')
        .replace('GROUP BY customer_id, b,', 'GROUP BY customer_id, bucket,'),
    });
  }
  return { handles: { views, plain, ids_only: idsOnly, chain } };
}

async function rollupTotals(handle: ClickHouseHandle): Promise<string> {
  const parts: string[] = [];
  for (const table of ['usage_rollup_minute', 'usage_rollup_hour', 'usage_rollup_day']) {
    const result = await handle.client.query({
      query: `SELECT toString(sum(events)) AS e, toString(sum(credits)) AS c, toString(sum(rate_limited)) AS r FROM ${table}`,
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ e: string; c: string; r: string }>();
    parts.push(`${table.slice(13)} ${row.e}/${row.c}/${row.r}`);
  }
  return parts.join(', ');
}

async function idLookup(setup: Setup, size: number): Promise<void> {
  const handle = setup.handles.views;
  const partition = nextPartition++;
  const rows = rowsOf(records(size, partition));
  const body = rawEventRowsAsTabSeparated(rows);
  await handle.client.command({
    query: `INSERT INTO usage_events_raw ${COLUMN_LIST} ${settingsClause(`ids/${partition}`)} FORMAT TabSeparated\n${body}`,
  });
  // Half the ids are stored (from this partition), half are new.
  const fresh = rowsOf(records(size, partition)).map((r) => r.event_id);
  const ids = rows
    .slice(0, size / 2)
    .map((r) => r.event_id)
    .concat(fresh.slice(0, size / 2));
  for (const chunk of [5_000, 20_000, size]) {
    const times: number[] = [];
    let found = 0;
    for (let round = 0; round < REPEAT; round++) {
      const started = process.hrtime.bigint();
      found = 0;
      for (let start = 0; start < ids.length; start += chunk) {
        const result = await handle.client.query({
          query: `SELECT DISTINCT event_id FROM usage_event_ids
                  WHERE event_id IN {ids:Array(String)}
                    AND NOT (source_topic = {topic:String} AND source_partition = {partition:UInt32}
                             AND source_offset BETWEEN {first:UInt64} AND {last:UInt64})`,
          query_params: {
            ids: ids.slice(start, start + chunk),
            topic: 'other',
            partition: 0,
            first: '0',
            last: '0',
          },
          format: 'JSONEachRow',
        });
        found += (await result.json<{ event_id: string }>()).length;
      }
      times.push(ms(started));
    }
    process.stdout.write(
      `  id lookup ${size} ids, chunks of ${chunk}: ${median(times).toFixed(0)} ms (found ${found})\n`,
    );
  }
}

function decodeCost(size: number): void {
  const batch = records(size, 0);
  const times: number[] = [];
  const prepareTimes: number[] = [];
  for (let round = 0; round < REPEAT; round++) {
    let started = process.hrtime.bigint();
    for (const record of batch) decodeUsageEvent(record.value);
    times.push(ms(started));
    started = process.hrtime.bigint();
    prepareBatch(batch, 3_600_000);
    prepareTimes.push(ms(started));
  }
  const perEvent = (t: number): string => `${((t * 1000) / size).toFixed(2)} µs/event`;
  process.stdout.write(
    `  ${size} events: decodeUsageEvent ${median(times).toFixed(0)} ms (${perEvent(median(times))}), ` +
      `prepareBatch (checks + TSV body; npm run bench:prepare-batch compares its paths) ` +
      `${median(prepareTimes).toFixed(0)} ms (${perEvent(median(prepareTimes))})\n`,
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'keymeter-bench-formats-'));
  const setup = await setUp(dir);
  try {
    process.stdout.write(`repeat ${REPEAT}, median; sizes ${SIZES.join(', ')}\n`);
    process.stdout.write('decode (JS, one thread):\n');
    for (const size of SIZES) decodeCost(size);
    for (const size of SIZES) {
      for (const [db, label] of [
        ['plain', 'raw table only'],
        ['ids_only', 'raw + id view'],
        ['views', 'raw + every view of the migrations (ids, minute, hour, day, 0003-0005), all from raw'],
        ['chain', 'raw + ids + minute from raw, hour/day from minute'],
      ] as Array<[Database, string]>) {
        process.stdout.write(`${size} rows, ${label}:\n`);
        for (const testCase of CASES) {
          if (ONLY && !ONLY.some((name) => testCase.name.startsWith(name))) continue;
          if (db !== 'plain' && testCase.name.startsWith('RowBinary')) continue;
          process.stdout.write(
            `  ${testCase.name.padEnd(62)} ${await runInsertCase(setup, db, testCase, size)}\n`,
          );
        }
      }
    }
    process.stdout.write(`rollup totals, 0002 views: ${await rollupTotals(setup.handles.views)}\n`);
    process.stdout.write(`rollup totals, chained:    ${await rollupTotals(setup.handles.chain)}\n`);
    process.stdout.write('cross-batch id lookup:\n');
    for (const size of SIZES) await idLookup(setup, size);
  } finally {
    for (const handle of Object.values(setup.handles)) await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
