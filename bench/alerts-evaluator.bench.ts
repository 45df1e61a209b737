/**
 * Anomaly evaluator cost per minute for many active keys, on the machine's PostgreSQL and chDB: N keys (10 % of
 * them with a daily quota) with two calls a minute over the evaluator's whole look-back window
 * (`requiredWindowMinutes`, 150 minutes with the default settings). Measures the first evaluation (baselines
 * built from what ClickHouse holds), a steady-state minute (wall and process CPU time: chDB runs in the process),
 * a re-run of an evaluated minute, and the time spent in each ClickHouse read. Then the window read alone in
 * alternating rounds: the whole look-back in full, as the live path reads it (calls only before its newest 30
 * minutes), and the newest 30 minutes alone (the reference), with a check that the first two agree. Side by side,
 * the baseline of reading the same window with one query per key (measured on a sample, extrapolated to N).
 * Build and run: npm run bench:alerts
 *
 * Environment: BENCH_KEYS (10 000), BENCH_SAMPLE (200 keys for the per-key baseline), BENCH_PG_ADMIN_URL
 * (postgres://postgres@127.0.0.1:5432/test: a database km_bench_alerts_<pid> is created and dropped after),
 * BENCH_LOW_RATE_DROP=off (the low-rate drop check's windows removed, so the look-back is 30 minutes as before
 * that check: the comparison figure), BENCH_READ_ROUNDS (5 rounds of the window read alone; 0 skips them).
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
/** The newest minutes of the look-back the live read returns with all their counts (the rest: calls only). */
const DETAIL = requiredWindowMinutes({
  ...CONFIG,
  traffic: { ...CONFIG.traffic, lowRateDrop: { ...CONFIG.traffic.lowRateDrop, windowsMinutes: [] } },
});
/** Alternating rounds of the window read alone, full and with calls only before the newest DETAIL minutes. */
const READ_ROUNDS = Number(process.env.BENCH_READ_ROUNDS ?? 5);
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

    if (DETAIL < WINDOW && READ_ROUNDS > 0) {
      // The window read alone, side by side: the full tuples of every minute (what the live path read before,
      // and what evaluateRange reads), the live read (calls only before the newest DETAIL minutes), and the
      // full read of the newest DETAIL minutes alone (a look-back without the low-rate drop check: the reference).
      const to = evalMinute + 1;
      const from = to - WINDOW + 1;
      const countsFrom = to - DETAIL + 1;
      const readOnce = async (start: number, calls?: number) => {
        const cpu = process.cpuUsage();
        const began = performance.now();
        const series = await source.activeKeys(start, to, calls);
        const wallMs = performance.now() - began;
        const used = process.cpuUsage(cpu);
        return { wallMs, cpuMs: (used.user + used.system) / 1000, series };
      };
      const runs: Record<'full' | 'live' | 'reference', { wallMs: number; cpuMs: number }[]> = {
        full: [],
        live: [],
        reference: [],
      };
      let mismatches = 0;
      for (let round = 0; round < READ_ROUNDS; round++) {
        const full = await readOnce(from);
        const live = await readOnce(from, countsFrom);
        runs.full.push(full);
        runs.live.push(live);
        runs.reference.push(await readOnce(countsFrom));
        if (round > 0) continue;
        // Check: the same keys and calls per minute; the same counts from countsFrom on.
        const byKey = new Map(full.series.map((entry) => [entry.keyId, entry.minutes]));
        for (const entry of live.series) {
          const minutes = byKey.get(entry.keyId);
          if (minutes === undefined || minutes.size !== entry.minutes.size) mismatches += 1;
          else
            for (const [minute, counts] of entry.minutes) {
              const other = minutes.get(minute);
              const same =
                minute >= countsFrom
                  ? JSON.stringify(other) === JSON.stringify(counts)
                  : other?.requests === counts.requests;
              if (!same) mismatches += 1;
            }
        }
        if (live.series.length !== full.series.length) mismatches += 1;
      }
      const median = (values: number[]): number => {
        const sorted = [...values].sort((a, b) => a - b);
        return sorted[Math.floor(sorted.length / 2)];
      };
      const labels = {
        full: `${WINDOW} minutes in full`,
        live: `${WINDOW} minutes, calls only before the newest ${DETAIL}`,
        reference: `the newest ${DETAIL} minutes alone (reference)`,
      };
      for (const name of ['full', 'live', 'reference'] as const) {
        log(
          `window read, ${labels[name]}, ` +
            `${READ_ROUNDS} alternating rounds: median wall ${median(runs[name].map((run) => run.wallMs)).toFixed(0)} ms, ` +
            `median CPU ${median(runs[name].map((run) => run.cpuMs)).toFixed(0)} ms ` +
            `(CPU per round ${runs[name].map((run) => run.cpuMs.toFixed(0)).join(', ')})`,
        );
      }
      log(
        `check: ${mismatches === 0 ? 'same keys, calls and newest counts' : `${mismatches} MISMATCHES`}; load ${load()}`,
      );
    }

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
