/**
 * End-to-end ingestion: UsageEvents produced to a real Kafka broker → counted in ClickHouse (chDB), with
 * the broker, the producer and the ingestor on this machine.
 *
 *   npm run bench:pipeline            (KAFKA_BROKERS, default 127.0.0.1:29092)
 *
 * Several ingestor variants run one after another in the same process (so they see the same machine
 * load), each into its own database: BENCH_VARIANTS (default: all, in this order; a name may repeat,
 * e.g. tsv,tsv-20k-bw,tsv,tsv-20k-bw, to interleave; the `baseline` and `tsv-string` variants of the first
 * passes in docs/benchmarks.md are gone since the engine hands the store an encoded body, not rows):
 *   tsv        - TabSeparated insert, id lookups of 20 000, deliveries overlap inserts, batches of 10 000;
 *   tsv-inline - tsv with insert bodies and id lists inside the SQL text (chdbBulkData 'inline'): the
 *                ingestor before the third pass;
 *   tsv-2s     - tsv with two chDB sessions (partitions spread over them);
 *   tsv-20k    - tsv with batches of 20 000 and one id lookup per batch (as the ingestor app on chDB);
 *   tsv-50k    - tsv with batches of 50 000 (one id lookup per batch);
 *   tsv-50k-2s - tsv-2s with batches of 50 000;
 *   tsv-20k-bw - tsv-20k where a partial batch waits up to 4 × BENCH_WAIT_MS while the log holds more
 *                records of its partition (the engine's default now; the default batch size until 2026-11-30);
 *   tsv-50k-bw - the same with batches of 50 000 (the ingestor app's default batch size);
 *   tsv-100k-bw - the same with batches of 100 000 (give it a backlog of several batches per partition).
 *   Only the -bw variants wait longer under a backlog; the others close a partial batch after BENCH_WAIT_MS.
 * Phase 1, throughput: BENCH_EVENTS events (default 200 000) are produced once to a backlog topic; each
 *   variant's ingestor (its own consumer group) starts on it; events/s = events / time until the last batch
 *   is committed (after its insert was acknowledged, so queryable), and the steady state: the rate from 20 %
 *   to 80 % of the events committed; then the total in usage_rollup_minute is checked. CPU per event is
 *   printed for the process and per lane (main thread, V8/libuv helpers, chDB statements, chDB merges), and
 *   the process's resident memory at the start and at its highest while the backlog drains.
 * Phase 2, latency: per variant, events are produced at BENCH_RATE events/s (default 5 000) for 15 s to a
 *   fresh topic while its ingestor runs; each produced chunk's latency is the time from its send until the
 *   committed batches cover it (checked every 10 ms, in memory: polling ClickHouse would queue behind the
 *   inserts on chDB). Prints p50/p99, then checks the rollup total. BENCH_RATE=0 skips this phase.
 * Every variant prints the wall time its batches spent per store step (TimedIngestStore), and a timeline of
 *   the throughput phase (events/s, chDB queue and main thread busy, cores) per BENCH_TIMELINE_MS (1000).
 * BENCH_WAIT_MS (default 200) is the batch wait of every variant; BENCH_MAX_BUFFERED, if set, the records a
 *   partition may buffer before a delivery waits for its inserts (the engine's maxBufferedEvents).
 * BENCH_BROKER_PID, if set (e.g. `$(cat /tmp/km-shared-kafka/broker.pid)`), adds the broker's CPU per event while
 *   the backlog is produced and while each variant drains it: the broker's share of the two cores.
 * `uptime` is printed at start and end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  chdbEngineUse,
  NOT_A_LANDING_MARK,
  openClickHouse,
  runClickHouseMigrations,
  type ClickHouseHandle,
} from '@keymeter/clickhouse';
import { encodeUsageEvent } from '@keymeter/contracts';
import { createKafkaEventLog, type EventLog, type OutgoingMessage } from '@keymeter/event-log';
import { ClickHouseIngestStore, IngestionEngine } from '@keymeter/ingestion';
import { pipelineBenchEvent } from './pipeline-bench-event';
import { PipelineTimeline } from './pipeline-timeline';
import { processCpuSeconds, threadCpu, threadCpuPerEvent } from './thread-cpu';
import { TimedIngestStore } from './timed-ingest-store';

const PARTITIONS = 6;
const PRODUCE_CHUNK = 2000;

function event(index: number, nowMs: number): OutgoingMessage {
  const body = pipelineBenchEvent(index, nowMs);
  return { key: body.keyId, value: encodeUsageEvent(body) };
}

async function counted(handle: ClickHouseHandle): Promise<number> {
  const result = await handle.client.query({
    query: `SELECT toString(sum(events)) AS n FROM usage_rollup_minute WHERE ${NOT_A_LANDING_MARK}`,
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: string }>();
  return Number(row?.n ?? 0);
}

interface Variant {
  readonly name: string;
  readonly batch: number;
  readonly sessions: number;
  /** How chDB gets insert bodies and id lists (default: through files, the adapter's default). */
  readonly bulkData?: 'file' | 'inline';
  /** Partial batches wait longer while the log holds more records (the engine's default); off = before. */
  readonly backlogWait?: boolean;
  readonly store: (handles: readonly ClickHouseHandle[]) => ClickHouseIngestStore;
  readonly maxBufferedEvents?: number;
}

const VARIANTS: readonly Variant[] = [
  { name: 'tsv', batch: 10_000, sessions: 1, store: ([h]) => new ClickHouseIngestStore(h.client) },
  {
    name: 'tsv-inline',
    batch: 10_000,
    sessions: 1,
    bulkData: 'inline',
    store: ([h]) => new ClickHouseIngestStore(h.client),
  },
  {
    name: 'tsv-2s',
    batch: 10_000,
    sessions: 2,
    store: (hs) => new ClickHouseIngestStore(hs.map((h) => h.client)),
  },
  {
    name: 'tsv-20k',
    batch: 20_000,
    sessions: 1,
    store: ([h]) => new ClickHouseIngestStore(h.client, { idLookupChunk: 100_000 }),
  },
  {
    name: 'tsv-50k',
    batch: 50_000,
    sessions: 1,
    store: ([h]) => new ClickHouseIngestStore(h.client, { idLookupChunk: 100_000 }),
  },
  {
    name: 'tsv-20k-bw',
    batch: 20_000,
    sessions: 1,
    backlogWait: true,
    store: ([h]) => new ClickHouseIngestStore(h.client, { idLookupChunk: 100_000 }),
  },
  {
    name: 'tsv-50k-bw',
    batch: 50_000,
    sessions: 1,
    backlogWait: true,
    store: ([h]) => new ClickHouseIngestStore(h.client, { idLookupChunk: 100_000 }),
  },
  {
    name: 'tsv-100k-bw',
    batch: 100_000,
    sessions: 1,
    backlogWait: true,
    store: ([h]) => new ClickHouseIngestStore(h.client, { idLookupChunk: 100_000 }),
  },
  {
    name: 'tsv-50k-2s',
    batch: 50_000,
    sessions: 2,
    store: (hs) => new ClickHouseIngestStore(hs.map((h) => h.client)),
  },
];

function startEngine(
  log: EventLog,
  variant: Variant,
  store: TimedIngestStore,
  topic: string,
  groupId: string,
  onCommitted: (records: number) => void,
): IngestionEngine {
  const waitMs = Number(process.env.BENCH_WAIT_MS ?? 200);
  return new IngestionEngine({
    eventLog: log,
    store,
    topic,
    groupId,
    onBatchCommitted: (batch) => onCommitted(batch.records),
    deadLetterTopic: `${topic}-dlq`,
    maxBatchEvents: variant.batch,
    maxBatchWaitMs: waitMs,
    // Off: a partial batch closes after waitMs whatever the log holds (the ingestor before the backlog rule).
    ...(variant.backlogWait === true ? {} : { maxBacklogWaitMs: waitMs }),
    lateGraceMs: 3_600_000,
    ...(maxBufferedEvents(variant) === undefined ? {} : { maxBufferedEvents: maxBufferedEvents(variant) }),
  });
}

function steadyRate(steady: { fromMs: number; toMs: number }, total: number): string {
  if (steady.toMs <= steady.fromMs) return 'n/a (a batch covered the whole 20-80 % span)';
  return `${Math.round((0.6 * total * 1000) / (steady.toMs - steady.fromMs))} events/s`;
}

/** BENCH_MAX_BUFFERED overrides every variant's buffer bound (the engine's default: twice the batch). */
function maxBufferedEvents(variant: Variant): number | undefined {
  const override = process.env.BENCH_MAX_BUFFERED;
  return override === undefined || override === '' ? variant.maxBufferedEvents : Number(override);
}

/** The broker's process (BENCH_BROKER_PID), whose CPU the bench reports beside its own. */
const brokerPid = process.env.BENCH_BROKER_PID ? Number(process.env.BENCH_BROKER_PID) : undefined;

/** The broker's CPU seconds so far, when BENCH_BROKER_PID names a readable process. */
const brokerCpu = (): number | undefined =>
  brokerPid === undefined ? undefined : processCpuSeconds(brokerPid);

/** ", broker CPU 3.1 µs/event" between two reads of `brokerCpu`, or nothing without them. */
function brokerCpuText(before: number | undefined, after: number | undefined, events: number): string {
  if (before === undefined || after === undefined) return '';
  return `, broker CPU ${(((after - before) * 1e6) / events).toFixed(1)} µs/event`;
}

const megabytes = (bytes: number): number => Math.round(bytes / 1024 / 1024);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const load = (): string =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`;

async function produceBacklog(log: EventLog, topic: string, total: number): Promise<number> {
  const producer = await log.producer();
  const began = Date.now();
  try {
    for (let start = 0; start < total; start += PRODUCE_CHUNK * 5) {
      const sends: Promise<void>[] = [];
      for (let c = start; c < Math.min(total, start + PRODUCE_CHUNK * 5); c += PRODUCE_CHUNK) {
        const now = Date.now();
        const chunk = Array.from({ length: Math.min(PRODUCE_CHUNK, total - c) }, (_, i) => event(c + i, now));
        sends.push(producer.send(topic, chunk));
      }
      await Promise.all(sends);
    }
  } finally {
    await producer.close();
  }
  return (Date.now() - began) / 1000;
}

async function runVariant(
  log: EventLog,
  dir: string,
  variant: Variant,
  backlogTopic: string,
  total: number,
  rate: number,
  suffix: string,
): Promise<void> {
  const database = `bench_${variant.name.replace(/-/g, '_')}_${suffix.replace(/\W/g, '_')}`;
  const handles: ClickHouseHandle[] = [];
  for (let i = 0; i < variant.sessions; i++) {
    handles.push(await openClickHouse({ chdbPath: dir, database, chdbBulkData: variant.bulkData ?? 'file' }));
  }
  const [handle] = handles;
  try {
    await runClickHouseMigrations(handle);
    process.stdout.write(`[${variant.name}] start, ${load()}\n`);

    // Phase 1: throughput from the backlog.
    const store = new TimedIngestStore(variant.store(handles));
    // Progress comes from the engine's commits (a batch is committed after ClickHouse acknowledged its
    // insert, so its events are queryable), not from polling ClickHouse: on chDB every query waits in
    // the same statement queue as the inserts and would slow down what it measures.
    let committed = 0;
    // When the committed count first reached 20 % and 80 % of the backlog: the rate between them is the
    // steady state, without the start (the first batches fill while nothing can be inserted yet) and the
    // tail (the last batches insert while the consumer has nothing left to read).
    const steady = { fromMs: 0, toMs: 0 };
    const engine = startEngine(log, variant, store, backlogTopic, `bench-${variant.name}-${suffix}`, (n) => {
      committed += n;
      if (steady.fromMs === 0 && committed >= 0.2 * total) steady.fromMs = performance.now();
      if (steady.toMs === 0 && committed >= 0.8 * total) steady.toMs = performance.now();
    });
    const ingestStart = Date.now();
    const threadsBefore = threadCpu();
    const brokerBefore = brokerCpu();
    const cpuBefore = process.cpuUsage();
    const faultsBefore = process.resourceUsage().minorPageFault;
    const loopBefore = performance.eventLoopUtilization();
    const engineBefore = chdbEngineUse();
    const timeline = new PipelineTimeline(() => committed, Number(process.env.BENCH_TIMELINE_MS ?? 1_000));
    timeline.start();
    // Resident memory (the JS heap, buffered records and chDB's own) at its highest while the backlog drains.
    const rssBefore = process.memoryUsage.rss();
    let peakRss = rssBefore;
    await engine.start();
    while (committed < total) {
      await sleep(10);
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }
    timeline.stop();
    const ingestSeconds = (Date.now() - ingestStart) / 1000;
    // CPU of the whole process (main thread, chDB's threads, libuv) per event: what one event costs
    // whatever the load; and how busy the main thread (kafkajs, decoding) was.
    const cpu = process.cpuUsage(cpuBefore);
    const threadsAfter = threadCpu();
    const brokerAfter = brokerCpu();
    // Pages touched for the first time (fresh buffers): each is a fault, and faults are dear in a VM.
    const faults = process.resourceUsage().minorPageFault - faultsBefore;
    const loop = performance.eventLoopUtilization(loopBefore);
    const engineAfter = chdbEngineUse();
    const engineBusy = (engineAfter.busyMs - engineBefore.busyMs) / 1000;
    await engine.stop();
    const inRollup = await counted(handle);
    if (inRollup !== total)
      throw new Error(`[${variant.name}] rollup holds ${inRollup} events, expected ${total}`);
    process.stdout.write(
      `[${variant.name}] throughput: ${total} events counted in ${ingestSeconds.toFixed(1)} s = ${Math.round(total / ingestSeconds)} events/s\n` +
        `[${variant.name}]   steady state (20 % to 80 % of the events committed): ${steadyRate(steady, total)}\n` +
        `[${variant.name}]   process CPU ${((cpu.user + cpu.system) / total).toFixed(1)} µs/event ` +
        `(user ${(cpu.user / 1e6).toFixed(1)} s, system ${(cpu.system / 1e6).toFixed(1)} s; ` +
        `${(faults / total).toFixed(2)} page faults/event), ` +
        `main thread busy ${(loop.utilization * 100).toFixed(0)} %, chDB busy ${engineBusy.toFixed(1)} s ` +
        `(${((engineBusy / ingestSeconds) * 100).toFixed(0)} %) in ${engineAfter.statements - engineBefore.statements} statements\n` +
        `[${variant.name}]   CPU by thread, µs/event: ${threadCpuPerEvent(threadsBefore, threadsAfter, total)}` +
        `${brokerCpuText(brokerBefore, brokerAfter, total)}\n` +
        `[${variant.name}]   resident memory ${megabytes(rssBefore)} MB at the start, ${megabytes(peakRss)} MB at most\n` +
        `[${variant.name}]   ${store.summary()}\n` +
        timeline.render(variant.name),
    );

    if (rate <= 0) return;
    // Phase 2: latency at a steady rate, on a fresh topic.
    const topic = `bench-usage-events-${variant.name}-${suffix}`;
    await log.ensureTopics([
      { name: topic, partitions: PARTITIONS },
      { name: `${topic}-dlq`, partitions: PARTITIONS },
    ]);
    const liveStore = new TimedIngestStore(variant.store(handles));
    let liveCommitted = 0;
    const live = startEngine(log, variant, liveStore, topic, `bench-live-${variant.name}-${suffix}`, (n) => {
      liveCommitted += n;
    });
    await live.start();
    const producer = await log.producer();
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
      const seen = total + liveCommitted;
      const now = Date.now();
      while (next < sent.length && sent[next].cumulative <= seen) {
        latencies.push(now - sent[next].atMs);
        next += 1;
      }
      await sleep(10);
    }
    await produceLoop;
    const liveInRollup = await counted(handle);
    if (liveInRollup !== cumulative) {
      throw new Error(`[${variant.name}] rollup holds ${liveInRollup} events, expected ${cumulative}`);
    }
    latencies.sort((a, b) => a - b);
    const achieved = (cumulative - total) / (durationMs / 1000);
    process.stdout.write(
      `[${variant.name}] latency at ${Math.round(achieved)} events/s: p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies[latencies.length - 1]} ms (${latencies.length} chunks)\n`,
    );
    await live.stop();
    await producer.close();
    process.stdout.write(`[${variant.name}]   ${liveStore.summary()}\n`);
    process.stdout.write(`[${variant.name}] end, ${load()}\n`);
  } finally {
    // The variants share one chDB engine: a database left behind would keep merging its parts while the
    // next variant is measured (its merges showed up as ~1 µs more per event in the variant after it).
    await handle.client.command({ query: `DROP DATABASE IF EXISTS ${database} SYNC` }).catch(() => undefined);
    for (const h of handles) await h.close();
  }
}

async function main(): Promise<void> {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:29092').split(',');
  const total = Number(process.env.BENCH_EVENTS ?? 200_000);
  const rate = Number(process.env.BENCH_RATE ?? 5_000);
  const names = (process.env.BENCH_VARIANTS ?? VARIANTS.map((v) => v.name).join(',')).split(',');
  const variants = names.map((name) => {
    const variant = VARIANTS.find((v) => v.name === name);
    if (!variant) throw new Error(`BENCH_VARIANTS: unknown variant ${name}`);
    return variant;
  });
  const dir = mkdtempSync(join(tmpdir(), 'keymeter-bench-pipeline-'));
  const log = createKafkaEventLog({ brokers, clientId: 'keymeter-bench', logSink: () => undefined });
  process.stdout.write(`start ${new Date().toISOString()}, ${load()}\n`);
  try {
    const suffix = `${Date.now()}`;
    const backlogTopic = `bench-usage-events-${suffix}`;
    await log.ensureTopics([
      { name: backlogTopic, partitions: PARTITIONS },
      { name: `${backlogTopic}-dlq`, partitions: PARTITIONS },
    ]);
    const brokerBefore = brokerCpu();
    const producedIn = await produceBacklog(log, backlogTopic, total);
    process.stdout.write(
      `produced ${total} events in ${producedIn.toFixed(1)} s (${Math.round(total / producedIn)}/s)` +
        `${brokerCpuText(brokerBefore, brokerCpu(), total)}\n`,
    );
    for (const [index, variant] of variants.entries()) {
      await runVariant(log, dir, variant, backlogTopic, total, rate, `${suffix}-${index}`);
    }
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
    process.stdout.write(`end ${new Date().toISOString()}, ${load()}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
