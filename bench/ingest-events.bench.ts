/**
 * `POST /v1/events` throughput into the real Kafka broker, in batches of 1,000 events, and the cost of
 * the codec on that path (JSON.parse of the body, parseUsageEvent, encodeUsageEvent; and the endpoint's fast
 * path, which replaces the three for events in canonical form).
 * Side by side in one run: the sink on the request thread (`createUsageEventSink`) and the threaded sink
 * the gateway uses on Kafka (`createThreadedUsageEventSink`: producer and spool on a worker thread).
 * The ingestion endpoint runs in a child process, the load client (pre-built bodies, `fetch`) in this one, so
 * the CPU figures are the endpoint's own, as a separate load tool measures a server.
 * Build and run: npm run bench:ingest
 * Environment: KAFKA_BROKERS (default 127.0.0.1:29092), BENCH_SECONDS (default 15 per variant),
 * BENCH_CONCURRENCY (requests in flight, default 4), BENCH_BATCH (events per request, default 1000),
 * BENCH_SINKS (comma-separated variants to run, default "thread,worker"), BENCH_SINK_BATCH (events per
 * produce request, default 5000).
 */
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { encodeUsageEvent, newEventId, parseUsageEvent, type UsageEventV1 } from '@keymeter/contracts';
import { createKafkaEventLog } from '@keymeter/event-log';
import {
  createThreadedUsageEventSink,
  createUsageEventSink,
  type UsageEventSink,
} from '@keymeter/event-sink';
import type { CredentialVerifier } from '@keymeter/gateway';
import { createLogger, startHttpApp } from '@keymeter/platform';
import { IngestionModule } from '../apps/gateway/src/ingestion/ingestion.module';
import { frameJsonArray, UsageEventBatchBuilder } from '../apps/gateway/src/ingestion/usage-event-batch';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:29092').split(',');
/** The ingest token; the endpoint's child process gets the parent's through the environment. */
const TOKEN = process.env.BENCH_INGEST_TOKEN ?? `bench-${randomBytes(8).toString('hex')}`;
const SINK_BATCH = Number(process.env.BENCH_SINK_BATCH ?? 5000);
const SINKS = (process.env.BENCH_SINKS ?? 'thread,worker').split(',');

function event(index: number): UsageEventV1 {
  return {
    v: 1,
    id: newEventId(Date.now(), (count) => randomBytes(count)),
    occurredAt: new Date().toISOString(),
    gatewayId: 'bench-gw',
    keyId: `key_${index % 1000}`,
    customerId: `cus_${index % 100}`,
    method: 'GET',
    route: '/v1/quotes/:symbol',
    status: 200,
    latencyMs: 12,
    requestBytes: 230,
    responseBytes: 1840,
    units: '1',
    clientIp: '203.0.113.9',
    userAgent: 'bench/1.0',
    outcome: 'forwarded',
    billable: true,
  };
}

/** Batches with distinct ids (re-posting one batch would only measure the ingestor's dedup). */
function batches(count: number): string[] {
  return Array.from({ length: count }, (_, b) =>
    JSON.stringify(Array.from({ length: BATCH }, (_, index) => event(b * BATCH + index))),
  );
}

function codecCost(body: string): { parseUs: number; validateUs: number; encodeUs: number; fastUs: number } {
  const rounds = 20;
  let parse = 0n;
  let validate = 0n;
  let encode = 0n;
  let fast = 0n;
  const bytes = Buffer.from(body, 'utf8');
  // The first rounds warm the JIT up and are not counted (a cold first batch cost 5-10x a warm one).
  const warmUp = 10;
  for (let round = -warmUp; round < rounds; round++) {
    if (round === 0) {
      parse = 0n;
      validate = 0n;
      encode = 0n;
      fast = 0n;
    }
    const t4 = process.hrtime.bigint();
    const builder = new UsageEventBatchBuilder(bytes, Date.now() + 300_000, () => {
      throw new Error('the fast path declined a bench event');
    });
    if (!frameJsonArray(bytes, builder, BATCH) || builder.batch().count !== BATCH) {
      throw new Error('the fast path did not take the bench batch');
    }
    fast += process.hrtime.bigint() - t4;
    const t0 = process.hrtime.bigint();
    const items = JSON.parse(body) as unknown[];
    const t1 = process.hrtime.bigint();
    const events = items.map((item) => {
      const result = parseUsageEvent(item, { now: new Date() });
      if (!result.ok) throw new Error(JSON.stringify(result.errors));
      return result.event;
    });
    const t2 = process.hrtime.bigint();
    for (const item of events) encodeUsageEvent(item);
    const t3 = process.hrtime.bigint();
    parse += t1 - t0;
    validate += t2 - t1;
    encode += t3 - t2;
  }
  const perEvent = (total: bigint): number => Number(total) / 1000 / rounds / BATCH;
  return {
    parseUs: perEvent(parse),
    validateUs: perEvent(validate),
    encodeUs: perEvent(encode),
    fastUs: perEvent(fast),
  };
}

async function main(): Promise<void> {
  const bodies = batches(200);
  const codec = codecCost(bodies[0]);
  const lines: string[] = [];
  for (const variant of SINKS) {
    const load = loadAverage();
    const result = await runVariant(variant, bodies);
    lines.push(
      `POST /v1/events, sink ${variant === 'worker' ? 'on a worker thread' : 'on the request thread'}, batches of ${BATCH}, ${CONCURRENCY} requests in flight, ${result.elapsedS.toFixed(1)} s, Kafka ${BROKERS.join(',')}, load average ${load} -> ${loadAverage()}`,
      `  accepted (durable): ${result.sent} events = ${result.perSecond} events/s (${result.failures} failed requests)`,
      `  produced ${result.produced}, spooled ${result.spooled}, producer errors ${result.producerErrors}`,
      `  CPU per accepted event: ${result.cpuPerEvent.toFixed(1)} us (the endpoint's process; the load client runs in another), ${result.mainPerEvent.toFixed(1)} us on its main thread`,
    );
  }
  lines.push(
    `codec per event: JSON.parse ${codec.parseUs.toFixed(2)} us, parseUsageEvent ${codec.validateUs.toFixed(2)} us, encodeUsageEvent ${codec.encodeUs.toFixed(2)} us; the endpoint's fast path (frame, check and encode from the body's bytes, ids and keys) ${codec.fastUs.toFixed(2)} us`,
    '',
  );
  process.stdout.write(lines.join('\n'));
}

/** CPU time of the main thread (utime + stime of /proc/self/task/<pid>/stat, in 100 Hz clock ticks). */
function mainThreadMicros(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
}

function loadAverage(): string {
  return loadavg()[0].toFixed(1);
}

interface VariantResult {
  readonly elapsedS: number;
  readonly sent: number;
  readonly perSecond: number;
  readonly failures: number;
  readonly produced: number;
  readonly spooled: number;
  readonly producerErrors: number;
  /** CPU µs of the endpoint's process (all threads) per accepted event. */
  readonly cpuPerEvent: number;
  /** The part of it on the main thread (HTTP, parsing, validation, encoding). */
  readonly mainPerEvent: number;
}

interface SinkStats {
  readonly produced: number;
  readonly spooled: number;
  readonly producerErrors: number;
}

/** What the child running the endpoint reports: its CPU so far, or at the end also its sink's counts. */
type ServerMessage =
  | { readonly type: 'ready'; readonly url: string }
  | { readonly type: 'cpu'; readonly cpuMicros: number; readonly mainMicros: number }
  | { readonly type: 'closed'; readonly stats: SinkStats };

/** The endpoint of one variant in this (child) process; answers 'cpu' and 'close' from the parent. */
async function serveVariant(variant: string): Promise<void> {
  const send = (message: ServerMessage): void => {
    process.send?.(message);
  };
  const topic = `bench-ingest-${variant}-${Date.now()}`;
  const log = createKafkaEventLog({ brokers: BROKERS, clientId: 'bench-ingest', logSink: () => undefined });
  await log.ensureTopics([{ name: topic, partitions: 6 }]);
  const spoolDir = mkdtempSync(join(tmpdir(), 'keymeter-bench-spool-'));
  const settings = { topic, spoolDir, maxSpoolBytes: 512 * 1024 * 1024, batchSize: SINK_BATCH };
  const sink: UsageEventSink =
    variant === 'worker'
      ? await createThreadedUsageEventSink({
          ...settings,
          kafka: { brokers: BROKERS, clientId: 'bench-ingest' },
        })
      : await createUsageEventSink({ ...settings, eventLog: log });
  const tokenHash = createHash('sha256').update(TOKEN).digest('hex');
  const verifier: CredentialVerifier = {
    verifyApiKey: () => ({ ok: false, reason: 'unknown' }),
    verifyIngestToken: (plaintext) =>
      plaintext !== undefined && createHash('sha256').update(plaintext).digest('hex') === tokenHash
        ? {
            ok: true,
            token: {
              v: 1,
              kind: 'ingest_token',
              tokenId: 'bench',
              name: 'bench',
              secrets: [{ hash: tokenHash, validUntil: null }],
              status: 'active',
              revision: 1,
              updatedAt: new Date().toISOString(),
            },
          }
        : { ok: false, reason: 'unknown' },
  };
  @Module({ imports: [IngestionModule.register({ sink, verifier })] })
  class BenchModule {}
  const app = await startHttpApp(BenchModule, {
    name: 'gateway',
    host: '127.0.0.1',
    port: 0,
    logger: createLogger('warn'),
  });
  process.on('message', (request: string) => {
    if (request === 'cpu') {
      const cpu = process.cpuUsage();
      send({ type: 'cpu', cpuMicros: cpu.user + cpu.system, mainMicros: mainThreadMicros() });
      return;
    }
    void (async (): Promise<void> => {
      await sink.flush();
      const stats = sink.stats();
      await app.close();
      await sink.close();
      await log.close();
      rmSync(spoolDir, { recursive: true, force: true });
      send({
        type: 'closed',
        stats: {
          produced: stats.produced,
          spooled: stats.spooledEvents,
          producerErrors: stats.producerErrors,
        },
      });
      process.disconnect?.();
    })();
  });
  send({ type: 'ready', url: app.url });
}

/** Starts the endpoint of `variant` in a child process and returns a way to ask it things. */
async function startServer(variant: string): Promise<{
  readonly url: string;
  ask<T extends ServerMessage['type']>(
    request: 'cpu' | 'close',
    type: T,
  ): Promise<Extract<ServerMessage, { type: T }>>;
}> {
  const child = fork(__filename, ['serve', variant], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_INGEST_TOKEN: TOKEN },
  });
  const next = <T extends ServerMessage['type']>(type: T): Promise<Extract<ServerMessage, { type: T }>> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: ServerMessage): void => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message as Extract<ServerMessage, { type: T }>);
      };
      const onExit = (code: number | null): void =>
        reject(new Error(`ingestion endpoint process exited with code ${String(code)}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const ready = await next('ready');
  return {
    url: ready.url,
    ask: (request, type) => {
      const answer = next(type);
      child.send(request);
      return answer;
    },
  };
}

async function runVariant(variant: string, bodies: readonly string[]): Promise<VariantResult> {
  const server = await startServer(variant);
  let sent = 0;
  let failures = 0;
  const cpuBefore = await server.ask('cpu', 'cpu');
  const deadline = Date.now() + SECONDS * 1000;
  const started = process.hrtime.bigint();
  const client = async (offset: number): Promise<void> => {
    for (let n = offset; Date.now() < deadline; n += CONCURRENCY) {
      const response = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: bodies[n % bodies.length],
      });
      const result = (await response.json()) as { accepted?: number };
      if (response.status === 202 && result.accepted === BATCH) sent += BATCH;
      else failures++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, index) => client(index)));
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAfter = await server.ask('cpu', 'cpu');
  const { stats } = await server.ask('close', 'closed');

  return {
    elapsedS,
    sent,
    perSecond: Math.round(sent / elapsedS),
    cpuPerEvent: (cpuAfter.cpuMicros - cpuBefore.cpuMicros) / Math.max(1, sent),
    mainPerEvent: (cpuAfter.mainMicros - cpuBefore.mainMicros) / Math.max(1, sent),
    failures,
    ...stats,
  };
}

(process.argv[2] === 'serve' ? serveVariant(process.argv[3]) : main()).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
