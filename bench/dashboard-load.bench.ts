/**
 * How fast the dashboard's customer view loads on a month of data for one customer with 100 keys.
 *
 * The billing app runs in this process on embedded parts (PGlite, chDB, file event log) in a temporary
 * directory; a customer and its keys are created over HTTP; a month of its events (ending now) is generated
 * straight into usage_events_raw with `INSERT … SELECT … FROM numbers()`, so the rollup views fill the
 * rollups as in production. Then headless Chromium (Debian's chromium, CHROMIUM_PATH) opens a portal link:
 * time from navigation to the view's `data-state="ready"` (every panel drawn), for the default view (current
 * billing period by day) and after switching to hour granularity and to the last 30 days. Each API call the
 * view makes is also timed alone.
 *
 * Env: BENCH_EVENTS (default 1 000 000), BENCH_KEYS (100), BENCH_RUNS (10).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { loadConfig } from '@keymeter/config';
import { createLogger, openInfrastructure } from '@keymeter/platform';
import { startBilling } from '../apps/billing/src/start-billing';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const KEYS = Number(process.env.BENCH_KEYS ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const CHUNK = 500_000;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DAY_MS = 86_400_000;

const log = (line: string): void => void process.stdout.write(`${line}\n`);
const load = (): string =>
  `load ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`;

function summary(times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  return `p50 ${at(50).toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms (${sorted.length} runs)`;
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing (apt-get install chromium, or CHROMIUM_PATH)`);
  const dir = mkdtempSync(join(tmpdir(), 'keymeter-bench-dashboard-'));
  const adminToken = `bench-admin-${randomBytes(12).toString('hex')}`;
  const config = loadConfig({
    KEYMETER_DATA_DIR: dir,
    HOST: '127.0.0.1',
    BILLING_PORT: '0',
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN: adminToken,
    ALERTS_EVALUATION_INTERVAL_SECONDS: '0',
  });
  const infra = await openInfrastructure(config, createLogger('silent', 'bench-dashboard'), {
    database: true,
    clickhouse: true,
    eventLog: true,
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    await infra.eventLog!.ensureTopics([config.topics.usageEvents, config.topics.keyRegistry]);
    const app = await startBilling(infra, { showAdminTokenOnce: () => undefined });
    const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${app.url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    const customer = await call<{ id: string }>('POST', '/v1/customers', {
      name: 'Bench Data',
      email: 'bench@example.com',
      timezone: 'Europe/Paris',
      currency: 'EUR',
    });
    const plan = await call<{ id: string }>('POST', '/v1/plans', {
      name: 'Bench',
      currency: 'EUR',
      meters: { requests: { type: 'per_unit', unitPrice: '0.001' } },
    });
    await call('POST', `/v1/customers/${customer.id}/subscriptions`, {
      planId: plan.id,
      startsAt: new Date(Date.now() - 60 * DAY_MS).toISOString(),
    });
    const keyIds: string[] = [];
    for (let index = 0; index < KEYS; index++) {
      keyIds.push(
        (await call<{ id: string }>('POST', `/v1/customers/${customer.id}/keys`, { name: `app ${index}` }))
          .id,
      );
    }
    log(`customer with ${KEYS} keys created; generating ${EVENTS} events over the last 30 days, ${load()}`);

    const end = Date.now();
    const start = end - 30 * DAY_MS;
    const generated = Date.now();
    for (let first = 0; first < EVENTS; first += CHUNK) {
      const count = Math.min(CHUNK, EVENTS - first);
      await infra.clickhouse!.client.command({
        query: `INSERT INTO usage_events_raw
          (event_id, occurred_at, gateway_id, key_id, customer_id, method, route, status, latency_ms,
           request_bytes, response_bytes, units, client_ip, user_agent, outcome, billable, late,
           source_topic, source_partition, source_offset)
          SELECT
            leftPad(toString(number), 26, '0'),
            fromUnixTimestamp64Milli(toInt64({start:Int64} + (number * 2654435761) % {span:UInt64})),
            'gw-bench',
            arrayElement({keys:Array(String)}, (number * 7919) % {keyCount:UInt64} + 1),
            {customer:String},
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
            toUInt32(number % 6),
            number
          FROM numbers({first:UInt64}, {count:UInt64})`,
        query_params: {
          start,
          span: end - start,
          keys: keyIds,
          keyCount: KEYS,
          customer: customer.id,
          first,
          count,
        },
        clickhouse_settings: { insert_deduplicate: 0, async_insert: 0 },
      });
      log(`  inserted ${first + count}/${EVENTS} (${((Date.now() - generated) / 1000).toFixed(0)} s)`);
    }
    for (const table of ['usage_rollup_hour', 'usage_rollup_day']) {
      await infra.clickhouse!.client.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
    }
    log(`generated and merged in ${((Date.now() - generated) / 1000).toFixed(1)} s, ${load()}`);

    const link = await call<{ token: string; url: string }>(
      'POST',
      `/v1/customers/${customer.id}/portal-links`,
      {},
    );
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, timezoneId: 'UTC' });
    const timed = async (page: Page, action: () => Promise<unknown>, ready: string): Promise<number> => {
      const started = performance.now();
      await action();
      await page.waitForSelector(ready, { timeout: 120_000 });
      return performance.now() - started;
    };
    const opened: number[] = [];
    const hourly: number[] = [];
    const month: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const page = await context.newPage();
      opened.push(await timed(page, () => page.goto(link.url), '#app[data-state="ready"]'));
      hourly.push(
        await timed(
          page,
          () => page.selectOption('[data-testid="granularity"]', 'hour'),
          '#app[data-state="ready"][data-granularity="hour"]',
        ),
      );
      month.push(
        await timed(
          page,
          () => page.selectOption('[data-testid="range"]', '30d'),
          '#app[data-state="ready"][data-granularity="hour"] [data-testid="range-note"]:has-text("720 hour")',
        ),
      );
      await page.close();
    }
    log(`view opened (current period by day, all panels): ${summary(opened)}`);
    log(`switch to hour granularity: ${summary(hourly)}`);
    log(`switch to the last 30 days by hour: ${summary(month)}`);

    // The view's API calls alone (the same portal token), for where the time goes.
    const from = new Date(Math.ceil(end / 3_600_000) * 3_600_000 - 30 * DAY_MS).toISOString();
    const to = new Date(Math.ceil(end / 3_600_000) * 3_600_000).toISOString();
    const calls: [string, string][] = [
      ['series by day', `/v1/me/usage?from=${from}&to=${to}&granularity=day&tz=Europe/Paris`],
      ['series by hour', `/v1/me/usage?from=${from}&to=${to}&granularity=hour&tz=Europe/Paris`],
      ['by key', `/v1/me/usage?from=${from}&to=${to}&granularity=month&groupBy=key&tz=Europe/Paris`],
      ['by route', `/v1/me/usage?from=${from}&to=${to}&granularity=month&groupBy=route&tz=Europe/Paris`],
      ['keys (with last used)', '/v1/me/keys'],
      ['upcoming invoice', '/v1/me/invoices/upcoming'],
    ];
    for (const [name, path] of calls) {
      const times: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const started = performance.now();
        const response = await fetch(`${app.url}${path}`, {
          headers: { Authorization: `Bearer ${link.token}` },
        });
        if (!response.ok) throw new Error(`${path}: ${response.status}`);
        await response.arrayBuffer();
        times.push(performance.now() - started);
      }
      log(`  ${name}: ${summary(times)}`);
    }
    log(load());
    await context.close();
    await app.close();
  } finally {
    await browser.close();
    await infra.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
