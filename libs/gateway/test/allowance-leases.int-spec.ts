import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { QuotaWindow } from '@keymeter/domain';
import { RedisLimitStore, type AdmissionDecision, type AdmissionRequest } from '@keymeter/gateway';

const REDIS_URL = 'redis://127.0.0.1:6379';
const DAY_MS = 86_400_000;
// Windows around the real time: counters expire at their window's end by Redis's own clock.
const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
const day: QuotaWindow = { startMs: today, endMs: today + DAY_MS };
const month: QuotaWindow = { startMs: today - 10 * DAY_MS, endMs: today + 20 * DAY_MS };
const T0 = today + 3_600_000;
/** The default lease life and the margin Redis adds (DEFAULT_LEASE_POLICY). */
const TTL_MS = 500;
const MARGIN_MS = 100;
/** A block is at most 1/16 of a limit. */
const FRACTION = 1 / 16;

/** Lets replies of lease runs sent in the last turn arrive before the next synthetic tick. */
const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 2));

describe('allowance leases (two gateway instances sharing the real Redis)', () => {
  let now = T0;
  const clock = (): number => now;
  let a: RedisLimitStore;
  let b: RedisLimitStore;

  beforeEach(async () => {
    now = T0;
    admittedNow = 0;
    a = await RedisLimitStore.open({ url: REDIS_URL, clock });
    b = await RedisLimitStore.open({ url: REDIS_URL, clock });
  });

  afterEach(async () => {
    await a.close();
    await b.close();
  });

  /** Calls `drive` had decided by `admitNow` since the test began. */
  let admittedNow = 0;

  const keyId = (name: string): string => `key_lease_${name}_${randomBytes(6).toString('hex')}`;

  /**
   * `perStore` calls to each store per tick of `tickMs` synthetic ms; decisions per tick. `mixed`: every other
   * call is first offered to `admitNow` (as the gateway's request path does) and goes to `admit` if declined.
   */
  async function drive(
    stores: readonly RedisLimitStore[],
    request: (nowMs: number) => AdmissionRequest,
    ticks: number,
    perStore: number,
    tickMs: number,
    mode: 'admit' | 'mixed' = 'admit',
  ): Promise<{ at: number; decisions: AdmissionDecision[] }[]> {
    const out: { at: number; decisions: AdmissionDecision[] }[] = [];
    for (let tick = 0; tick < ticks; tick++) {
      now += tickMs;
      const calls: Promise<AdmissionDecision>[] = [];
      for (const store of stores) {
        for (let i = 0; i < perStore; i++) {
          const call = request(now);
          const decided = mode === 'mixed' && i % 2 === 0 ? store.admitNow?.(call) : undefined;
          if (decided !== undefined) admittedNow += 1;
          calls.push(decided !== undefined ? Promise.resolve(decided) : store.admit(call));
        }
      }
      out.push({ at: now, decisions: await Promise.all(calls) });
      await pause();
    }
    return out;
  }

  for (const mode of ['admit', 'mixed'] as const) {
    it(`never admits more than burst + rate x window + one block per instance, over every window (${mode})`, async () => {
      const id = keyId('rate');
      const rate = 2_000;
      const burst = 400;
      const block = Math.floor(Math.min(rate, burst) * FRACTION);
      const request = (nowMs: number): AdmissionRequest => ({
        keyId: id,
        nowMs,
        rateLimit: { rate, burst },
        requestsPerDay: null,
        creditsPerMonth: null,
      });
      // 1.2x the limit in total (6 calls per 5 ms on each instance), for 3 s.
      const ticks = await drive([a, b], request, 600, 6, 5, mode);
      const admitted = ticks.map((tick) => tick.decisions.filter((d) => d.outcome === 'allowed').length);
      for (const windowMs of [5, 100, 500, 3_000]) {
        const span = windowMs / 5;
        for (let from = 0; from + span <= ticks.length; from++) {
          let sum = 0;
          for (let i = from; i < from + span; i++) sum += admitted[i];
          // Calls of `span` ticks lie within (span - 1) x 5 ms of each other.
          expect(sum).toBeLessThanOrEqual(burst + (rate * (span - 1) * 5) / 1000 + 2 * block);
        }
      }
      const refused = ticks.flatMap((tick) => tick.decisions.filter((d) => d.outcome !== 'allowed'));
      expect(refused.length).toBeGreaterThan(0);
      for (const decision of refused) {
        // Refusals come from the shared bucket: one token is back within 1/rate s (0.5 ms, rounded up).
        expect(decision.outcome).toBe('rate_limited');
        expect(decision.retryAfterMs).toBe(1);
        expect(decision.bucket?.remaining).toBe(0);
      }
      // Leases were in use (else this only tests the per-call script).
      expect(a.leaseStats.local + b.leaseStats.local).toBeGreaterThan(1_000);
      if (mode === 'mixed') expect(admittedNow).toBeGreaterThan(500);
    });
  }

  it('admitNow decides from a live lease as admit would, and declines without one or while a lease run is in flight', async () => {
    const id = keyId('now');
    const request = (nowMs: number): AdmissionRequest => ({
      keyId: id,
      nowMs,
      rateLimit: { rate: 10_000, burst: 10_000 },
      requestsPerDay: { limit: 1_000_000, window: day },
      creditsPerMonth: { limitMicro: 1_000_000_000_000n, costMicro: 2_000_000n, window: month },
    });
    const admitNow = a.admitNow as (r: AdmissionRequest) => AdmissionDecision | undefined;
    expect(admitNow).toBeDefined();
    // No lease yet: declined, and nothing counted.
    expect(admitNow(request(now))).toBeUndefined();
    expect(a.decisions()).toEqual({ inProcess: 0, lease: 0, redis: 0 });
    // A busy key: the first calls ask for a lease; admitNow declines while that run is in flight.
    const first = [a.admit(request(now)), a.admit(request(now))];
    expect(admitNow(request(now))).toBeUndefined();
    const waited = await Promise.all(first);
    expect(waited.map((d) => d.outcome)).toEqual(['allowed', 'allowed']);
    expect(a.leaseStats.local).toBeGreaterThan(0);
    // Lease held: admitNow and admit alternate on it, one accounting (each call counts one request and 2 credits).
    const decisions: AdmissionDecision[] = [];
    for (let i = 0; i < 6; i++) {
      const decided = i % 2 === 0 ? admitNow(request(now)) : await a.admit(request(now));
      expect(decided).toBeDefined();
      decisions.push(decided as AdmissionDecision);
    }
    const used = [waited[1], ...decisions];
    for (let i = 1; i < used.length; i++) {
      expect(used[i].outcome).toBe('allowed');
      expect(used[i].retryAfterMs).toBe(0);
      expect(used[i].requestsUsed).toBe((used[i - 1].requestsUsed as number) + 1);
      expect(used[i].creditsUsedMicro).toBe((used[i - 1].creditsUsedMicro as bigint) + 2_000_000n);
      expect(used[i].bucket?.remaining).toBe((used[i - 1].bucket?.remaining as number) - 1);
    }
    expect(a.decisions().lease).toBe(a.leaseStats.local);
    expect(a.decisions().lease).toBeGreaterThanOrEqual(6);
    // The lease expires: declined again, and admit asks Redis.
    now += TTL_MS;
    const before = a.decisions();
    expect(admitNow(request(now))).toBeUndefined();
    expect(a.decisions()).toEqual(before);
    expect((await a.admit(request(now))).outcome).toBe('allowed');
  });

  it('without leases there is no admitNow: every call is decided in Redis', async () => {
    const perCall = await RedisLimitStore.open({ url: REDIS_URL, clock, leases: false });
    try {
      expect(perCall.admitNow).toBeUndefined();
      const id = keyId('per_call');
      for (let i = 0; i < 3; i++) {
        const decision = await perCall.admit({
          keyId: id,
          nowMs: now,
          rateLimit: null,
          requestsPerDay: { limit: 2, window: day },
          creditsPerMonth: null,
        });
        expect(decision.outcome).toBe(i < 2 ? 'allowed' : 'quota_exceeded');
      }
      expect(perCall.decisions()).toEqual({ inProcess: 0, lease: 0, redis: 3 });
    } finally {
      await perCall.close();
    }
  });

  it('decides most calls of a busy key locally, all admitted while under its limits', async () => {
    const id = keyId('busy');
    const request = (nowMs: number): AdmissionRequest => ({
      keyId: id,
      nowMs,
      rateLimit: { rate: 10_000, burst: 10_000 },
      requestsPerDay: { limit: 1_000_000, window: day },
      creditsPerMonth: { limitMicro: 1_000_000_000_000n, costMicro: 1_000_000n, window: month },
    });
    const ticks = await drive([a, b], request, 200, 10, 5);
    const decisions = ticks.flatMap((tick) => tick.decisions);
    expect(decisions.every((d) => d.outcome === 'allowed')).toBe(true);
    expect(a.leaseStats.local + b.leaseStats.local).toBeGreaterThan(decisions.length * 0.8);
    // Headers stay within the limits: used counts never exceed what was admitted plus others' leases.
    for (const d of decisions) {
      expect(d.requestsUsed).toBeGreaterThan(0);
      expect(d.requestsUsed).toBeLessThanOrEqual(1_000_000);
      expect(d.bucket?.remaining).toBeLessThanOrEqual(10_000);
    }
  });

  for (const [quota, mode] of [
    ['requests per day', 'admit'],
    ['credits per month', 'admit'],
    ['requests per day', 'mixed'],
    ['credits per month', 'mixed'],
  ] as const) {
    it(`admits exactly the ${quota} quota across two instances; lease refusals retry within a lease life (${mode})`, async () => {
      const id = keyId('quota');
      const limit = 1_000;
      const request = (nowMs: number): AdmissionRequest => ({
        keyId: id,
        nowMs,
        rateLimit: null,
        requestsPerDay: quota === 'requests per day' ? { limit, window: day } : null,
        creditsPerMonth:
          quota === 'credits per month'
            ? { limitMicro: BigInt(limit) * 3_000_000n, costMicro: 3_000_000n, window: month }
            : null,
      });
      const windowEnd = quota === 'requests per day' ? day.endMs : month.endMs;
      let total = 0;
      let final: AdmissionDecision | undefined;
      // Both instances busy until the quota runs out, then on until leases have come back or expired.
      for (let round = 0; round < 200 && final === undefined; round++) {
        const ticks = await drive([a, b], request, 1, 12, 20, mode);
        for (const decision of ticks[0].decisions) {
          if (decision.outcome === 'allowed') {
            total += 1;
            continue;
          }
          expect(decision.outcome).toBe('quota_exceeded');
          if (decision.retryAfterMs > TTL_MS + MARGIN_MS) {
            // Nothing leased any more: the quota is used up until the window ends.
            expect(decision.retryAfterMs).toBe(windowEnd - ticks[0].at);
            final = decision;
          } else {
            expect(decision.retryAfterMs).toBeGreaterThan(0);
          }
        }
      }
      expect(total).toBe(limit);
      expect(final).toBeDefined();
      if (quota === 'requests per day') expect(final?.requestsUsed).toBe(limit);
      else expect(final?.creditsUsedMicro).toBe(BigInt(limit) * 3_000_000n);
      expect(a.leaseStats.local + b.leaseStats.local).toBeGreaterThan(limit / 2);
      if (mode === 'mixed') expect(admittedNow).toBeGreaterThan(limit / 8);
    });
  }

  it("gives an idle instance's lease back: the other instance can use the whole quota", async () => {
    const id = keyId('idle');
    const limit = 2_000;
    const block = Math.floor(limit * FRACTION);
    const request = (nowMs: number): AdmissionRequest => ({
      keyId: id,
      nowMs,
      rateLimit: null,
      requestsPerDay: { limit, window: day },
      creditsPerMonth: null,
    });
    const first = await drive([a], request, 30, 20, 5);
    let total = first.flatMap((t) => t.decisions).filter((d) => d.outcome === 'allowed').length;
    expect(a.leaseStats.local).toBeGreaterThan(0);
    // Instance a goes quiet; its sweeper gives the lease back after idleMs (100 ms).
    now += 150;
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Instance b alone, without waiting for a's lease to expire in Redis: every unit is there for it.
    for (let round = 0; round < 200; round++) {
      const ticks = await drive([b], request, 1, 20, 1);
      const allowed = ticks[0].decisions.filter((d) => d.outcome === 'allowed').length;
      total += allowed;
      const refusal = ticks[0].decisions.find((d) => d.outcome !== 'allowed');
      if (refusal !== undefined) {
        expect(refusal.retryAfterMs).toBe(day.endMs - ticks[0].at);
        break;
      }
    }
    expect(total).toBe(limit);
    expect(block).toBeGreaterThan(4);
  });

  it("counts a lease's calls in the day they were admitted in, across the customer's midnight (a 23-hour day next)", async () => {
    const id = keyId('midnight');
    // The customer's day ends at `midnight`; the next one is 23 hours long (a DST change), as QuotaWindows gives.
    const midnight = day.endMs;
    const first: QuotaWindow = { startMs: day.startMs, endMs: midnight };
    const second: QuotaWindow = { startMs: midnight, endMs: midnight + 23 * 3_600_000 };
    const limit = 10_000;
    const request = (nowMs: number): AdmissionRequest => ({
      keyId: id,
      nowMs,
      rateLimit: null,
      requestsPerDay: { limit, window: nowMs < midnight ? first : second },
      creditsPerMonth: null,
    });
    now = midnight - 300;
    // 10 calls per 5 ms on each instance from 300 ms before midnight to 300 ms after it.
    const ticks = await drive([a, b], request, 120, 10, 5);
    let before = 0;
    let after = 0;
    for (const tick of ticks) {
      for (const decision of tick.decisions) {
        expect(decision.outcome).toBe('allowed');
        if (tick.at < midnight) before += 1;
        else after += 1;
        // The new day starts from zero: its used count never includes the day before's calls.
        if (tick.at >= midnight) expect(decision.requestsUsed).toBeLessThanOrEqual(after + limit / 8);
      }
    }
    expect(a.leaseStats.local + b.leaseStats.local).toBeGreaterThan((before + after) / 2);
    await a.close();
    await b.close();
    const admin = new Redis(REDIS_URL);
    try {
      // Every lease given back: each day's counter holds exactly the calls admitted in it.
      expect(Number(await admin.get(`km:{${id}}:d:${first.startMs}`))).toBe(before);
      expect(Number(await admin.get(`km:{${id}}:d:${second.startMs}`))).toBe(after);
      expect(await admin.hlen(`km:{${id}}:ql`)).toBe(0);
    } finally {
      admin.disconnect();
    }
    a = await RedisLimitStore.open({ url: REDIS_URL, clock });
    b = await RedisLimitStore.open({ url: REDIS_URL, clock });
  });

  it('a lease of an instance that stopped without giving it back expires: at most one block over the quota', async () => {
    const id = keyId('dead');
    const limit = 2_000;
    const block = Math.floor(limit * FRACTION);
    // This instance's sweeper never runs (frozen clock, huge idle time): like a crashed gateway.
    const dead = await RedisLimitStore.open({
      url: REDIS_URL,
      clock: () => T0,
      leases: { idleMs: 1e12 },
    });
    const request = (nowMs: number): AdmissionRequest => ({
      keyId: id,
      nowMs,
      rateLimit: null,
      requestsPerDay: { limit, window: day },
      creditsPerMonth: null,
    });
    let total = 0;
    try {
      const first = await drive([dead], request, 30, 20, 5);
      total = first.flatMap((t) => t.decisions).filter((d) => d.outcome === 'allowed').length;
      expect(dead.leaseStats.local).toBeGreaterThan(0);
    } finally {
      // Disconnect without returning anything (close() would give the lease back).
      (dead as unknown as { redis: { disconnect(): void } }).redis.disconnect();
      await dead.close();
    }
    now += TTL_MS + MARGIN_MS;
    for (let round = 0; round < 200; round++) {
      const ticks = await drive([b], request, 1, 20, 1);
      total += ticks[0].decisions.filter((d) => d.outcome === 'allowed').length;
      const refusal = ticks[0].decisions.find((d) => d.outcome !== 'allowed');
      if (refusal !== undefined) {
        expect(refusal.retryAfterMs).toBe(day.endMs - ticks[0].at);
        break;
      }
    }
    // Not starved: the whole quota was admitted; over by at most the dead instance's unreported block.
    expect(total).toBeGreaterThanOrEqual(limit);
    expect(total).toBeLessThanOrEqual(limit + block);
  });
});
