/**
 * The finance usage report over the invoice-run benchmark's month: 10 000 customers, three keys each,
 * 10 M usage events, on the machine's PostgreSQL and ClickHouse through chDB.
 * Build and run: npm run bench:report
 *
 * Seeds (or reuses, with BENCH_CHDB_PATH) the same data as bench/invoice-run.bench.ts, runs the invoices of
 * the period once (the report reads them), then streams the report as CSV to a temp file through
 * `UsageReportService.stream` — the code behind `GET /v1/reports/usage?format=csv` and
 * `npm run reports:export` — with its time per phase and the process's peak RSS. Beside it, in the same
 * process: the report as it was read before (one per-key ClickHouse query per invoice and part) over a
 * sample of invoices, scaled to all of them; its rows must equal the chunked report's rows for the same
 * invoices. Check: for every invoice the report's amounts add up exactly to the invoice total.
 *
 * Environment: BENCH_CUSTOMERS (10 000), BENCH_EVENTS (10 000 000), BENCH_KEYS_PER_CUSTOMER (3),
 * BENCH_CHDB_PATH (default a temp dir, removed after; a kept dir with the same data skips generation),
 * BENCH_PG_ADMIN_URL (postgres://postgres@127.0.0.1:5432/test: a database km_bench_report_<pid> is
 * created from template0 and dropped after), BENCH_BASELINE_INVOICES (invoices read the old way, 500).
 */
import { execSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { In } from 'typeorm';
import { openClickHouse, runClickHouseMigrations } from '@keymeter/clickhouse';
import { ApiKeyEntity, CustomerEntity, openDatabase, runDatabaseMigrations } from '@keymeter/database';
import { dec } from '@keymeter/domain';
import {
  createBillingServices,
  csvPieces,
  UsageReportService,
  USAGE_REPORT_COLUMNS,
  type InvoiceView,
  type ReportPhaseTimings,
  type UsageReportRow,
} from '@keymeter/billing';
import { createClickHouseUsageSource } from '@keymeter/usage';
import { PERIOD, TOPIC } from './invoice-run/bench-data';
import { benchShapeFromEnv, createBenchDatabase, load, log, seconds } from './invoice-run/bench-env';
import { seedClickHouse } from './invoice-run/seed-clickhouse';
import { seedPostgres } from './invoice-run/seed-postgres';
import { perCustomerReport } from './usage-report/per-customer-baseline';

const SHAPE = benchShapeFromEnv();
const BASELINE_INVOICES = Number(process.env.BENCH_BASELINE_INVOICES ?? 500);

/** Peak resident set size and peak heap growth while `body` runs, sampled every 50 ms. */
async function withPeakMemory<T>(
  body: () => Promise<T>,
): Promise<{ value: T; peakRssMb: number; heapGrowthMb: number }> {
  const heapAtStart = process.memoryUsage().heapUsed;
  let rss = process.memoryUsage().rss;
  let heap = heapAtStart;
  const sample = (): void => {
    const now = process.memoryUsage();
    rss = Math.max(rss, now.rss);
    heap = Math.max(heap, now.heapUsed);
  };
  const timer = setInterval(sample, 50);
  try {
    const value = await body();
    sample();
    return { value, peakRssMb: rss / 1024 / 1024, heapGrowthMb: (heap - heapAtStart) / 1024 / 1024 };
  } finally {
    clearInterval(timer);
  }
}

function phasesLine(phases: ReportPhaseTimings | null): string {
  if (!phases) return '  phases: not reported';
  return (
    `  phases: Postgres reads ${seconds(phases.databaseReadMs)}, ClickHouse per-key usage ${seconds(phases.usageMs)}, ` +
    `allocation ${seconds(phases.allocationMs)}`
  );
}

async function main(): Promise<void> {
  log(
    `usage report benchmark: ${SHAPE.customers} customers, ${SHAPE.keysPerCustomer} keys each, ${SHAPE.events} events, period ${PERIOD}`,
  );
  log(`load average at start: ${load()} (${execSync('uptime').toString().trim()})`);
  const ownDir = process.env.BENCH_CHDB_PATH === undefined;
  const dir = process.env.BENCH_CHDB_PATH ?? mkdtempSync(join(tmpdir(), 'keymeter-bench-report-'));
  const out = mkdtempSync(join(tmpdir(), 'keymeter-bench-report-out-'));
  const clickhouse = await openClickHouse({ chdbPath: dir, database: 'keymeter_bench' });
  const dbName = `km_bench_report_${process.pid}`;
  const { url, drop } = await createBenchDatabase(dbName);
  const database = await openDatabase({ url: url.toString() });
  try {
    await runClickHouseMigrations(clickhouse);
    await runDatabaseMigrations(database);
    log(`seeding (chDB in ${dir}; PostgreSQL ${url.host}/${dbName})`);
    const seeded = await seedClickHouse(clickhouse, SHAPE, log);
    if (!seeded.reused) log(`  ClickHouse generated in ${seconds(seeded.generatedMs)}`);
    await seedPostgres(database.dataSource, SHAPE.customers, log);

    const usage = createClickHouseUsageSource(clickhouse, { topic: TOPIC });
    const billing = createBillingServices({
      dataSource: database.dataSource,
      usage,
      finalizeGraceMs: 3_600_000,
    });
    const runStarted = performance.now();
    const run = await billing.invoices.run({ period: PERIOD });
    const invoices = run.results.flatMap((r) => (r.invoice ? [r.invoice] : []));
    log(
      `invoice run (the report's input): ${invoices.length} drafts in ${seconds(performance.now() - runStarted)}`,
    );

    let phases: ReportPhaseTimings | null = null;
    const reports = new UsageReportService(database.dataSource, usage, {
      onPhases: (timings) => {
        phases = timings;
      },
    });
    const file = join(out, `usage-${PERIOD}.csv`);
    const sums = new Map<string, ReturnType<typeof dec>>();
    const rowsOf = new Map<string, UsageReportRow[]>();
    const sampleIds = new Set(
      Array.from(
        { length: Math.min(BASELINE_INVOICES, invoices.length) },
        (_, i) =>
          invoices[Math.floor((i * invoices.length) / Math.min(BASELINE_INVOICES, invoices.length))].id,
      ),
    );
    let rows = 0;
    log(`load average before the report: ${load()}`);
    const started = performance.now();
    const streamed = await withPeakMemory(async () => {
      let decile = -1;
      const report = reports.stream(PERIOD, (done, total) => {
        const now = Math.floor((done / total) * 10);
        if (now === decile) return;
        decile = now;
        process.stderr.write(`  report: ${done}/${total} customers (${now * 10} %)\n`);
      });
      const tapped = (async function* () {
        for await (const chunk of report.chunks) {
          for (const row of chunk) {
            sums.set(row.invoiceId, (sums.get(row.invoiceId) ?? dec(0)).plus(row.amount));
            if (sampleIds.has(row.invoiceId))
              rowsOf.set(row.invoiceId, [...(rowsOf.get(row.invoiceId) ?? []), row]);
          }
          rows += chunk.length;
          yield chunk;
        }
      })();
      await pipeline(Readable.from(csvPieces(USAGE_REPORT_COLUMNS, tapped)), createWriteStream(file));
    });
    const reportMs = performance.now() - started;
    log(
      `report, chunked and streamed as CSV: ${seconds(reportMs)} for ${invoices.length} invoices, ${rows} rows, ` +
        `${(statSync(file).size / 1024 / 1024).toFixed(1)} MB; ${((reportMs * 1000) / invoices.length).toFixed(0)} µs per customer; ` +
        `peak RSS ${streamed.peakRssMb.toFixed(0)} MB, peak heap growth ${streamed.heapGrowthMb.toFixed(0)} MB`,
    );
    log(phasesLine(phases));

    // The same report held whole (what the JSON answer does), for the memory it takes.
    const whole = await withPeakMemory(async () => {
      const started = performance.now();
      const report = await reports.build(PERIOD);
      return { rows: report.rows.length, ms: performance.now() - started };
    });
    log(
      `report built whole in memory (the JSON answer): ${seconds(whole.value.ms)}, ${whole.value.rows} rows; ` +
        `peak RSS ${whole.peakRssMb.toFixed(0)} MB, peak heap growth ${whole.heapGrowthMb.toFixed(0)} MB`,
    );
    log(phasesLine(phases));

    // Baseline: the old read path over a sample, scaled to all invoices.
    const sample = invoices.filter((invoice) => sampleIds.has(invoice.id));
    const customerIds = sample.map((invoice) => invoice.customerId);
    const namesStarted = performance.now();
    const customers = await database.dataSource.getRepository(CustomerEntity).findBy({ id: In(customerIds) });
    const keys = await database.dataSource
      .getRepository(ApiKeyEntity)
      .find({ select: { id: true, name: true }, where: { customerId: In(customerIds) } });
    const namesMs = performance.now() - namesStarted;
    const baseline = await perCustomerReport(
      usage,
      sample,
      new Map(customers.map((c) => [c.id, c.name])),
      new Map(keys.map((k) => [k.id, k.name])),
    );
    const scale = invoices.length / Math.max(1, sample.length);
    const baselineMs = baseline.timings.usageMs + baseline.timings.allocationMs + namesMs;
    log(
      `baseline, one per-key query per invoice and part (as before), over ${sample.length} invoices: ${seconds(baselineMs)} ` +
        `(ClickHouse ${seconds(baseline.timings.usageMs)}, allocation ${seconds(baseline.timings.allocationMs)}, ` +
        `Postgres ${seconds(namesMs)}); ${((baselineMs * 1000) / Math.max(1, sample.length)).toFixed(0)} µs per customer, ` +
        `≈ ${seconds(baselineMs * scale)} for ${invoices.length} (scaled); load ${load()}`,
    );

    const byInvoice = new Map<string, UsageReportRow[]>();
    for (const row of baseline.rows)
      byInvoice.set(row.invoiceId, [...(byInvoice.get(row.invoiceId) ?? []), row]);
    const differing = sample.filter(
      (invoice) => JSON.stringify(byInvoice.get(invoice.id)) !== JSON.stringify(rowsOf.get(invoice.id)),
    );
    const unbalanced = invoices.filter(
      (invoice: InvoiceView) => !(sums.get(invoice.id) ?? dec(0)).equals(invoice.total),
    );
    log(
      `check: report rows equal the old read path's for ${sample.length - differing.length} of ${sample.length} sampled invoices; ` +
        `report amounts add up to the invoice total for ${invoices.length - unbalanced.length} of ${invoices.length} invoices`,
    );
    for (const invoice of unbalanced.slice(0, 5)) {
      log(
        `  ${invoice.customerId}: rows ${sums.get(invoice.id)?.toFixed() ?? 'none'}, invoice ${invoice.total}`,
      );
    }
    if (differing.length > 0 || unbalanced.length > 0) process.exitCode = 1;
    log(`load average at the end: ${load()}`);
  } finally {
    await clickhouse.close();
    await database.close();
    await drop();
    rmSync(out, { recursive: true, force: true });
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
