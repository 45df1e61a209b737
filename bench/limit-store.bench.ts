/**
 * The Redis limit store on its own: admissions per second and CPU per admission, with allowance leases (the
 * default) and without (`leases: false`, every call decided by the per-call script, as before leases), measured in
 * alternating rounds in one process against the same Redis.
 *
 * Load: every turn of the event loop issues BENCH_BATCH admissions (default 50, about what the gateway's loop reads
 * per turn at saturation) and waits for them, like 50 connections of a saturated gateway. Two scenarios: one busy
 * key (the gateway bench's limits: 1,000,000/s, burst 1,000,000, 1e9 requests a day, 1e9 credits a month, cost 1
 * credit) and 1,000 keys called in turn (each at about a thousandth of the rate).
 * Figures per admission: this process's CPU (user + system), Redis's CPU (INFO cpu of the server, so other
 * clients of that Redis count too), script runs (INFO commandstats: evalsha + eval).
 *
 * A third mode, "leases, admitNow first", offers each call to the store's synchronous `admitNow` as the gateway's
 * request path does and sends only the declined ones to `admit` (its CPU per admission beside "leases" is what a
 * promise per lease-decided call cost).
 *
 * Build and run: npm run build && REDIS_URL=redis://127.0.0.1:6379 node dist/bench/limit-store.bench.js
 * Environment: BENCH_DURATION_S (seconds per measurement, default 3), BENCH_ROUNDS (default 3), BENCH_BATCH.
 */
import Redis from 'ioredis';
import { RedisLimitStore, type AdmissionRequest } from '@keymeter/gateway';

const URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? '3');
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? '3'));
const BATCH = Number(process.env.BENCH_BATCH ?? '50');
const DAY_MS = 86_400_000;

interface RedisCounters {
  cpuMicros: number;
  scripts: number;
}

async function redisCounters(admin: Redis): Promise<RedisCounters> {
  const cpu = await admin.info('cpu');
  const stats = await admin.info('commandstats');
  const field = (text: string, name: string): number => {
    const match = new RegExp(`${name}:([0-9.]+)`).exec(text);
    return match === null ? 0 : Number(match[1]);
  };
  const calls = (command: string): number => {
    const match = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats);
    return match === null ? 0 : Number(match[1]);
  };
  return {
    cpuMicros: (field(cpu, 'used_cpu_user') + field(cpu, 'used_cpu_sys')) * 1e6,
    scripts: calls('evalsha') + calls('eval'),
  };
}

function requestFor(keyId: string, nowMs: number): AdmissionRequest {
  const dayStart = Math.floor(nowMs / DAY_MS) * DAY_MS;
  return {
    keyId,
    nowMs,
    rateLimit: { rate: 1_000_000, burst: 1_000_000 },
    requestsPerDay: { limit: 1_000_000_000, window: { startMs: dayStart, endMs: dayStart + DAY_MS } },
    creditsPerMonth: {
      limitMicro: 1_000_000_000n * 1_000_000n,
      costMicro: 1_000_000n,
      window: { startMs: dayStart - 10 * DAY_MS, endMs: dayStart + 20 * DAY_MS },
    },
  };
}

interface Row {
  round: number;
  scenario: string;
  mode: string;
  perSecond: number;
  cpuPerAdmit: number;
  redisCpuPerAdmit: number;
  scriptsPer1000: number;
  refused: number;
}

async function measure(
  admin: Redis,
  store: RedisLimitStore,
  keys: readonly string[],
  sync = false,
): Promise<Omit<Row, 'round' | 'scenario' | 'mode'>> {
  const endAt = Date.now() + DURATION_S * 1000;
  const before = await redisCounters(admin);
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  let admitted = 0;
  let refused = 0;
  let next = 0;
  while (Date.now() < endAt) {
    const now = Date.now();
    const calls = [];
    for (let i = 0; i < BATCH; i++) {
      const request = requestFor(keys[next], now);
      next = (next + 1) % keys.length;
      const decided = sync ? store.admitNow?.(request) : undefined;
      if (decided === undefined) calls.push(store.admit(request));
      else if (decided.outcome === 'allowed') admitted += 1;
      else refused += 1;
    }
    for (const decision of await Promise.all(calls)) {
      if (decision.outcome === 'allowed') admitted += 1;
      else refused += 1;
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const after = await redisCounters(admin);
  const total = admitted + refused;
  return {
    perSecond: total / seconds,
    cpuPerAdmit: (cpu.user + cpu.system) / total,
    redisCpuPerAdmit: (after.cpuMicros - before.cpuMicros) / total,
    scriptsPer1000: ((after.scripts - before.scripts) * 1000) / total,
    refused,
  };
}

async function main(): Promise<void> {
  const admin = new Redis(URL);
  const leased = await RedisLimitStore.open({ url: URL });
  const perCall = await RedisLimitStore.open({ url: URL, leases: false });
  const run = Math.random().toString(36).slice(2, 8);
  const scenarios = [
    { name: 'one busy key', keys: [`key_bench_${run}_busy`] },
    {
      name: '1,000 keys',
      keys: Array.from({ length: 1_000 }, (_, index) => `key_bench_${run}_${index}`),
    },
  ];
  const modes = [
    { name: 'leases', store: leased, sync: false },
    { name: 'leases, admitNow first', store: leased, sync: true },
    { name: 'per call (no leases)', store: perCall, sync: false },
  ];
  const rows: Row[] = [];
  try {
    for (const scenario of scenarios) {
      // Warm-up: JIT, script load, first leases.
      for (const mode of modes) await measure(admin, mode.store, scenario.keys, mode.sync);
      for (let round = 1; round <= ROUNDS; round++) {
        const order = round % 2 === 1 ? modes : [...modes].reverse();
        for (const mode of order) {
          const row = await measure(admin, mode.store, scenario.keys, mode.sync);
          rows.push({ round, scenario: scenario.name, mode: mode.name, ...row });
        }
      }
    }
  } finally {
    await leased.close();
    await perCall.close();
    admin.disconnect();
  }
  const lines = [
    '| round | scenario | limits | admissions/s | CPU µs/admission (this process) | Redis CPU µs/admission | script runs per 1,000 admissions | refused |',
    '| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.round} | ${row.scenario} | ${row.mode} | ${Math.round(row.perSecond)} | ${row.cpuPerAdmit.toFixed(2)} | ${row.redisCpuPerAdmit.toFixed(2)} | ${row.scriptsPer1000.toFixed(1)} | ${row.refused} |`,
    ),
    `batch: ${BATCH} admissions per turn, duration: ${DURATION_S} s per measurement, rounds: ${ROUNDS} (alternating)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
