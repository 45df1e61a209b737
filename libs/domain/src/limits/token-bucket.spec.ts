import fc from 'fast-check';
import { takeToken, type RateLimit, type TokenBucketState } from './token-bucket';

const T0 = Date.UTC(2025, 0, 1);

/** Runs calls at the given instants from a new key; returns the instants that were allowed. */
function run(limit: RateLimit, instants: readonly number[]): number[] {
  let state: TokenBucketState | undefined;
  const allowed: number[] = [];
  for (const now of instants) {
    const decision = takeToken(state, now, limit);
    state = decision.state;
    if (decision.allowed) allowed.push(now);
  }
  return allowed;
}

const limitArb = fc.record({
  rate: fc.integer({ min: 1, max: 200_000 }).map((thousandths) => thousandths / 1000),
  burst: fc.integer({ min: 1, max: 20 }),
});
const instantsArb = fc
  .array(fc.integer({ min: 0, max: 1500 }), { minLength: 1, maxLength: 120 })
  .map((gaps) => gaps.reduce<number[]>((acc, gap) => [...acc, (acc[acc.length - 1] ?? T0) + gap], []));

describe('takeToken', () => {
  it('lets a new key spend its whole burst at once, then refuses', () => {
    const limit = { rate: 1, burst: 3 };
    const decisions = [0, 0, 0, 0].reduce<ReturnType<typeof takeToken>[]>(
      (acc) => [...acc, takeToken(acc[acc.length - 1]?.state, T0, limit)],
      [],
    );
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((decision) => decision.remaining)).toEqual([2, 1, 0, 0]);
    expect(decisions[3].retryAfterMs).toBe(1000);
    expect(decisions[3].resetMs).toBe(3000);
  });

  it('refills at the rate: one token per 1/rate seconds, never above burst', () => {
    const limit = { rate: 4, burst: 2 };
    let state = takeToken(takeToken(undefined, T0, limit).state, T0, limit).state;
    expect(takeToken(state, T0 + 249, limit).allowed).toBe(false);
    const refilled = takeToken(state, T0 + 250, limit);
    expect(refilled.allowed).toBe(true);
    expect(refilled.remaining).toBe(0);
    state = takeToken(state, T0 + 60_000, limit).state;
    expect(state.tokens).toBe(1);
  });

  it('handles fractional rates exactly: 0.5 req/s is one request every 2 s', () => {
    const limit = { rate: 0.5, burst: 1 };
    const first = takeToken(undefined, T0, limit);
    const second = takeToken(first.state, T0 + 1999, limit);
    expect([first.allowed, second.allowed, second.retryAfterMs]).toEqual([true, false, 1]);
    expect(takeToken(first.state, T0 + 2000, limit).allowed).toBe(true);
  });

  it('reports the time until the bucket is full', () => {
    const limit = { rate: 10, burst: 5 };
    const decision = takeToken(undefined, T0, limit);
    expect(decision.resetMs).toBe(100);
    expect(takeToken(undefined, T0, { rate: 3, burst: 1 }).resetMs).toBe(334);
  });

  it('refills nothing when the clock goes backwards and keeps the later timestamp', () => {
    const limit = { rate: 1, burst: 1 };
    const spent = takeToken(undefined, T0 + 10_000, limit).state;
    const earlier = takeToken(spent, T0, limit);
    expect(earlier.allowed).toBe(false);
    expect(earlier.state.updatedAtMs).toBe(T0 + 10_000);
    expect(takeToken(earlier.state, T0 + 11_000, limit).allowed).toBe(true);
  });

  it('treats a corrupt stored state as a new key', () => {
    const limit = { rate: 1, burst: 2 };
    const decision = takeToken({ tokens: Number.NaN, updatedAtMs: T0 }, T0, limit);
    expect([decision.allowed, decision.remaining]).toEqual([true, 1]);
  });

  it('refuses limits outside the accepted range', () => {
    expect(() => takeToken(undefined, T0, { rate: 0, burst: 1 })).toThrow(/rate/);
    expect(() => takeToken(undefined, T0, { rate: 1, burst: 0 })).toThrow(/burst/);
    expect(() => takeToken(undefined, T0, { rate: 1, burst: 1.5 })).toThrow(/burst/);
    expect(() => takeToken(undefined, Number.NaN, { rate: 1, burst: 1 })).toThrow(/nowMs/);
  });

  it('never allows more than burst + rate·t calls in any window of length t', () => {
    fc.assert(
      fc.property(limitArb, instantsArb, (limit, instants) => {
        const allowed = run(limit, instants);
        const perMs = Math.round(limit.rate * 1000); // micro-tokens per ms
        for (let first = 0; first < allowed.length; first += 1) {
          for (let last = first; last < allowed.length; last += 1) {
            const count = last - first + 1;
            const t = allowed[last] - allowed[first];
            // count ≤ burst + rate × t / 1000, in integers of micro-tokens
            expect(count * 1_000_000).toBeLessThanOrEqual(limit.burst * 1_000_000 + perMs * t);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('states an exact retry-after: refused 1 ms earlier, allowed at that instant', () => {
    fc.assert(
      fc.property(limitArb, instantsArb, fc.integer({ min: 0, max: 5 }), (limit, instants, extra) => {
        let state: TokenBucketState | undefined;
        for (const now of instants) state = takeToken(state, now, limit).state;
        const last = instants[instants.length - 1];
        // Drain whatever is left so the next call is refused.
        let decision = takeToken(state, last, limit);
        for (let index = 0; decision.allowed && index < limit.burst + extra + 1; index += 1) {
          decision = takeToken(decision.state, last, limit);
        }
        fc.pre(!decision.allowed);
        expect(decision.retryAfterMs).toBeGreaterThan(0);
        expect(takeToken(decision.state, last + decision.retryAfterMs - 1, limit).allowed).toBe(false);
        expect(takeToken(decision.state, last + decision.retryAfterMs, limit).allowed).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('allows every call of a client that keeps to the rate', () => {
    fc.assert(
      fc.property(limitArb, fc.integer({ min: 1, max: 50 }), (limit, calls) => {
        const spacing = Math.ceil(1000 / limit.rate);
        const instants = Array.from({ length: calls }, (_, index) => T0 + index * spacing);
        expect(run(limit, instants)).toEqual(instants);
      }),
    );
  });
});
