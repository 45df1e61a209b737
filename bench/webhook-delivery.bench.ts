/**
 * Webhook delivery throughput on the machine's PostgreSQL: deliveries recorded by enqueueWebhookEvent,
 * then sent by the delivery worker (claim FOR UPDATE SKIP LOCKED, sign, POST, record the attempt) to a
 * local node:http receiver answering 204. Side by side, on the same deliveries (reset between runs):
 * one worker, two workers on two connection pools (two billing instances), and the baseline of the same
 * signed POSTs with the same number in flight and no database at all.
 * Build and run: npm run bench:webhooks
 *
 * Environment: BENCH_EVENTS (2 000), BENCH_ENDPOINTS (5; every event goes to each), BENCH_BATCH (20, the
 * default WEBHOOK_DELIVERY_BATCH_SIZE), BENCH_PG_ADMIN_URL (postgres://postgres@127.0.0.1:5432/test: a
 * database km_bench_webhooks_<pid> is created from template0 and dropped after).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { Client } from 'pg';
import { openDatabase, runDatabaseMigrations, type DatabaseHandle } from '@keymeter/database';
import { createProgress } from '@keymeter/platform';
import {
  createFetchWebhookSender,
  DeliveryWorker,
  enqueueWebhookEvent,
  newMessageId,
  WebhookEndpointService,
  webhookHeaders,
} from '@keymeter/webhooks';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000);
const ENDPOINTS = Number(process.env.BENCH_ENDPOINTS ?? 5);
const BATCH = Number(process.env.BENCH_BATCH ?? 20);
const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DELIVERIES = EVENTS * ENDPOINTS;

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

/** Receiver answering 204 at once; counts requests per (path, webhook-id) to check exactly-once. */
async function startReceiver(): Promise<{ server: Server; url: string; seen: Map<string, number> }> {
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = `${req.url} ${String(req.headers['webhook-id'])}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

async function resetDeliveries(handle: DatabaseHandle): Promise<void> {
  await handle.dataSource.query('DELETE FROM webhook_delivery_attempts');
  await handle.dataSource.query(
    `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now() - interval '1 second',
       claim_id = NULL, first_attempt_at = NULL, last_attempt_at = NULL`,
  );
}

async function timedDelivery(
  label: string,
  handle: DatabaseHandle,
  workers: DeliveryWorker[],
  seen: Map<string, number>,
): Promise<number> {
  await resetDeliveries(handle);
  seen.clear();
  const progress = createProgress(label, { unit: 'deliveries' });
  const timer = setInterval(() => {
    let sent = 0;
    for (const n of seen.values()) sent += n;
    progress.update(sent, DELIVERIES);
  }, 250);
  const started = performance.now();
  const attempts = (await Promise.all(workers.map((w) => w.runOnce()))).reduce((a, b) => a + b, 0);
  const ms = performance.now() - started;
  clearInterval(timer);
  progress.update(attempts, DELIVERIES);
  progress.finish();
  const duplicates = [...seen.values()].filter((n) => n > 1).length;
  const [{ succeeded }] = await handle.dataSource.query<Array<{ succeeded: string }>>(
    `SELECT count(*) AS succeeded FROM webhook_deliveries WHERE status = 'succeeded'`,
  );
  if (attempts !== DELIVERIES || Number(succeeded) !== DELIVERIES || seen.size !== DELIVERIES || duplicates) {
    throw new Error(
      `${label}: ${attempts} attempts, ${succeeded} succeeded, ${seen.size} received, ${duplicates} twice`,
    );
  }
  return ms;
}

async function main(): Promise<void> {
  const name = `km_bench_webhooks_${process.pid}`;
  await asAdmin(`CREATE DATABASE "${name}" TEMPLATE template0`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString() });
  const second = await openDatabase({ url: url.toString() });
  const receiver = await startReceiver();
  try {
    await runDatabaseMigrations(handle);
    log(
      `webhook delivery: ${EVENTS} events × ${ENDPOINTS} endpoints = ${DELIVERIES} deliveries, batch ${BATCH}`,
    );
    log(`load average before: ${load()}`);
    const endpoints = new WebhookEndpointService(handle.dataSource);
    for (let i = 0; i < ENDPOINTS; i += 1) await endpoints.create({ url: `${receiver.url}/e${i}` });

    const enqueueProgress = createProgress('enqueue', { unit: 'events' });
    const enqueueStarted = performance.now();
    for (let i = 0; i < EVENTS; i += 1) {
      await handle.dataSource.transaction((manager) =>
        enqueueWebhookEvent(manager, {
          type: 'alert.updated',
          customerId: null,
          data: { i, evidence: { n: i } },
        }),
      );
      enqueueProgress.update(i + 1, EVENTS);
    }
    const enqueueMs = performance.now() - enqueueStarted;
    enqueueProgress.finish();

    const sender = createFetchWebhookSender({ timeoutMs: 10_000 });
    const worker = (h: DatabaseHandle): DeliveryWorker =>
      new DeliveryWorker({
        dataSource: h.dataSource,
        sender,
        intervalMs: 50,
        batchSize: BATCH,
        leaseMs: 40_000,
      });
    const oneMs = await timedDelivery('one worker', handle, [worker(handle)], receiver.seen);
    const twoMs = await timedDelivery('two workers', handle, [worker(handle), worker(second)], receiver.seen);

    // Baseline: the same number of signed POSTs, BATCH in flight, no database.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = JSON.stringify({
      type: 'alert.updated',
      timestamp: new Date().toISOString(),
      data: { i: 0 },
    });
    const bareStarted = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: BATCH }, async () => {
        while (next < DELIVERIES) {
          const n = next++;
          const headers = webhookHeaders({ id: newMessageId(), sentAt: new Date(), body, secrets: [secret] });
          const outcome = await sender.send(`${receiver.url}/bare${n % ENDPOINTS}`, headers, body);
          if (outcome.kind !== 'answered' || outcome.status !== 204) throw new Error('bare POST failed');
        }
      }),
    );
    const bareMs = performance.now() - bareStarted;

    const rate = (ms: number): string => `${Math.round((DELIVERIES / ms) * 1000).toLocaleString('en-US')}/s`;
    log('');
    log('| variant | deliveries | time | rate |');
    log('| --- | --- | --- | --- |');
    log(
      `| enqueueWebhookEvent: ${EVENTS} events, one transaction each, ${ENDPOINTS} deliveries recorded per event | ${DELIVERIES} | ${(enqueueMs / 1000).toFixed(2)} s | ${rate(enqueueMs)} |`,
    );
    log(`| one worker, batch ${BATCH} | ${DELIVERIES} | ${(oneMs / 1000).toFixed(2)} s | ${rate(oneMs)} |`);
    log(
      `| two workers (two pools), batch ${BATCH} each | ${DELIVERIES} | ${(twoMs / 1000).toFixed(2)} s | ${rate(twoMs)} |`,
    );
    log(
      `| baseline: signed POSTs only, ${BATCH} in flight, no database | ${DELIVERIES} | ${(bareMs / 1000).toFixed(2)} s | ${rate(bareMs)} |`,
    );
    log(`load average after: ${load()}`);
  } finally {
    receiver.server.closeAllConnections();
    receiver.server.close();
    await second.close();
    await handle.close();
    await asAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
