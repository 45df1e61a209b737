/**
 * Anomaly evaluator cost per minute for many active keys, on the machine's PostgreSQL and chDB: N keys (10 % of
 * them with a daily quota) with two calls a minute over the evaluator's whole look-back window
 * (`requiredWindowMinutes`, 150 minutes with the default settings). Measures the first evaluation (baselines
 * built from what ClickHouse holds), a steady-state minute (wall and process CPU time: chDB runs in the process),
 * a re-run of an evaluated minute, and the time spent in each ClickHouse read. Side by side, the baseline of reading the same window with one query per
 * key (measured on a sample, extrapolated to N).
 * Build and run: npm run bench:alerts
 *
 * Environment: BENCH_KEYS (10 000), BENCH_SAMPLE (200 keys for the per-key baseline), BENCH_PG_ADMIN_URL
 * (postgres://postgres@127.0.0.1:5432/test: a database km_bench_alerts_<pid> is created and dropped after),
 * BENCH_LOW_RATE_DROP=off (the low-rate drop check's windows removed, so the look-back is 30 minutes as before
 * that check: the comparison figure).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createAlerts, ClickHouseKeyTrafficSource, type KeyTrafficSource } from '@keymeter/alerts';
import { openClickHouse, runClickHouseMigrations } from '@keymeter/clickhouse';
import { openDatabase, runDatabaseMigrations } from '@keymeter/database';
import { DEFAULT_ANOMALY_CONFIG, requiredWindowMinutes, type AnomalyConfig } from '@keymeter/domain';
import { createEmbeddedEventLog } from '@keymeter/event-log';
import { createKeyManagement } from '@keymeter/keys';
import { createProgress } from '@keymeter/platform';

const KEYS = Number(process.env.BENCH_KEYS ?? 10_000);
const SAMPLE = Number(process.env.BENCH_SAMPLE ?? 200);
const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MINUTE = 60_000;
const CONFIG: AnomalyConfig =
  process.env.BENCH_LOW_RATE_DROP === 'off'
    ? {
        ...DEFAULT_ANOMALY_CONFIG,
        traffic: {
          ...DEFAULT_ANOMALY_CONFIG.traffic,
          lowRateDrop: { ...DEFAULT_ANOMALY_CONFIG.traffic.lowRateDrop, windowsMinutes: [] },
        },
      }
    : DEFAULT_ANOMALY_CONFIG;
/** The evaluator's look-back: data is generated over all of it (and the minute after). */
const WINDOW = requiredWindowMinutes(CONFIG);
const INSERT_CHUNK = 50_000;

const log = (line: string): void => void process.stdout.write(`${line}\n`);
const load = (): string =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(', ');

async function asAdmin(sql: string): Promise<void> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Wraps a traffic source and adds up the time spent in each method. */
function timed(source: KeyTrafficSource, spent: Map<string, number>): KeyTrafficSource {
  const wrap =
    <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const began = performance.now();
      try {
        return await fn(...args);
      } finally {
        spent.set(name, (spent.get(name) ?? 0) + performance.now() - began);
      }
    };
  return {
    activeKeys: wrap('activeKeys', source.activeKeys.bind(source)),
    minuteSources: wrap('minuteSources', source.minuteSources.bind(source)),
    history: wrap('history (warm-up)', source.history.bind(source)),
    sourceHistory: wrap('sourceHistory (warm-up)', source.sourceHistory.bind(source)),
    quotaUse: wrap('quotaUse', source.quotaUse.bind(source)),
    authFailuresByIp: wrap('authFailuresByIp', source.authFailuresByIp.bind(source)),
    sourcesOverRange: wrap('sourcesOverRange', source.sourcesOverRange.bind(source)),
    authFailuresOverRange: wrap('authFailuresOverRange', source.authFailuresOverRange.bind(source)),
  };
}

async function main(): Promise<void> {
  const dbName = `km_bench_alerts_${process.pid}`;
  const chDir = mkdtempSync(join(tmpdir(), 'km-bench-alerts-'));
  const logDir = mkdtempSync(join(tmpdir(), 'km-bench-alerts-log-'));
  await asAdmin(`CREATE DATABASE "${dbName}" TEMPLATE template0`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const db = await openDatabase({ url: url.toString() });
  const clickhouse = await openClickHouse({ chdbPath: chDir, database: 'keymeter' });
  const eventLog = createEmbeddedEventLog({ dataDir: logDir });
  try {
    await runDatabaseMigrations(db);
    await runClickHouseMigrations(clickhouse);
    log(`keys ${KEYS}, look-back ${WINDOW} minutes, load average ${load()}`);
    await db.dataSource.query(
      `INSERT INTO customers (name, email, timezone, currency)
       SELECT 'c' || g, 'c' || g || '@bench.example', 'UTC', 'EUR' FROM generate_series(1, $1) g`,
      [Math.ceil(KEYS / 10)],
    );
    await db.dataSource.query(
      `INSERT INTO api_keys (customer_id, environment, name, prefix, status, scopes, quota_requests_per_day)
       SELECT c.id, 'live', 'k', 'km_live_bnch', 'active', '[]'::jsonb,
              CASE WHEN g % 10 = 0 THEN 1000000 END
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM customers) c
         JOIN generate_series(1, $1) g ON (g - 1) / 10 + 1 = c.n`,
      [KEYS],
    );
    const keys: { id: string; customer_id: string }[] = await db.dataSource.query(
      'SELECT id, customer_id FROM api_keys ORDER BY id',
    );
    const evalMinute = Math.floor(Date.now() / MINUTE) - 10;
    const firstMinute = evalMinute - WINDOW + 1;
    const lastMinute = evalMinute + 1;
    const total = keys.length * (lastMinute - firstMinute + 1) * 2;
    const progress = createProgress('inserting events', { unit: 'events' });
    const inserting = performance.now();
    let rows: Record<string, unknown>[] = [];
    let done = 0;
    for (const key of keys) {
      for (let minute = firstMinute; minute <= lastMinute; minute++) {
        for (const second of [5, 35]) {
          const at = new Date(minute * MINUTE + second * 1000).toISOString();
          rows.push({
            event_id: randomBytes(13).toString('hex'),
            occurred_at: `${at.slice(0, 10)} ${at.slice(11, 23)}`,
            gateway_id: 'bench',
            key_id: key.id,
            customer_id: key.customer_id,
            method: 'GET',
            route: '/v1/quotes/:symbol',
            status: 200,
            latency_ms: 5,
            request_bytes: 100,
            response_bytes: 500,
            units: '1',
            client_ip: '203.0.113.7',
            user_agent: 'bench',
            outcome: 'forwarded',
            billable: 1,
            late: 0,
            source_topic: 'bench',
            source_partition: 0,
            source_offset: done + rows.length,
          });
          if (rows.length >= INSERT_CHUNK) {
            await clickhouse.client.insert({
              table: 'usage_events_raw',
              values: rows,
              format: 'JSONEachRow',
            });
            done += rows.length;
            rows = [];
            progress.update(done, total);
          }
        }
      }
    }
    if (rows.length > 0) {
      await clickhouse.client.insert({ table: 'usage_events_raw', values: rows, format: 'JSONEachRow' });
      done += rows.length;
    }
    progress.finish(
      `${done} events in ClickHouse (${((performance.now() - inserting) / 1000).toFixed(0)} s)`,
    );

    const km = createKeyManagement({
      dataSource: db.dataSource,
      eventLog,
      registryTopic: 'key-registry',
      showAdminTokenOnce: () => undefined,
    });
    const spent = new Map<string, number>();
    const source = new ClickHouseKeyTrafficSource(clickhouse);
    const alerts = createAlerts({
      dataSource: db.dataSource,
      traffic: timed(source, spent),
      apiKeys: km.apiKeys,
      anomalyConfig: CONFIG,
      settings: {
        evaluationIntervalMs: 0,
        evaluationDelayMs: 15_000,
        autoResolveAfterMinutes: 30,
        baselineWarmupDays: 15,
      },
      logger: { info: () => undefined, error: () => undefined },
    });
    const report = (
      label: string,
      result: { elapsedMs: number; keys: number; findings: number; warmedUp: number },
    ): void => {
      const reads = [...spent].map(([name, ms]) => `${name} ${ms.toFixed(0)} ms`).join(', ');
      log(
        `${label}: ${result.elapsedMs} ms for ${result.keys} keys (${result.findings} findings, ` +
          `${result.warmedUp} baselines built); ClickHouse reads: ${reads}; load ${load()}`,
      );
      spent.clear();
    };
    /** Process CPU time (chDB runs in the process, so its work counts too) less waiting for a core. */
    const withCpu = async <R>(run: () => Promise<R>): Promise<R> => {
      const before = process.cpuUsage();
      const result = await run();
      const used = process.cpuUsage(before);
      log(`  CPU ${((used.user + used.system) / 1000).toFixed(0)} ms`);
      return result;
    };
    report('first minute (warm-up)', await withCpu(() => alerts.evaluator.evaluate(evalMinute)));
    report('steady-state minute', await withCpu(() => alerts.evaluator.evaluate(evalMinute + 1)));
    report('same minute again', await alerts.evaluator.evaluate(evalMinute + 1));

    const sample = keys.slice(0, Math.min(SAMPLE, keys.length));
    const began = performance.now();
    for (const key of sample)
      await source.history(
        [{ keyId: key.id, customerId: key.customer_id }],
        evalMinute + 1 - WINDOW + 1,
        evalMinute + 1,
      );
    const perKeyMs = (performance.now() - began) / sample.length;
    log(
      `baseline, one window query per key: ${perKeyMs.toFixed(1)} ms per key over ${sample.length} keys, ` +
        `≈ ${((perKeyMs * keys.length) / 1000).toFixed(1)} s for ${keys.length} keys; load ${load()}`,
    );
  } finally {
    await clickhouse.close();
    await db.close();
    await eventLog.close();
    await asAdmin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    rmSync(chDir, { recursive: true, force: true });
    rmSync(logDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
