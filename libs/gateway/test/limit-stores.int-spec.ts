import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  InProcessLimitStore,
  RedisLimitStore,
  type AdmissionDecision,
  type AdmissionRequest,
} from '@keymeter/gateway';

const REDIS_URL = 'redis://127.0.0.1:6379';
// Windows around the real time: counters expire at their window's end by Redis's own clock.
const DAY_MS = 86_400_000;
const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
const day = { startMs: today, endMs: today + DAY_MS };
/** Calls start an hour into the day, so a whole scenario (under a minute) stays inside it. */
const T0 = today + 3_600_000;
const month = { startMs: day.startMs - 10 * DAY_MS, endMs: day.endMs + 20 * DAY_MS };

/** What both stores must agree on (the Redis store leaves quota counts out of a rate-limited answer). */
function comparable(decision: AdmissionDecision): unknown {
  return {
    outcome: decision.outcome,
    retryAfterMs: decision.retryAfterMs,
    bucket: decision.bucket,
    ...(decision.outcome === 'rate_limited'
      ? {}
      : { requestsUsed: decision.requestsUsed, creditsUsedMicro: decision.creditsUsedMicro }),
  };
}

describe('limit stores (real Redis)', () => {
  let redis: RedisLimitStore;

  beforeAll(async () => {
    redis = await RedisLimitStore.open({ url: REDIS_URL });
  });

  afterAll(async () => {
    await redis.close();
  });

  it('the Redis script decides every call exactly as the in-process store does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          rate: fc.integer({ min: 1, max: 20_000 }).map((milli) => milli / 1000),
          burst: fc.integer({ min: 1, max: 5 }),
          requestsPerDay: fc.option(fc.integer({ min: 0, max: 8 }), { nil: null }),
          creditsPerMonthMicro: fc.option(fc.bigInt({ min: 0n, max: 5_000_000n }), { nil: null }),
          calls: fc.array(
            fc.record({
              gapMs: fc.integer({ min: 0, max: 1_500 }),
              costMicro: fc.bigInt({ min: 0n, max: 2_000_000n }),
              reportedMicro: fc.bigInt({ min: 0n, max: 3_000_000n }),
            }),
            { minLength: 1, maxLength: 25 },
          ),
        }),
        async (scenario) => {
          const keyId = `key_parity_${randomBytes(6).toString('hex')}`;
          const memory = new InProcessLimitStore(() => T0);
          let now = T0;
          try {
            for (const call of scenario.calls) {
              now += call.gapMs;
              const request: AdmissionRequest = {
                keyId,
                nowMs: now,
                rateLimit: { rate: scenario.rate, burst: scenario.burst },
                requestsPerDay:
                  scenario.requestsPerDay === null ? null : { limit: scenario.requestsPerDay, window: day },
                creditsPerMonth:
                  scenario.creditsPerMonthMicro === null
                    ? null
                    : { limitMicro: scenario.creditsPerMonthMicro, costMicro: call.costMicro, window: month },
              };
              const expected = await memory.admit(request);
              const actual = await redis.admit(request);
              expect(actual.degraded).toBeUndefined();
              expect(comparable(actual)).toEqual(comparable(expected));
              if (expected.outcome === 'allowed' && request.creditsPerMonth !== null) {
                // The upstream reported different units: both stores take the same correction.
                const settlement = {
                  keyId,
                  requests: null,
                  credits: { window: month, deltaMicro: call.reportedMicro - call.costMicro },
                };
                memory.settle(settlement);
                redis.settle(settlement);
                await new Promise((resolve) => setTimeout(resolve, 5));
              }
            }
          } finally {
            await memory.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('decides concurrent calls of several keys (one script run) exactly as one-by-one calls in arrival order', async () => {
    const run = randomBytes(6).toString('hex');
    const keys = [0, 1, 2].map((index) => `key_batch_${run}_${index}`);
    const requests: AdmissionRequest[] = Array.from({ length: 90 }, (_, index) => ({
      keyId: keys[index % keys.length],
      nowMs: T0 + index,
      rateLimit: { rate: 0.001, burst: 20 + (index % keys.length) },
      requestsPerDay: { limit: 25, window: day },
      creditsPerMonth: { limitMicro: 18_000_000n, costMicro: 1_000_000n, window: month },
    }));
    const memory = new InProcessLimitStore(() => T0);
    try {
      const expected: AdmissionDecision[] = [];
      for (const request of requests) expected.push(await memory.admit(request));
      // All issued in one turn of the event loop: they travel in one script run.
      const actual = await Promise.all(requests.map((request) => redis.admit(request)));
      expect(actual.map(comparable)).toEqual(expected.map(comparable));
      expect(actual.filter((decision) => decision.outcome === 'allowed')).toHaveLength(3 * 18);
    } finally {
      await memory.close();
    }
  });

  it('lets calls through and reports the failure when Redis cannot be reached', async () => {
    const failures: unknown[] = [];
    const store = await RedisLimitStore.open({
      url: 'redis://127.0.0.1:1',
      onFailure: (e) => failures.push(e),
    });
    try {
      const decision = await store.admit({
        keyId: 'key_down',
        nowMs: T0,
        rateLimit: { rate: 1, burst: 1 },
        requestsPerDay: { limit: 0, window: day },
        creditsPerMonth: null,
      });
      expect(decision).toMatchObject({ outcome: 'allowed', degraded: true });
      expect(failures.length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });
});
