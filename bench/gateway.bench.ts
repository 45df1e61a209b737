/**
 * Gateway throughput and latency against the same upstream, in one run, with the same load tool (autocannon):
 *   1. the upstream directly, 2. a bare Node reverse proxy (node:http, keep-alive agent, streaming) — the issue's
 *   baseline, 3. a bare proxy whose upstream leg is undici (the client the gateway uses; the strongest bare
 *   proxy measured), 4. the gateway with auth + scopes + rate limit + quotas + usage events on.
 * Each target is measured at saturation, then all at one fixed rate: half of the bare proxy's saturation.
 *
 * Build and run: npm run bench:gateway
 * Environment: KAFKA_BROKERS (else the embedded event log in a temp dir), REDIS_URL (else in-process limits),
 * BENCH_DURATION_S (default 10), BENCH_CONNECTIONS (default 50), BENCH_SINK=none (drop events: isolates their cost),
 * BENCH_SINK=thread (the sink on the request thread, as before the worker-thread sink, for side-by-side runs),
 * BENCH_CPU_PROFILE=<dir> (V8 CPU profiles of the gateway and the bare proxies, in <dir>/gateway, <dir>/bare-proxy
 * and <dir>/bare-undici-proxy).
 * The upstream, the bare proxy and the gateway each run in their own process; autocannon runs in this one.
 * Besides req/s and latency, each row reports the CPU time the measured process spent per answered request
 * (user + system, from process.cpuUsage, all threads) and the part of it spent by the main thread (the event loop
 * every call passes through; from /proc/self/task/<pid>/stat): on a shared machine these vary far less than
 * throughput does.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? '10');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? '50');
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

function startChild(role: string, arg?: string): Promise<{ child: ChildProcess; ready: Ready }> {
  // BENCH_CPU_PROFILE=dir writes V8 CPU profiles of the gateway and the bare proxy to dir/<role>/.
  const profileDir = process.env.BENCH_CPU_PROFILE;
  const profile = role !== 'upstream' && profileDir !== undefined;
  const child = fork(__filename, [role, ...(arg === undefined ? [] : [arg])], {
    stdio: 'inherit',
    execArgv: profile ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, role)}`] : [],
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
}

/** CPU time a child has used since it started; children answer a 'cpu' message. */
function cpuOf(child: ChildProcess): Promise<CpuReading> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown): void => {
      if (typeof message === 'object' && message !== null && 'cpuMicros' in message) {
        child.off('message', onMessage);
        resolve(message as CpuReading);
      }
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
}

function load(url: string, headers: Record<string, string>, overallRate?: number): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/v1/quotes/AAPL`,
        headers,
        connections: CONNECTIONS,
        duration: DURATION_S,
        ...(overallRate === undefined ? {} : { overallRate }),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

const BARE_UNDICI = 'bare proxy on undici';

interface Row {
  readonly target: string;
  readonly load: string;
  readonly result: AutocannonResult;
  /** CPU µs the target's own process spent per answered request. */
  readonly cpuPerRequest: number;
  /** The part of it spent on the main thread. */
  readonly mainPerRequest: number;
}

/** One measurement, with the CPU time the target process used during it. */
async function measure(
  target: string,
  kind: string,
  child: ChildProcess,
  url: string,
  headers: Record<string, string>,
  overallRate?: number,
): Promise<Row> {
  const before = await cpuOf(child);
  const result = await load(url, headers, overallRate);
  const after = await cpuOf(child);
  const requests = Math.max(1, result.requests.total);
  return {
    target,
    load: kind,
    result,
    cpuPerRequest: (after.cpuMicros - before.cpuMicros) / requests,
    mainPerRequest: (after.mainMicros - before.mainMicros) / requests,
  };
}

async function main(): Promise<void> {
  const upstream = await startChild('upstream');
  const bare = await startChild('bare-proxy', upstream.ready.url);
  const bareUndici = await startChild('bare-undici-proxy', upstream.ready.url);
  const gateway = await startChild('gateway', upstream.ready.url);
  const children = [gateway.child, bareUndici.child, bare.child, upstream.child];
  const key = gateway.ready.key as string;
  const targets: [string, ChildProcess, string, Record<string, string>][] = [
    ['upstream direct', upstream.child, upstream.ready.url, {}],
    ['bare Node proxy', bare.child, bare.ready.url, {}],
    [BARE_UNDICI, bareUndici.child, bareUndici.ready.url, {}],
    ['keymeter gateway', gateway.child, gateway.ready.url, { 'x-api-key': key }],
  ];
  const rows: Row[] = [];
  try {
    // Warm-up: connections, JIT, the registry and limit paths.
    for (const [, , url, headers] of targets) await loadShort(url, headers);
    for (const [target, child, url, headers] of targets) {
      rows.push(await measure(target, 'saturation', child, url, headers));
    }
    const bareSaturation = rows[1].result.requests.average;
    const halfRate = Math.floor(bareSaturation / 2);
    for (const [target, child, url, headers] of targets) {
      rows.push(await measure(target, `fixed ${halfRate} req/s`, child, url, headers, halfRate));
    }
  } finally {
    for (const child of children) child.kill('SIGTERM');
  }
  print(rows);
}

function loadShort(url: string, headers: Record<string, string>): Promise<AutocannonResult> {
  return new Promise((resolve, reject) =>
    autocannon(
      { url: `${url}/v1/quotes/AAPL`, headers, connections: CONNECTIONS, duration: 2 },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );
}

function print(rows: readonly Row[]): void {
  const lines = [
    `| target | load | req/s | p50 ms | p99 ms | CPU µs/req | main thread µs/req | non-2xx | errors |`,
    `| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
    ...rows.map(
      ({ target, load: kind, result, cpuPerRequest, mainPerRequest }) =>
        `| ${target} | ${kind} | ${Math.round(result.requests.average)} | ${result.latency.p50} | ${result.latency.p99} | ${Math.round(cpuPerRequest)} | ${Math.round(mainPerRequest)} | ${result.non2xx} | ${result.errors + result.timeouts} |`,
    ),
  ];
  const bySaturation = (target: string): number =>
    rows.find((row) => row.target === target && row.load === 'saturation')?.result.requests.average ?? 0;
  const ratio = bySaturation('keymeter gateway') / bySaturation('bare Node proxy');
  const undiciRatio = bySaturation('keymeter gateway') / bySaturation(BARE_UNDICI);
  const cpuBySaturation = (target: string): number =>
    rows.find((row) => row.target === target && row.load === 'saturation')?.cpuPerRequest ?? 0;
  const mainBySaturation = (target: string): number =>
    rows.find((row) => row.target === target && row.load === 'saturation')?.mainPerRequest ?? 0;
  const fixed = rows.filter((row) => row.load !== 'saturation');
  const fixedP99 = (target: string): number =>
    fixed.find((row) => row.target === target)?.result.latency.p99 ?? 0;
  const addedP99 = fixedP99('keymeter gateway') - fixedP99('bare Node proxy');
  const addedP99Undici = fixedP99('keymeter gateway') - fixedP99(BARE_UNDICI);
  lines.push(
    '',
    `gateway / bare proxy throughput at saturation: ${(ratio * 100).toFixed(1)} % (target ≥ 85 %); against the bare proxy on undici: ${(undiciRatio * 100).toFixed(1)} %`,
    `gateway p99 minus bare proxy p99 at the fixed rate: ${addedP99} ms (target ≤ 1 ms); against the bare proxy on undici: ${addedP99Undici} ms`,
    `CPU per request at saturation: gateway ${Math.round(cpuBySaturation('keymeter gateway'))} µs, bare proxy ${Math.round(cpuBySaturation('bare Node proxy'))} µs (throughput bound from CPU alone: ${((100 * cpuBySaturation('bare Node proxy')) / Math.max(1, cpuBySaturation('keymeter gateway'))).toFixed(1)} %); main thread: gateway ${Math.round(mainBySaturation('keymeter gateway'))} µs, bare proxy ${Math.round(mainBySaturation('bare Node proxy'))} µs, bare proxy on undici ${Math.round(mainBySaturation(BARE_UNDICI))} µs (event-loop bound against the node:http bare proxy: ${((100 * mainBySaturation('bare Node proxy')) / Math.max(1, mainBySaturation('keymeter gateway'))).toFixed(1)} %)`,
    `connections: ${CONNECTIONS}, duration: ${DURATION_S} s per measurement, event log: ${process.env.KAFKA_BROKERS ? `Kafka ${process.env.KAFKA_BROKERS}` : 'embedded'}, limits: ${process.env.REDIS_URL ? 'Redis' : 'in-process'}, events: ${process.env.BENCH_SINK === 'none' ? 'dropped' : process.env.BENCH_SINK === 'thread' ? 'produced on the request thread' : 'produced'}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function child(role: string, arg: string | undefined): Promise<void> {
  const ready =
    role === 'upstream'
      ? await runUpstream()
      : role === 'bare-proxy'
        ? await runBareProxy(arg as string)
        : role === 'bare-undici-proxy'
          ? await runBareUndiciProxy(arg as string)
          : await runGateway(arg as string);
  process.on('message', (message) => {
    if (message !== 'cpu') return;
    const usage = process.cpuUsage();
    process.send?.({ cpuMicros: usage.user + usage.system, mainMicros: mainThreadMicros() });
  });
  process.send?.(ready);
  if (role !== 'gateway') process.on('SIGTERM', () => process.exit(0));
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
