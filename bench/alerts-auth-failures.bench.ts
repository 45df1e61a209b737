/**
 * Cost of the per-network auth-failure read of the anomaly evaluator (one minute's rejected_auth calls per
 * client IP, every minute) on chDB: from `auth_failures_minute` (ClickHouse migration 0004, sorted by minute)
 * side by side with the baseline of the same read on `usage_events_raw` (sorted by customer first). BENCH_EVENTS
 * calls (1,000,000) of BENCH_CUSTOMERS customers (1,000) spread over the last BENCH_DAYS days (5), 2 % of them
 * rejected without a known key from random addresses; the median of BENCH_RUNS (20) random minutes of the last
 * day each (the minute table keeps two days; the raw table reads its month's partition whatever the minute).
 * Build and run: npm run bench:alerts:auth-failures
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openClickHouse, runClickHouseMigrations, type ClickHouseHandle } from '@keymeter/clickhouse';
import { createProgress } from '@keymeter/platform';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000);
const DAYS = Number(process.env.BENCH_DAYS ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const MINUTE = 60_000;
const INSERT_CHUNK = 50_000;

const log = (line: string): void => void process.stdout.write(`${line}\n`);

function clickhouseTime(ms: number): string {
  const at = new Date(ms).toISOString();
  return `${at.slice(0, 10)} ${at.slice(11, 23)}`;
}

async function insertEvents(clickhouse: ClickHouseHandle, lastMinute: number): Promise<void> {
  const customers = Array.from({ length: CUSTOMERS }, () => ({ id: randomUUID(), key: randomUUID() }));
  const firstMinute = lastMinute - DAYS * 1440 + 1;
  const progress = createProgress('inserting events', { unit: 'events' });
  let rows: Record<string, unknown>[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const rejected = i % 50 === 0;
    const customer = customers[i % CUSTOMERS];
    const at = (firstMinute + randomInt(lastMinute - firstMinute + 1)) * MINUTE + randomInt(MINUTE);
    rows.push({
      event_id: randomBytes(13).toString('hex'),
      occurred_at: clickhouseTime(at),
      gateway_id: 'bench',
      key_id: rejected ? '' : customer.key,
      customer_id: rejected ? '' : customer.id,
      method: 'GET',
      route: '/v1/quotes/:symbol',
      status: rejected ? 401 : 200,
      latency_ms: 5,
      request_bytes: 100,
      response_bytes: 500,
      units: rejected ? '0' : '1',
      client_ip: rejected ? `198.51.${randomInt(256)}.${randomInt(256)}` : '203.0.113.7',
      user_agent: 'bench',
      outcome: rejected ? 'rejected_auth' : 'forwarded',
      billable: rejected ? 0 : 1,
      late: 0,
      source_topic: 'bench',
      source_partition: 0,
      source_offset: i,
    });
    if (rows.length >= INSERT_CHUNK || i === EVENTS - 1) {
      await clickhouse.client.insert({ table: 'usage_events_raw', values: rows, format: 'JSONEachRow' });
      rows = [];
      progress.update(i + 1, EVENTS);
    }
  }
  progress.finish(`${EVENTS} events in ClickHouse`);
}

async function timed(
  clickhouse: ClickHouseHandle,
  query: string,
  minute: number,
): Promise<{ ms: number; rows: string }> {
  const began = performance.now();
  const result = await clickhouse.client.query({
    query,
    query_params: { minute: new Date(minute * MINUTE) },
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ client_ip: string; c_failures: string }>();
  const ms = performance.now() - began;
  const sorted = rows.map((row) => `${row.client_ip}=${row.c_failures}`).sort();
  return { ms, rows: sorted.join(',') };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

async function main(): Promise<void> {
  const chDir = mkdtempSync(join(tmpdir(), 'km-bench-auth-failures-'));
  const clickhouse = await openClickHouse({ chdbPath: chDir, database: 'keymeter' });
  try {
    await runClickHouseMigrations(clickhouse);
    const lastMinute = Math.floor(Date.now() / MINUTE) - 1;
    await insertEvents(clickhouse, lastMinute);
    const minuteTable = `SELECT client_ip, toString(sum(failures)) AS c_failures FROM auth_failures_minute
      WHERE bucket = {minute:DateTime('UTC')} GROUP BY client_ip`;
    const rawTable = `SELECT client_ip, toString(count()) AS c_failures FROM usage_events_raw
      WHERE outcome = 'rejected_auth' AND toStartOfMinute(occurred_at) = {minute:DateTime('UTC')}
      GROUP BY client_ip`;
    const fast: number[] = [];
    const slow: number[] = [];
    const progress = createProgress('timing minutes', { unit: 'minutes' });
    for (let run = 0; run < RUNS; run++) {
      // Within the last day: the minute table keeps two days (it only serves the evaluator's look-back).
      const minute = lastMinute - randomInt(1440);
      const a = await timed(clickhouse, minuteTable, minute);
      const b = await timed(clickhouse, rawTable, minute);
      if (a.rows !== b.rows)
        throw new Error(
          `minute ${minute}: the two reads disagree: ${a.rows.slice(0, 300)} | ${b.rows.slice(0, 300)}`,
        );
      fast.push(a.ms);
      slow.push(b.ms);
      progress.update(run + 1, RUNS);
    }
    progress.finish(`${RUNS} minutes`);
    log(
      `load ${loadavg()
        .map((v) => v.toFixed(2))
        .join(', ')}`,
    );
    log(`events ${EVENTS}, customers ${CUSTOMERS}, days ${DAYS}, rejected_auth 2 %`);
    log(
      `auth_failures_minute (0004): median ${median(fast).toFixed(1)} ms, max ${Math.max(...fast).toFixed(1)} ms`,
    );
    log(
      `usage_events_raw (baseline): median ${median(slow).toFixed(1)} ms, max ${Math.max(...slow).toFixed(1)} ms`,
    );
  } finally {
    await clickhouse.close();
    rmSync(chDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
