/**
 * Gateway throughput and latency against the same upstream, in one run, with the same load tool (autocannon):
 *   1. the upstream directly, 2. a bare Node reverse proxy (node:http, keep-alive agent, streaming) — the issue's
 *   baseline, 3. a bare proxy whose upstream leg is undici (the client the gateway uses; the strongest bare
 *   proxy measured), 4. the gateway with auth + scopes + rate limit + quotas + usage events on, and optionally
 *   5. the gateway of another build (BENCH_BASELINE_DIST), for before/after figures side by side.
 * The targets are measured in several short alternating rounds (BENCH_ROUNDS, each target BENCH_DURATION_S per
 * round, even rounds in reverse order) at saturation, then the same rounds at one fixed rate: half of the bare
 * proxy's median saturation, offered by an open-loop paced load (bench/gateway/paced-load.ts says why not autocannon's
 * own rate mode; BENCH_FIXED_LOAD=autocannon uses it anyway). Ratios are taken within a round and reported as the median over rounds with their
 * range, so drift of the shared machine between measurements does not decide the figure. Last, the proxies are
 * measured at the same rate interleaved in round-robin time slices of BENCH_SLICE_MS (default 500 ms) within one
 * measurement, so that they meet the same drift within a second.
 *
 * Build and run: npm run bench:gateway
 * Environment: KAFKA_BROKERS (else the embedded event log in a temp dir), REDIS_URL (else in-process limits),
 * BENCH_ROUNDS (default 3), BENCH_DURATION_S (seconds per measurement, default 5), BENCH_CONNECTIONS (default 50),
 * BENCH_SINK=none (drop events: isolates their cost), BENCH_SINK=thread (the sink on the request thread, as before
 * the worker-thread sink, for side-by-side runs), BENCH_BASELINE_DIST=<dir> (another build's dist/ directory, e.g.
 * a copy of the build before a change, with node_modules reachable from it: its gateway is measured in the same
 * rounds), BENCH_CPU_PROFILE=<dir> (V8 CPU profiles of the gateway and the bare proxies, in <dir>/gateway,
 * <dir>/gateway-baseline, <dir>/bare-proxy and <dir>/bare-undici-proxy), BENCH_CHILD_NODE_ARGS (flags for every child
 * process, e.g. --trace-gc).
 * The upstream, the bare proxies, the gateways and the paced load each run in their own process; autocannon runs in
 * this one.
 * Besides req/s and latency, each row reports the CPU time the measured process spent per answered request
 * (user + system, from process.cpuUsage, all threads) and the part of it spent by the main thread (the event loop
 * every call passes through; from /proc/self/task/<pid>/stat): on a shared machine these vary far less than
 * throughput does.
 */
import { fork, type ChildProcess, type Serializable } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
import { tmpdir } from 'node:os';
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import type { PacedLoadOptions, PacedLoadResult } from './gateway/paced-load';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? '5');
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? '3'));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? '50');
const FIXED_LOAD = process.env.BENCH_FIXED_LOAD === 'autocannon' ? 'autocannon' : 'paced';
const SLICE_MS = Number(process.env.BENCH_SLICE_MS ?? '500');
/** The `load` column of interleaved rows starts with this. */
const INTERLEAVED = 'interleaved';
const UPSTREAM_BODY = JSON.stringify({
  symbol: 'AAPL',
  price: 187.25,
  currency: 'USD',
  time: '2026-03-01T12:00:00Z',
});

interface Ready {
  readonly url: string;
  readonly key?: string;
}

interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number; readonly average: number };
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}

type Autocannon = (
  options: Record<string, unknown>,
  done: (error: Error | null, result: AutocannonResult) => void,
) => unknown;

/** Loaded in the parent only, so the measured child processes do not carry it. */
function autocannon(...args: Parameters<Autocannon>): unknown {
  // autocannon ships no type declarations; only the call above is used.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('autocannon') as Autocannon)(...args);
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

/** Child: the upstream API, a small JSON answer. */
async function runUpstream(): Promise<Ready> {
  const body = Buffer.from(UPSTREAM_BODY);
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  return { url: await listen(server) };
}

/** Child: the baseline, a reverse proxy with nothing but streaming both ways over a keep-alive agent. */
async function runBareProxy(upstreamUrl: string): Promise<Ready> {
  const target = new URL(upstreamUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256, scheduling: 'lifo' });
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      {
        agent,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.statusCode = 502;
      res.end();
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 60_000;
  return { url: await listen(server) };
}

const BARE_HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'host',
  'expect',
  'upgrade',
]);

/**
 * Child: the second baseline, a reverse proxy with nothing but streaming both ways, its upstream leg on an undici
 * Pool (dispatch with the v7 handler callbacks, backpressure both ways), like the gateway's.
 */
async function runBareUndiciProxy(upstreamUrl: string): Promise<Ready> {
  const { Pool } = await import('undici');
  const pool = new Pool(new URL(upstreamUrl).origin, { connections: 256, pipelining: 1 });
  const server = http.createServer((req, res) => {
    const headers: string[] = [];
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      if (!BARE_HOP_BY_HOP.has(raw[i].toLowerCase())) headers.push(raw[i], raw[i + 1]);
    }
    const noBody =
      req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined;
    const handler: Dispatcher.DispatchHandler = {
      // undici treats a handler without onRequestStart as one of the older callback style.
      onRequestStart() {},
      onResponseStart(controller, statusCode, responseHeaders) {
        const out: http.OutgoingHttpHeaders = {};
        for (const name in responseHeaders) {
          if (!BARE_HOP_BY_HOP.has(name)) out[name] = responseHeaders[name];
        }
        res.writeHead(statusCode, out);
        res.on('drain', () => controller.resume());
      },
      onResponseData(controller, chunk) {
        if (!res.write(chunk)) controller.pause();
      },
      onResponseEnd() {
        res.end();
      },
      onResponseError() {
        if (res.headersSent) res.destroy();
        else {
          res.statusCode = 502;
          res.end();
        }
      },
    };
    pool.dispatch(
      { method: req.method ?? 'GET', path: req.url ?? '/', headers, body: noBody ? null : req },
      handler,
    );
  });
  server.keepAliveTimeout = 60_000;
  return { url: await listen(server) };
}

/** Child: the gateway, with a key that has a rate limit and both quotas, set high enough never to refuse. */
async function runGateway(upstreamUrl: string): Promise<Ready> {
  const [{ loadConfig }, platform, contracts, domain, { startGateway }] = await Promise.all([
    import('@keymeter/config'),
    import('@keymeter/platform'),
    import('@keymeter/contracts'),
    import('@keymeter/domain'),
    import('../apps/gateway/src/start-gateway'),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'keymeter-gateway-bench-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const routesFile = join(dir, 'routes.json');
  writeFileSync(
    routesFile,
    JSON.stringify([
      {
        id: 'quotes',
        method: 'GET',
        pattern: '/v1/quotes/:symbol',
        upstream: upstreamUrl,
        creditsPerCall: '0.001',
      },
    ]),
  );
  const run = randomBytes(4).toString('hex');
  const base = loadConfig({
    ...process.env,
    KEYMETER_DATA_DIR: dir,
    GATEWAY_ROUTES_FILE: routesFile,
    GATEWAY_PORT: '0',
    GATEWAY_ID: 'gw-bench',
    LOG_LEVEL: 'warn',
  });
  const config = {
    ...base,
    topics: {
      ...base.topics,
      usageEvents: { ...base.topics.usageEvents, name: `usage-events-bench-${run}` },
      keyRegistry: { ...base.topics.keyRegistry, name: `key-registry-bench-${run}` },
    },
  };
  const infra = await platform.openInfrastructure(config, platform.createLogger('warn', 'bench'), {
    eventLog: true,
  });
  const key = domain.generateApiKey('live', randomBytes);
  const snapshot = {
    v: 1 as const,
    kind: 'api_key' as const,
    keyId: `key_bench_${run}`,
    customerId: 'cus_bench',
    timeZone: 'Europe/Paris',
    environment: 'live' as const,
    name: 'bench',
    prefix: key.prefix,
    secrets: [{ hash: key.hash, validUntil: null }],
    status: 'active' as const,
    expiresAt: null,
    scopes: [{ methods: ['GET'], pattern: '/v1/*' }],
    rateLimit: { rate: 1_000_000, burst: 1_000_000 },
    quotas: { requestsPerDay: 1_000_000_000, creditsPerMonth: '1000000000' },
    revision: 1,
    updatedAt: new Date().toISOString(),
  };
  const eventLog = platform.requireEventLog(infra);
  const producer = await eventLog.producer();
  await producer.send(config.topics.keyRegistry.name, [
    { key: contracts.registryRecordKey(snapshot), value: contracts.encodeKeyRegistryRecord(snapshot) },
  ]);
  await producer.close();
  // BENCH_SINK=none: events are dropped instead of produced, to see what the event path costs.
  const discard = {
    emit: (): void => undefined,
    emitDurably: (): Promise<void> => Promise.resolve(),
    flush: (): Promise<void> => Promise.resolve(),
    stats: () => ({
      pending: 0,
      spoolBytes: 0,
      spooledEvents: 0,
      produced: 0,
      producerErrors: 0,
      dropped: 0,
    }),
    close: (): Promise<void> => Promise.resolve(),
  };
  const sink =
    process.env.BENCH_SINK === 'none'
      ? discard
      : process.env.BENCH_SINK === 'thread'
        ? await (
            await import('@keymeter/event-sink')
          ).createUsageEventSink({
            eventLog,
            topic: config.topics.usageEvents.name,
            spoolDir: join(dir, 'spool'),
            maxSpoolBytes: 1024 * 1024 * 1024,
            lingerMs: 50,
          })
        : undefined;
  const gateway = await startGateway(infra, sink === undefined ? {} : { sink });
  process.on('SIGTERM', () => {
    void gateway
      .close()
      .then(() => infra.close())
      .finally(() => process.exit(0));
  });
  return { url: gateway.url, key: key.plaintext };
}

/** Every child started, so that a failed run still stops them all (none left serving or profiling). */
const started: ChildProcess[] = [];
process.on('exit', () => {
  for (const child of started) if (child.exitCode === null && !child.killed) child.kill('SIGTERM');
});

/**
 * Forks a child in `role`. `script` is this file unless a baseline build's benchmark file is given (its child
 * roles answer the same messages); `profileName` names the CPU-profile directory.
 */
function startChild(
  role: string,
  arg?: string,
  script: string = __filename,
  profileName: string = role,
): Promise<{ child: ChildProcess; ready: Ready }> {
  // BENCH_CPU_PROFILE=dir writes V8 CPU profiles of the gateway and the bare proxy to dir/<role>/.
  const profileDir = process.env.BENCH_CPU_PROFILE;
  const profile = role !== 'upstream' && role !== 'load-client' && profileDir !== undefined;
  const child = fork(script, [role, ...(arg === undefined ? [] : [arg])], {
    stdio: 'inherit',
    execArgv: [
      ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, profileName)}`] : []),
      // BENCH_CHILD_NODE_ARGS: V8/Node flags for the measured processes, e.g. --trace-gc.
      ...(process.env.BENCH_CHILD_NODE_ARGS?.split(' ').filter((arg) => arg !== '') ?? []),
    ],
  });
  started.push(child);
  return new Promise((resolve, reject) => {
    child.once('message', (ready: Ready) => resolve({ child, ready }));
    child.once('exit', (code) =>
      reject(new Error(`${role} process exited with code ${String(code)} before it was ready`)),
    );
  });
}

interface CpuReading {
  /** All threads of the process, µs. */
  readonly cpuMicros: number;
  /** The main thread only, µs (clock-tick resolution). */
  readonly mainMicros: number;
  /** Event-loop delay since the previous reading: p99 and maximum, ms. */
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
  /** Garbage-collection pauses on the main thread since the previous reading: how many, and their total, ms. */
  readonly gcPauses: number;
  readonly gcPauseMs: number;
  /** The longest of them, ms. */
  readonly gcPauseMaxMs: number;
}

/** Sends `request` to a child and resolves with its first answer that carries `answerField`. */
function ask<Answer>(child: ChildProcess, request: Serializable, answerField: keyof Answer): Promise<Answer> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown): void => {
      if (typeof message === 'object' && message !== null && answerField in message) {
        child.off('message', onMessage);
        resolve(message as Answer);
      }
    };
    child.on('message', onMessage);
    child.send(request);
  });
}

/** CPU time a child has used since it started; children answer a 'cpu' message. */
function cpuOf(child: ChildProcess): Promise<CpuReading> {
  return ask<CpuReading>(child, 'cpu', 'cpuMicros');
}

/** What one measurement gives, whichever tool made the load. */
interface LoadResult {
  /** Answered requests per second. */
  readonly rate: number;
  readonly total: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Only the paced load reports it (autocannon's percentiles stop at p99 here). */
  readonly p999Ms?: number;
  readonly non2xx: number;
  readonly errors: number;
  /** The paced load's own process: its event-loop stalls and GC pauses during the measurement. */
  readonly loadStalls?: Stalls;
}

type Stalls = Omit<CpuReading, 'cpuMicros' | 'mainMicros'>;

function autocannonLoad(
  url: string,
  headers: Record<string, string>,
  durationS: number,
  overallRate?: number,
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/v1/quotes/AAPL`,
        headers,
        connections: CONNECTIONS,
        duration: durationS,
        ...(overallRate === undefined ? {} : { overallRate }),
      },
      (error, result) =>
        error
          ? reject(error)
          : resolve({
              rate: result.requests.average,
              total: result.requests.total,
              p50Ms: result.latency.p50,
              p99Ms: result.latency.p99,
              non2xx: result.non2xx,
              errors: result.errors + result.timeouts,
            }),
    );
  });
}

/**
 * Saturation: autocannon. A fixed rate: the paced open-loop load (bench/gateway/paced-load.ts, why there) unless
 * BENCH_FIXED_LOAD=autocannon asks for autocannon's `overallRate`, as the figures before 2026-11-29 14:00 UTC used.
 */
async function load(
  url: string,
  headers: Record<string, string>,
  durationS: number,
  overallRate?: number,
): Promise<LoadResult> {
  if (overallRate === undefined || FIXED_LOAD === 'autocannon') {
    return autocannonLoad(url, headers, durationS, overallRate);
  }
  const {
    results: [result],
    stalls,
  } = await pacedLoadInChild({
    targets: [{ url: `${url}/v1/quotes/AAPL`, headers }],
    rate: overallRate,
    durationS,
    connections: CONNECTIONS,
    sliceMs: 0,
  });
  return loadResultOf(result, stalls);
}

function loadResultOf(result: PacedLoadResult, stalls: Stalls): LoadResult {
  return {
    rate: result.rate,
    total: result.answered,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    p999Ms: result.p999Ms,
    non2xx: result.non2xx,
    errors: result.errors,
    loadStalls: stalls,
  };
}

interface PacedLoadAnswer {
  readonly results: PacedLoadResult[];
  readonly stalls: Stalls;
}

let loadClient: Promise<ChildProcess> | undefined;

/**
 * The paced load runs in a child process of its own, started on first use: a fresh heap that holds nothing but the
 * load, so its stalls are its own (the parent holds autocannon and every result), and they are reported.
 */
async function pacedLoadInChild(options: PacedLoadOptions): Promise<PacedLoadAnswer> {
  loadClient ??= startChild('load-client').then(({ child }) => child);
  return ask<PacedLoadAnswer>(await loadClient, { paced: options }, 'stalls');
}

/** Child: the paced load; answers each `{ paced: options }` message with the results and its own stalls. */
async function runLoadClient(): Promise<void> {
  const { pacedLoad } = await import('./gateway/paced-load');
  const stalls = watchStalls();
  process.on('message', (message) => {
    if (typeof message !== 'object' || message === null || !('paced' in message)) return;
    stalls.take();
    void pacedLoad((message as { paced: PacedLoadOptions }).paced).then((results) => {
      const answer: PacedLoadAnswer = { results, stalls: stalls.take() };
      process.send?.(answer);
    });
  });
  process.send?.({ url: '' });
  process.on('SIGTERM', () => process.exit(0));
}

const UPSTREAM = 'upstream direct';
const BARE = 'bare Node proxy';
const BARE_UNDICI = 'bare proxy on undici';
const GATEWAY = 'keymeter gateway';
const BASELINE = 'keymeter gateway, baseline build';

interface Target {
  readonly name: string;
  readonly child: ChildProcess;
  readonly url: string;
  readonly headers: Record<string, string>;
}

interface Row {
  readonly round: number;
  readonly target: string;
  readonly load: string;
  readonly result: LoadResult;
  /** CPU µs the target's own process spent per answered request. */
  readonly cpuPerRequest: number;
  /** The part of it spent on the main thread. */
  readonly mainPerRequest: number;
  /** The target's event-loop stalls and GC pauses during the measurement (absent for older builds' children). */
  readonly stalls: Partial<Stalls>;
  /** The upstream's, when the target is a proxy in front of it: a stall there is in every proxy's latency. */
  readonly upstreamStalls?: Stalls;
}

/** The upstream's process, whose stalls are read around every proxy's measurement. */
let upstreamChild: ChildProcess | undefined;

/** One measurement, with the CPU time the target process used during it. */
async function measure(round: number, target: Target, kind: string, overallRate?: number): Promise<Row> {
  const upstream = target.child === upstreamChild ? undefined : upstreamChild;
  if (upstream !== undefined) await cpuOf(upstream);
  const before = await cpuOf(target.child);
  const result = await load(target.url, target.headers, DURATION_S, overallRate);
  const after = await cpuOf(target.child);
  const upstreamStalls = upstream === undefined ? undefined : await cpuOf(upstream);
  const requests = Math.max(1, result.total);
  return {
    round,
    target: target.name,
    load: kind,
    result,
    cpuPerRequest: (after.cpuMicros - before.cpuMicros) / requests,
    mainPerRequest: (after.mainMicros - before.mainMicros) / requests,
    stalls: after,
    upstreamStalls,
  };
}

/**
 * One measurement of several targets in round-robin time slices of SLICE_MS (paced-load.ts says why), each target
 * for DURATION_S in all, with the CPU time each target process used during it.
 */
async function measureInterleaved(round: number, targets: readonly Target[], rate: number): Promise<Row[]> {
  const before = await Promise.all(targets.map((target) => cpuOf(target.child)));
  if (upstreamChild !== undefined) await cpuOf(upstreamChild);
  const { results, stalls } = await pacedLoadInChild({
    targets: targets.map((target) => ({ url: `${target.url}/v1/quotes/AAPL`, headers: target.headers })),
    rate,
    durationS: DURATION_S * targets.length,
    connections: CONNECTIONS,
    sliceMs: SLICE_MS,
  });
  const after = await Promise.all(targets.map((target) => cpuOf(target.child)));
  const upstreamStalls = upstreamChild === undefined ? undefined : await cpuOf(upstreamChild);
  return targets.map((target, index) => {
    const requests = Math.max(1, results[index].answered);
    return {
      round,
      target: target.name,
      load: `${INTERLEAVED} ${rate} req/s in ${SLICE_MS} ms slices`,
      result: loadResultOf(results[index], stalls),
      cpuPerRequest: (after[index].cpuMicros - before[index].cpuMicros) / requests,
      mainPerRequest: (after[index].mainMicros - before[index].mainMicros) / requests,
      stalls: after[index],
      upstreamStalls,
    };
  });
}

/**
 * Short alternating rounds instead of one long measurement per target: drift of the machine (other work, CPU
 * frequency, the host's neighbours) then lands on every target alike, and each round's ratio compares
 * measurements taken seconds apart. Even rounds run the targets in reverse order (ABBA), so a steady drift does
 * not favour whichever target comes first. The upstream alone is measured in the first round only.
 */
async function runRounds(
  targets: readonly Target[],
  kind: string,
  rows: Row[],
  overallRate?: number,
): Promise<void> {
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? targets : [...targets].reverse();
    for (const target of order) {
      if (target.name === UPSTREAM && round > 1) continue;
      rows.push(await measure(round, target, kind, overallRate));
    }
  }
}

async function main(): Promise<void> {
  const upstream = await startChild('upstream');
  upstreamChild = upstream.child;
  const bare = await startChild('bare-proxy', upstream.ready.url);
  const bareUndici = await startChild('bare-undici-proxy', upstream.ready.url);
  const gateway = await startChild('gateway', upstream.ready.url);
  // BENCH_BASELINE_DIST=<dir>: a second gateway from another build's dist/ (its own bench file starts it), measured
  // in the same rounds, for before/after figures side by side.
  const baselineDist = process.env.BENCH_BASELINE_DIST;
  const baseline =
    baselineDist === undefined
      ? undefined
      : await startChild(
          'gateway',
          upstream.ready.url,
          join(baselineDist, 'bench', 'gateway.bench.js'),
          'gateway-baseline',
        );
  const targets: Target[] = [
    { name: UPSTREAM, child: upstream.child, url: upstream.ready.url, headers: {} },
    { name: BARE, child: bare.child, url: bare.ready.url, headers: {} },
    {
      name: GATEWAY,
      child: gateway.child,
      url: gateway.ready.url,
      headers: { 'x-api-key': gateway.ready.key as string },
    },
    { name: BARE_UNDICI, child: bareUndici.child, url: bareUndici.ready.url, headers: {} },
  ];
  if (baseline !== undefined) {
    // Right after the gateway, so old and new builds are measured back to back in every round.
    targets.splice(3, 0, {
      name: BASELINE,
      child: baseline.child,
      url: baseline.ready.url,
      headers: { 'x-api-key': baseline.ready.key as string },
    });
  }
  const rows: Row[] = [];
  let halfRate = 0;
  try {
    // Warm-up: connections, JIT, the registry and limit paths.
    for (const target of targets) await load(target.url, target.headers, 2);
    await runRounds(targets, 'saturation', rows);
    halfRate = Math.floor(median(valuesOf(rows, BARE, 'saturation', (row) => row.result.rate)) / 2);
    // Warm-up of the paced load's own process (its start, JIT and first connections), against the upstream.
    await load(upstream.ready.url, {}, 2, halfRate);
    await runRounds(targets, `fixed ${halfRate} req/s`, rows, halfRate);
    if (FIXED_LOAD === 'paced') {
      const proxies = targets.filter((target) => target.name !== UPSTREAM);
      for (let round = 1; round <= ROUNDS; round++) {
        rows.push(
          ...(await measureInterleaved(round, round % 2 === 1 ? proxies : [...proxies].reverse(), halfRate)),
        );
      }
    }
  } finally {
    for (const target of targets) target.child.kill('SIGTERM');
    (await loadClient)?.kill('SIGTERM');
  }
  print(rows, halfRate, baseline !== undefined);
}

type LoadKind = 'saturation' | 'fixed' | 'interleaved';

function kindOf(row: Row): LoadKind {
  if (row.load === 'saturation') return 'saturation';
  return row.load.startsWith(INTERLEAVED) ? 'interleaved' : 'fixed';
}

function valuesOf(
  rows: readonly Row[],
  target: string,
  kind: LoadKind,
  value: (row: Row) => number,
): number[] {
  return rows.filter((row) => row.target === target && kindOf(row) === kind).map(value);
}

/** Per round, `value(a) / value(b)` (or minus) for the rounds both were measured in. */
function perRound(
  rows: readonly Row[],
  a: string,
  b: string,
  kind: LoadKind,
  combine: (a: Row, b: Row) => number,
): number[] {
  const out: number[] = [];
  for (const row of rows) {
    if (row.target !== a || kindOf(row) !== kind) continue;
    const other = rows.find(
      (candidate) => candidate.target === b && candidate.round === row.round && candidate.load === row.load,
    );
    if (other !== undefined) out.push(combine(row, other));
  }
  return out;
}

function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** `median (min–max)` with a formatter. */
function spread(values: readonly number[], format: (value: number) => string): string {
  if (values.length === 0) return 'n/a';
  return `${format(median(values))} (${format(Math.min(...values))} to ${format(Math.max(...values))})`;
}

/** A baseline build's children may not report stalls (older bench files): those figures print as n/a. */
const oneDecimal = (value: number | undefined): string => (value === undefined ? 'n/a' : value.toFixed(1));
/** autocannon reports whole milliseconds; the paced load fractions of one. */
const latency = (ms: number): string => (Number.isInteger(ms) ? String(ms) : ms.toFixed(2));
const percent = (value: number): string => `${(value * 100).toFixed(1)} %`;
const micros = (value: number): string => `${Math.round(value)} µs`;
const signedMs = (value: number): string => `${value > 0 ? '+' : ''}${Math.round(value * 100) / 100} ms`;

function print(rows: readonly Row[], halfRate: number, withBaseline: boolean): void {
  const lines = [
    `| round | target | load | req/s | p50 ms | p99 ms | p99.9 ms | CPU µs/req | main thread µs/req | loop delay p99 / max ms | GC pauses: count, total / max ms | upstream loop delay max ms | load client loop delay p99 / max, GC max ms | non-2xx | errors |`,
    `| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
    ...rows.map(
      ({ round, target, load: kind, result, cpuPerRequest, mainPerRequest, stalls, upstreamStalls }) =>
        `| ${round} | ${target} | ${kind} | ${Math.round(result.rate)} | ${latency(result.p50Ms)} | ${latency(result.p99Ms)} | ${result.p999Ms === undefined ? 'n/a' : latency(result.p999Ms)} | ${Math.round(cpuPerRequest)} | ${Math.round(mainPerRequest)} | ${oneDecimal(stalls.loopDelayP99Ms)} / ${oneDecimal(stalls.loopDelayMaxMs)} | ${stalls.gcPauses ?? 'n/a'}, ${oneDecimal(stalls.gcPauseMs)} / ${oneDecimal(stalls.gcPauseMaxMs)} | ${oneDecimal(upstreamStalls?.loopDelayMaxMs)} | ${result.loadStalls === undefined ? 'n/a' : `${oneDecimal(result.loadStalls.loopDelayP99Ms)} / ${oneDecimal(result.loadStalls.loopDelayMaxMs)}, ${oneDecimal(result.loadStalls.gcPauseMaxMs)}`} | ${result.non2xx} | ${result.errors} |`,
    ),
  ];
  const throughput = (row: Row): number => row.result.rate;
  const ratio = (a: Row, b: Row): number => throughput(a) / Math.max(1, throughput(b));
  const cpuBound = (a: Row, b: Row): number => b.cpuPerRequest / Math.max(1, a.cpuPerRequest);
  const mainBound = (a: Row, b: Row): number => b.mainPerRequest / Math.max(1, a.mainPerRequest);
  const addedP99 = (a: Row, b: Row): number => a.result.p99Ms - b.result.p99Ms;
  const cpu = (target: string, value: (row: Row) => number): string =>
    spread(valuesOf(rows, target, 'saturation', value), micros);
  const summary = (gateway: string, label: string): string[] => [
    `${label} / bare proxy throughput at saturation, median of ${ROUNDS} rounds (range): ${spread(perRound(rows, gateway, BARE, 'saturation', ratio), percent)} (target ≥ 85 %); against the bare proxy on undici: ${spread(perRound(rows, gateway, BARE_UNDICI, 'saturation', ratio), percent)}`,
    `${label} p99 minus bare proxy p99 at the fixed rate (${halfRate} req/s), median (range): ${spread(perRound(rows, gateway, BARE, 'fixed', addedP99), signedMs)} (target ≤ 1 ms); against the bare proxy on undici: ${spread(perRound(rows, gateway, BARE_UNDICI, 'fixed', addedP99), signedMs)}`,
    `${label} p99 minus bare proxy p99, interleaved in ${SLICE_MS} ms slices at the same rate, median (range): ${spread(perRound(rows, gateway, BARE, 'interleaved', addedP99), signedMs)}; against the bare proxy on undici: ${spread(perRound(rows, gateway, BARE_UNDICI, 'interleaved', addedP99), signedMs)}`,
    `${label} CPU-bound ratio at saturation (bare proxy CPU per request / ${label}'s, per round): all threads ${spread(perRound(rows, gateway, BARE, 'saturation', cpuBound), percent)}; main thread ${spread(perRound(rows, gateway, BARE, 'saturation', mainBound), percent)}; main thread against the bare proxy on undici ${spread(perRound(rows, gateway, BARE_UNDICI, 'saturation', mainBound), percent)}`,
    `${label} CPU per request at saturation: all threads ${cpu(gateway, (row) => row.cpuPerRequest)}, main thread ${cpu(gateway, (row) => row.mainPerRequest)}`,
  ];
  lines.push(
    '',
    ...summary(GATEWAY, 'gateway'),
    `bare proxy CPU per request at saturation: all threads ${cpu(BARE, (row) => row.cpuPerRequest)}, main thread ${cpu(BARE, (row) => row.mainPerRequest)}; bare proxy on undici: all threads ${cpu(BARE_UNDICI, (row) => row.cpuPerRequest)}, main thread ${cpu(BARE_UNDICI, (row) => row.mainPerRequest)}`,
  );
  if (withBaseline) {
    lines.push(
      ...summary(BASELINE, 'baseline gateway'),
      `gateway / baseline gateway, per round: throughput at saturation ${spread(perRound(rows, GATEWAY, BASELINE, 'saturation', ratio), percent)}; CPU per request, all threads ${spread(
        perRound(
          rows,
          GATEWAY,
          BASELINE,
          'saturation',
          (a, b) => a.cpuPerRequest / Math.max(1, b.cpuPerRequest),
        ),
        percent,
      )}, main thread ${spread(
        perRound(
          rows,
          GATEWAY,
          BASELINE,
          'saturation',
          (a, b) => a.mainPerRequest / Math.max(1, b.mainPerRequest),
        ),
        percent,
      )}`,
    );
  }
  lines.push(
    `rounds: ${ROUNDS} (alternating, even rounds in reverse order), connections: ${CONNECTIONS}, fixed-rate load: ${FIXED_LOAD === 'paced' ? 'paced, open loop' : 'autocannon overallRate'}, duration: ${DURATION_S} s per measurement, event log: ${process.env.KAFKA_BROKERS ? `Kafka ${process.env.KAFKA_BROKERS}` : 'embedded'}, limits: ${process.env.REDIS_URL ? 'Redis' : 'in-process'}, events: ${process.env.BENCH_SINK === 'none' ? 'dropped' : process.env.BENCH_SINK === 'thread' ? 'produced on the request thread' : 'produced'}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function child(role: string, arg: string | undefined): Promise<void> {
  if (role === 'load-client') return runLoadClient();
  const ready =
    role === 'upstream'
      ? await runUpstream()
      : role === 'bare-proxy'
        ? await runBareProxy(arg as string)
        : role === 'bare-undici-proxy'
          ? await runBareUndiciProxy(arg as string)
          : await runGateway(arg as string);
  const stalls = watchStalls();
  process.on('message', (message) => {
    if (message !== 'cpu') return;
    const usage = process.cpuUsage();
    const reading: CpuReading = {
      cpuMicros: usage.user + usage.system,
      mainMicros: mainThreadMicros(),
      ...stalls.take(),
    };
    process.send?.(reading);
  });
  process.send?.(ready);
  if (role !== 'gateway') process.on('SIGTERM', () => process.exit(0));
}

/**
 * Where a tail of latency can come from inside a process: stalls of its event loop (sampled every 1 ms by
 * monitorEventLoopDelay) and the garbage collector's pauses of the main thread. Read and reset at each 'cpu' message,
 * so each figure covers one measurement.
 */
function watchStalls(): { take(): Stalls } {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let gcPauses = 0;
  let gcPauseMs = 0;
  let gcPauseMaxMs = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcPauses += 1;
      gcPauseMs += entry.duration;
      gcPauseMaxMs = Math.max(gcPauseMaxMs, entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  return {
    take() {
      const reading = {
        loopDelayP99Ms: delay.percentile(99) / 1e6,
        loopDelayMaxMs: delay.max / 1e6,
        gcPauses,
        gcPauseMs,
        gcPauseMaxMs,
      };
      delay.reset();
      gcPauses = 0;
      gcPauseMs = 0;
      gcPauseMaxMs = 0;
      return reading;
    },
  };
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

const [role, arg] = process.argv.slice(2);
(role === undefined ? main() : child(role, arg)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
