import { DEMO_SYMBOLS } from './market-data';

/** Which of the demo customer's two keys makes a call. */
export type DemoKeyRole = 'steady' | 'misbehaving';

/** Why a call is in the plan: everyday use, or one of the misbehaving key's episodes. */
export type DemoCallKind = 'normal' | 'burst' | 'scope_violation' | 'new_network';

export interface PlannedCall {
  /** Milliseconds after the traffic starts. */
  readonly atMs: number;
  readonly key: DemoKeyRole;
  readonly kind: DemoCallKind;
  /** Path and query through the gateway. */
  readonly path: string;
}

export interface TrafficPlanOptions {
  readonly durationMs: number;
  /** Same seed, same plan. */
  readonly seed: number;
  /** Calls per second of the steady key, on average. */
  readonly steadyRate?: number;
  /** Calls in the misbehaving key's burst (its rate limit lets only its burst size through). */
  readonly burstSize?: number;
  /** Whether calls from a second source network can be made (a second loopback address). */
  readonly newNetwork?: boolean;
}

/** mulberry32: a small seeded generator, so a demo run can be repeated call for call. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HISTORY_POINTS = [10, 30, 60, 120, 390] as const;

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function quotePath(random: () => number): string {
  const count = 1 + Math.floor(random() * 3);
  const symbols = new Set<string>();
  while (symbols.size < count) symbols.add(pick(random, DEMO_SYMBOLS));
  return `/v1/quotes/${[...symbols].join(',')}`;
}

function historyPath(random: () => number): string {
  return `/v1/history/${pick(random, DEMO_SYMBOLS)}?points=${pick(random, HISTORY_POINTS)}`;
}

/**
 * The demo's traffic, decided up front so the progress bar knows the total and a run can be repeated:
 * - the steady key (a trading dashboard) polls quotes and history all along;
 * - the misbehaving key (a batch job) polls quotes slowly, then at 40 % fires a burst far above its rate
 *   limit, at 55 % calls history endpoints outside its scopes, and at 70 % calls from a new source network.
 */
export function planDemoTraffic(options: TrafficPlanOptions): PlannedCall[] {
  const random = seededRandom(options.seed);
  const duration = Math.max(options.durationMs, 1000);
  const steadyRate = options.steadyRate ?? 8;
  const calls: PlannedCall[] = [];
  const slotMs = 100;
  for (let at = 0; at < duration; at += slotMs) {
    // Poisson-like: each 100 ms slot holds 0, 1 or 2 calls around the average rate.
    const expected = (steadyRate * slotMs) / 1000;
    const n = Math.floor(expected) + (random() < expected % 1 ? 1 : 0);
    for (let i = 0; i < n; i += 1) {
      const path = random() < 0.7 ? quotePath(random) : historyPath(random);
      calls.push({ atMs: at + Math.floor(random() * slotMs), key: 'steady', kind: 'normal', path });
    }
  }
  for (let at = 500; at < duration; at += 1500) {
    calls.push({ atMs: at, key: 'misbehaving', kind: 'normal', path: quotePath(random) });
  }
  const burstAt = Math.floor(duration * 0.4);
  for (let i = 0; i < (options.burstSize ?? 30); i += 1) {
    calls.push({ atMs: burstAt, key: 'misbehaving', kind: 'burst', path: quotePath(random) });
  }
  const scopeAt = Math.floor(duration * 0.55);
  for (let i = 0; i < 4; i += 1) {
    calls.push({
      atMs: scopeAt + i * 200,
      key: 'misbehaving',
      kind: 'scope_violation',
      path: historyPath(random),
    });
  }
  if (options.newNetwork !== false) {
    const networkAt = Math.floor(duration * 0.7);
    for (let i = 0; i < 4; i += 1) {
      calls.push({
        atMs: networkAt + i * 700,
        key: 'misbehaving',
        kind: 'new_network',
        path: quotePath(random),
      });
    }
  }
  return calls.filter((call) => call.atMs < duration).sort((a, b) => a.atMs - b.atMs);
}
