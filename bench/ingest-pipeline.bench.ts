/**
 * End-to-end ingestion: UsageEvents produced to a real Kafka broker → counted in ClickHouse (chDB), with
 * the broker, the producer and the ingestor on this machine.
 *
 *   npm run bench:pipeline            (KAFKA_BROKERS, default 127.0.0.1:29092; BENCH_EVENTS, BENCH_RATE)
 *
 * Phase 1, throughput: BENCH_EVENTS events (default 300 000) are produced first, then the ingestor starts;
 *   sustained events/s = events / time until the last one is counted in the rollups.
 * Phase 2, latency: events are produced at BENCH_RATE events/s (default 20 000) for 15 s while the ingestor
 *   runs; every 50 ms the rollup total is read, and each produced chunk's latency is the time from its
 *   send until the total covers it. Prints p50/p99.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openClickHouse, runClickHouseMigrations, type ClickHouseHandle } from '@keymeter/clickhouse';
import { encodeUsageEvent, isBillable, newEventId, type UsageEventV1 } from '@keymeter/contracts';
import { createKafkaEventLog, type EventLog, type OutgoingMessage } from '@keymeter/event-log';
import { ClickHouseIngestStore, IngestionEngine } from '@keymeter/ingestion';

const PARTITIONS = 6;
const KEYS = 1000;
const PRODUCE_CHUNK = 2000;

function event(index: number, nowMs: number): OutgoingMessage {
  const status = index % 20 === 0 ? 429 : 200;
  const outcome = status === 429 ? 'rate_limited' : 'forwarded';
  const body: UsageEventV1 = {
    v: 1,
    id: newEventId(nowMs, (n) => randomBytes(n)),
    occurredAt: new Date(nowMs).toISOString(),
    gatewayId: 'gw-bench',
    keyId: `key_${index % KEYS}`,
    customerId: `cus_${index % 100}`,
    method: 'GET',
    route: index % 3 === 0 ? '/v1/quotes/:symbol' : '/v1/history/:symbol',
    status,
    latencyMs: index % 250,
    requestBytes: 200,
    responseBytes: 1000 + (index % 4000),
    units: index % 7 === 0 ? '2.5' : '1',
    clientIp: '203.0.113.7',
    userAgent: 'bench/1.0',
    outcome,
    billable: isBillable(outcome, status),
  };
  return { key: body.keyId, value: encodeUsageEvent(body) };
}

async function counted(handle: ClickHouseHandle): Promise<number> {
  const result = await handle.client.query({
    query: 'SELECT toString(sum(events)) AS n FROM usage_rollup_minute',
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: string }>();
  return Number(row?.n ?? 0);
}

function startEngine(
  log: EventLog,
  handle: ClickHouseHandle,
  topic: string,
  groupId: string,
): IngestionEngine {
  return new IngestionEngine({
    eventLog: log,
    store: new ClickHouseIngestStore(handle.client),
    topic,
    groupId,
    deadLetterTopic: `${topic}-dlq`,
    maxBatchEvents: Number(process.env.BENCH_BATCH ?? 10_000),
    maxBatchWaitMs: Number(process.env.BENCH_WAIT_MS ?? 200),
    lateGraceMs: 3_600_000,
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:29092').split(',');
  const total = Number(process.env.BENCH_EVENTS ?? 300_000);
  const rate = Number(process.env.BENCH_RATE ?? 20_000);
  const dir = mkdtempSync(join(tmpdir(), 'keymeter-bench-pipeline-'));
  const log = createKafkaEventLog({ brokers, clientId: 'keymeter-bench', logSink: () => undefined });
  const handle = await openClickHouse({ chdbPath: dir, database: 'bench' });
  try {
    await runClickHouseMigrations(handle);
    const suffix = `${Date.now()}`;
    const topic = `bench-usage-events-${suffix}`;
    await log.ensureTopics([
      { name: topic, partitions: PARTITIONS },
      { name: `${topic}-dlq`, partitions: PARTITIONS },
    ]);
    const producer = await log.producer();

    // Phase 1: throughput from a backlog.
    const began = Date.now();
    for (let start = 0; start < total; start += PRODUCE_CHUNK * 5) {
      const sends: Promise<void>[] = [];
      for (let c = start; c < Math.min(total, start + PRODUCE_CHUNK * 5); c += PRODUCE_CHUNK) {
        const now = Date.now();
        const chunk = Array.from({ length: Math.min(PRODUCE_CHUNK, total - c) }, (_, i) => event(c + i, now));
        sends.push(producer.send(topic, chunk));
      }
      await Promise.all(sends);
    }
    const producedIn = (Date.now() - began) / 1000;
    process.stdout.write(
      `produced ${total} events in ${producedIn.toFixed(1)} s (${Math.round(total / producedIn)}/s)\n`,
    );
    const engine = startEngine(log, handle, topic, `bench-ingestor-${suffix}`);
    const ingestStart = Date.now();
    await engine.start();
    while ((await counted(handle)) < total) await sleep(100);
    const ingestSeconds = (Date.now() - ingestStart) / 1000;
    process.stdout.write(
      `throughput: ${total} events counted in ${ingestSeconds.toFixed(1)} s = ${Math.round(total / ingestSeconds)} events/s\n`,
    );

    // Phase 2: latency at a steady rate.
    const durationMs = 15_000;
    const sent: Array<{ atMs: number; cumulative: number }> = [];
    let cumulative = total;
    let producing = true;
    const perTick = Math.max(1, Math.round(rate / 20));
    const produceLoop = (async () => {
      const end = Date.now() + durationMs;
      let index = total;
      while (Date.now() < end) {
        const tickStart = Date.now();
        const chunk = Array.from({ length: perTick }, (_, i) => event(index + i, tickStart));
        index += perTick;
        await producer.send(topic, chunk);
        cumulative += perTick;
        sent.push({ atMs: tickStart, cumulative });
        await sleep(Math.max(0, 50 - (Date.now() - tickStart)));
      }
      producing = false;
    })();
    const latencies: number[] = [];
    let next = 0;
    while (producing || next < sent.length) {
      const seen = await counted(handle);
      const now = Date.now();
      while (next < sent.length && sent[next].cumulative <= seen) {
        latencies.push(now - sent[next].atMs);
        next += 1;
      }
      await sleep(50);
    }
    await produceLoop;
    latencies.sort((a, b) => a - b);
    const achieved = (cumulative - total) / (durationMs / 1000);
    process.stdout.write(
      `latency at ${Math.round(achieved)} events/s: p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies[latencies.length - 1]} ms (${latencies.length} chunks)\n`,
    );
    await engine.stop();
    await producer.close();
  } finally {
    await log.close();
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
