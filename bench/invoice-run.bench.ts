/**
 * The invoice run over a generated month: 10 000 customers with three meters each and 10 M usage events,
 * priced by a mix of per-unit, graduated, volume and package plans (every tenth customer changes plan
 * mid-month), on the machine's PostgreSQL and ClickHouse through chDB.
 * Build and run: npm run bench:invoice-run
 *
 * The run is `InvoiceService.run` — the code behind `POST /v1/invoices/run` and `npm run billing:run` —
 * with the production usage source (ClickHouse, usage read as of the ingestion watermark). It runs twice:
 * the first run creates every draft, the second recomputes them in place. Beside it, in the same process
 * and on the same data, three baselines: the bare ClickHouse aggregate of the month per customer, pricing
 * alone over the quantities the run stored, and a bare bulk insert of the same invoice rows into a
 * scratch table. A sample of invoices is checked against totals recomputed independently
 * (bench/invoice-run/independent-total.ts).
 *
 * Environment: BENCH_CUSTOMERS (10 000), BENCH_EVENTS (10 000 000), BENCH_KEYS_PER_CUSTOMER (3),
 * BENCH_CHDB_PATH (default a temp dir, removed after; a kept dir with the same data skips generation),
 * BENCH_PG_ADMIN_URL (postgres://postgres@127.0.0.1:5432/test: a database km_bench_invoices_<pid> is
 * created from template0 and dropped after), BENCH_PGLITE=1 (PGlite in memory instead of PostgreSQL),
 * BENCH_SAMPLES (invoices checked independently, 50).
 */
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openClickHouse, runClickHouseMigrations, type ClickHouseHandle } from '@keymeter/clickhouse';
import { openDatabase, runDatabaseMigrations, type DatabaseHandle } from '@keymeter/database';
import {
  computeInvoice,
  createBillingServices,
  type InvoiceRunResult,
  type InvoiceView,
  type RunPhaseTimings,
} from '@keymeter/billing';
import { createClickHouseUsageSource } from '@keymeter/usage';
import {
  customerId,
  customerIdSql,
  PARTITIONS,
  PERIOD,
  SPAN_END_MS,
  SPAN_START_MS,
  TOPIC,
} from './invoice-run/bench-data';
import { benchShapeFromEnv, createBenchDatabase, load, log, seconds } from './invoice-run/bench-env';
import { independentInvoice } from './invoice-run/independent-total';
import { seedClickHouse } from './invoice-run/seed-clickhouse';
import { seedPostgres } from './invoice-run/seed-postgres';

const SHAPE = benchShapeFromEnv();
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 50);

async function timed<T>(body: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await body();
  return { value, ms: performance.now() - started };
}

async function openBenchDatabase(): Promise<{
  handle: DatabaseHandle;
  label: string;
  drop(): Promise<void>;
}> {
  if (process.env.BENCH_PGLITE === '1') {
    const handle = await openDatabase({ pgliteDir: 'memory://' });
    return { handle, label: 'PGlite (in memory)', drop: async () => undefined };
  }
  const name = `km_bench_invoices_${process.pid}`;
  const { url, drop } = await createBenchDatabase(name);
  const handle = await openDatabase({ url: url.toString() });
  return {
    handle,
    label: `PostgreSQL ${url.host}/${name}`,
    drop,
  };
}

/** The bare ClickHouse floor: every customer's meters of the month, one grouped query, no windows. */
async function clickhouseBaseline(handle: ClickHouseHandle): Promise<number> {
  const result = await handle.client.query({
    query: `SELECT customer_id, toString(countIf(billable = 1)) AS requests,
                   toString(sumIf(units, billable = 1)) AS credits,
                   toString(sumIf(response_bytes, billable = 1)) AS egress_bytes
            FROM usage_events_raw
            WHERE occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')}
              AND source_topic = {topic:String}
            GROUP BY customer_id`,
    query_params: { from: new Date(SPAN_START_MS), to: new Date(SPAN_END_MS), topic: TOPIC },
    format: 'JSONEachRow',
  });
  return (await result.json()).length;
}

/** Pricing alone: the engine's pure computation over the parts and quantities the run stored. */
function pricingBaseline(invoices: readonly InvoiceView[]): number {
  let lines = 0;
  for (const invoice of invoices) {
    const computed = computeInvoice({
      currency: invoice.currency,
      parts: invoice.parts.map((part) => ({ ...part, from: new Date(part.from), to: new Date(part.to) })),
      usage: invoice.parts.map((part) => part.quantities),
      adjustments: [],
    });
    lines += computed.lines.length;
  }
  return lines;
}

/** The bare Postgres floor: the same invoice rows bulk-inserted into a scratch table, 1000 per statement. */
async function postgresBaseline(handle: DatabaseHandle, invoices: readonly InvoiceView[]): Promise<void> {
  const runner = handle.dataSource.createQueryRunner();
  try {
    await runner.query('CREATE TEMP TABLE bench_invoices (LIKE invoices INCLUDING DEFAULTS)');
    for (let first = 0; first < invoices.length; first += 1000) {
      const rows = invoices.slice(first, first + 1000).map((invoice) => ({ ...invoice, id: undefined }));
      await runner.query(
        `INSERT INTO bench_invoices (customer_id, period, period_start, period_end, timezone, currency, status,
                                     usage_cutoff, parts, lines, charges_total, adjustments_total, total, computed_at)
         SELECT "customerId", period, "periodStart", "periodEnd", timezone, currency, status, "usageCutoff",
                parts, lines, "chargesTotal", "adjustmentsTotal", total, "computedAt"
         FROM jsonb_to_recordset($1::jsonb) AS x("customerId" uuid, period text, "periodStart" timestamptz,
           "periodEnd" timestamptz, timezone text, currency char(3), status text, "usageCutoff" jsonb,
           parts jsonb, lines jsonb, "chargesTotal" numeric, "adjustmentsTotal" numeric, total numeric,
           "computedAt" timestamptz)`,
        [JSON.stringify(rows)],
      );
    }
    await runner.query('DROP TABLE bench_invoices');
  } finally {
    await runner.release();
  }
}

const NEXT_PERIOD = '2026-12';
const LATE_CUSTOMERS = 100;

/**
 * Finalizes every invoice of the period (directly in the table, as finalization after the grace period
 * leaves it when no more usage arrived), then ingests one late November event for each of the first
 * LATE_CUSTOMERS customers: on a partition of their own, counted once its watermark is written (the
 * events stay in a kept BENCH_CHDB_PATH; the next start writes the watermarks without that partition).
 */
async function finalizeAndAddLateUsage(
  clickhouse: ClickHouseHandle,
  database: DatabaseHandle,
): Promise<Set<string>> {
  await database.dataSource.query(
    `UPDATE invoices SET status = 'finalized', finalized_at = now() WHERE period = $1 AND status = 'draft'`,
    [PERIOD],
  );
  const [{ n }] = await (
    await clickhouse.client.query({
      query: `SELECT toString(count()) AS n FROM usage_events_raw WHERE source_partition = ${PARTITIONS}`,
      format: 'JSONEachRow',
    })
  ).json<{ n: string }>();
  if (Number(n) !== LATE_CUSTOMERS) {
    await clickhouse.client.command({
      query: `INSERT INTO usage_events_raw
        (event_id, occurred_at, gateway_id, key_id, customer_id, method, route, status, latency_ms,
         request_bytes, response_bytes, units, client_ip, user_agent, outcome, billable, late,
         source_topic, source_partition, source_offset)
        SELECT concat('late', leftPad(toString(number), 22, '0')), toDateTime64('2026-11-15 12:00:00', 3, 'UTC'),
               'gw-bench', concat('key_', toString(number * 3)), ${customerIdSql('number')}, 'GET',
               '/v1/route0/:id', 200, 10, 200, 250000, toDecimal128(5, 6), '203.0.113.7', 'bench/1.0',
               'forwarded', 1, 1, {topic:String}, ${PARTITIONS}, number
        FROM numbers({count:UInt64})`,
      query_params: { topic: TOPIC, count: LATE_CUSTOMERS },
      clickhouse_settings: { insert_deduplicate: 0 },
    });
  }
  await clickhouse.client.command({
    query: `INSERT INTO ingest_watermarks (topic, partition, last_offset, last_log_time, max_occurred_at, updated_at)
            VALUES ({topic:String}, ${PARTITIONS}, ${LATE_CUSTOMERS - 1}, now64(3, 'UTC'), now64(3, 'UTC'), now64(3, 'UTC'))`,
    query_params: { topic: TOPIC },
  });
  return new Set(Array.from({ length: LATE_CUSTOMERS }, (_, i) => customerId(i)));
}

function summary(label: string, result: InvoiceRunResult, ms: number, phases: RunPhaseTimings | null): void {
  const counts: Record<string, number> = {};
  for (const entry of result.results) counts[entry.outcome] = (counts[entry.outcome] ?? 0) + 1;
  const invoices = result.results.filter((r) => r.invoice !== null).length;
  log(
    `${label}: ${seconds(ms)} for ${result.results.length} customers (${JSON.stringify(counts)}), ` +
      `${Math.round(invoices / (ms / 1000))} invoices/s, ${((ms * 1000) / result.results.length).toFixed(0)} µs per customer`,
  );
  if (phases) {
    log(
      `  phases: Postgres reads ${seconds(phases.databaseReadMs)}, ClickHouse usage ${seconds(phases.usageMs)}, ` +
        `pricing ${seconds(phases.pricingMs)}, Postgres writes ${seconds(phases.databaseWriteMs)}`,
    );
  }
}

async function main(): Promise<void> {
  log(
    `invoice run benchmark: ${SHAPE.customers} customers, ${SHAPE.keysPerCustomer} keys each, ${SHAPE.events} events, period ${PERIOD}`,
  );
  log(`load average at start: ${load()} (${execSync('uptime').toString().trim()})`);
  const ownDir = process.env.BENCH_CHDB_PATH === undefined;
  const dir = process.env.BENCH_CHDB_PATH ?? mkdtempSync(join(tmpdir(), 'keymeter-bench-invoices-'));
  const clickhouse = await openClickHouse({ chdbPath: dir, database: 'keymeter_bench' });
  const database = await openBenchDatabase();
  try {
    await runClickHouseMigrations(clickhouse);
    await runDatabaseMigrations(database.handle);
    log(`seeding (chDB in ${dir}; ${database.label})`);
    const seededCh = await seedClickHouse(clickhouse, SHAPE, log);
    if (!seededCh.reused) log(`  ClickHouse generated in ${seconds(seededCh.generatedMs)}`);
    const seededPg = await timed(() => seedPostgres(database.handle.dataSource, SHAPE.customers, log));
    log(`  Postgres seeded in ${seconds(seededPg.ms)}`);
    const plans = seededPg.value;

    let phases: RunPhaseTimings | null = null;
    const billing = createBillingServices({
      dataSource: database.handle.dataSource,
      usage: createClickHouseUsageSource(clickhouse, { topic: TOPIC }),
      finalizeGraceMs: 3_600_000,
      onRunPhases: (timings) => {
        phases = timings;
      },
    });
    const run = async (label: string, period = PERIOD): Promise<InvoiceRunResult> => {
      phases = null;
      let decile = -1;
      const { value, ms } = await timed(() =>
        billing.invoices.run({ period }, (done, total) => {
          const now = Math.floor((done / total) * 10);
          if (now === decile) return;
          decile = now;
          process.stderr.write(`  ${label}: ${done}/${total} customers (${now * 10} %)\n`);
        }),
      );
      summary(label, value, ms, phases);
      return value;
    };
    log(`load average before the runs: ${load()}`);
    const first = await run('run 1 (creates the drafts)');
    const second = await run('run 2 (recomputes them in place)');
    log(`load average after the runs: ${load()}`);

    const invoices = second.results.flatMap((r) => (r.invoice ? [r.invoice] : []));
    const lateCustomers = await finalizeAndAddLateUsage(clickhouse, database.handle);
    const third = await run(
      `run 3 (${NEXT_PERIOD}, re-deriving every finalized ${PERIOD} invoice; late usage for ${lateCustomers.size} customers)`,
      NEXT_PERIOD,
    );
    const adjusted = new Set(
      third.results
        .filter((r) => r.invoice?.lines.some((line) => line.kind === 'adjustment'))
        .map((r) => r.customerId),
    );
    const strayAdjustments = [...adjusted].filter((id) => !lateCustomers.has(id)).length;
    log(
      `  adjustments: ${adjusted.size} of the ${lateCustomers.size} customers with late usage ` +
        `(for the others a commitment true-up, a started package block or rounding absorbed it), ` +
        `${strayAdjustments} for any other customer`,
    );
    if (strayAdjustments > 0 || adjusted.size === 0) process.exitCode = 1;
    const ch = await timed(() => clickhouseBaseline(clickhouse));
    log(
      `baseline ClickHouse: the month's meters of all ${ch.value} customers in one grouped query: ${seconds(ch.ms)}`,
    );
    const pricing = await timed(async () => pricingBaseline(invoices));
    log(
      `baseline pricing: computeInvoice over the stored quantities of ${invoices.length} invoices (${pricing.value} lines): ${seconds(pricing.ms)}`,
    );
    const pg = await timed(() => postgresBaseline(database.handle, invoices));
    log(
      `baseline Postgres: bulk insert of the same ${invoices.length} invoice rows into a scratch table: ${seconds(pg.ms)}`,
    );

    const byCustomer = new Map(second.results.map((r) => [r.customerId, r.invoice]));
    let checked = 0;
    const mismatches: string[] = [];
    for (let sample = 0; sample < Math.min(SAMPLES, SHAPE.customers); sample += 1) {
      const index = Math.floor((sample * SHAPE.customers) / Math.min(SAMPLES, SHAPE.customers));
      const expected = independentInvoice(index, SHAPE, plans);
      const invoice = byCustomer.get(customerId(index));
      const actual = invoice
        ? {
            total: invoice.total,
            quantities: invoice.parts.map(({ quantities: q }) => ({
              requests: q.requests,
              credits: q.credits,
              egress_bytes: q.egress_bytes,
            })),
          }
        : null;
      checked += 1;
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        mismatches.push(
          `customer ${index}: engine ${JSON.stringify(actual)}, independent ${JSON.stringify(expected)}`,
        );
      }
    }
    const same = first.results.every((r, i) => r.invoice?.id === second.results[i]?.invoice?.id);
    log(
      `check: ${checked} invoices recomputed independently, ${mismatches.length} differ; run 2 kept every invoice id: ${same}`,
    );
    for (const line of mismatches.slice(0, 5)) log(`  ${line}`);
    if (mismatches.length > 0 || !same) process.exitCode = 1;
    log(`load average at the end: ${load()}`);
  } finally {
    await clickhouse.close();
    await database.handle.close();
    await database.drop();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
