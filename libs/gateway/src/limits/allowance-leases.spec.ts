import fc from 'fast-check';
import { AllowanceLeases, type LeaseGrant, type LeaseRun } from './allowance-leases';
import type { AdmissionDecision, AdmissionRequest } from './limit-store';

const DAY_MS = 86_400_000;
const T0 = 20_000 * DAY_MS + 3_600_000;
const day = (nowMs: number): { startMs: number; endMs: number } => {
  const startMs = Math.floor(nowMs / DAY_MS) * DAY_MS;
  return { startMs, endMs: startMs + DAY_MS };
};
const month = { startMs: T0 - 40 * DAY_MS, endMs: T0 + 40 * DAY_MS };

interface Step {
  readonly gapMs: number;
  /** Changes the key's rate limit (as a registry update would): a held lease no longer fits. */
  readonly slowRate: boolean;
  /** The call's route costs 2.5 credits instead of the usual cost. */
  readonly dearRoute: boolean;
  /** Runs the sweeper before the call. */
  readonly sweep: boolean;
  /** Redis grants nothing for the runs of this step. */
  readonly deny: boolean;
}

/** Everything the store would observe of one `AllowanceLeases`: decisions, lease runs, waiting calls. */
class Driver {
  readonly leases = new AllowanceLeases();
  readonly log: unknown[] = [];
  private readonly waiting: AdmissionRequest[] = [];

  constructor(
    private readonly decide: (leases: AllowanceLeases, r: AdmissionRequest) => AdmissionDecision | undefined,
  ) {}

  step(request: AdmissionRequest, step: Step): void {
    if (step.sweep) {
      this.leases.sweep(request.nowMs);
      this.runDue(step);
    }
    const decision = this.decide(this.leases, request);
    if (decision !== undefined) this.log.push(['decided', decision]);
    else if (this.leases.isBusy(request.keyId)) this.waiting.push(request);
    else this.log.push(['per-call', request.nowMs]);
    this.runDue(step);
  }

  /** Sends due runs and answers them at once (a grant of what was asked, or nothing), then the waiting calls. */
  private runDue(step: Step): void {
    if (!this.leases.hasDueRuns) return;
    const runs: LeaseRun[] = this.leases.dueRuns();
    this.log.push(['runs', runs]);
    for (const run of runs) {
      const grant: LeaseGrant = step.deny
        ? { tokens: 0, requests: 0, credits: 0n, bucketMicro: 0, requestsUsed: 0, creditsUsedMicro: 0n }
        : {
            tokens: run.wantTokens,
            requests: run.wantRequests,
            credits: run.wantCredits,
            bucketMicro: 1_000_000_000,
            requestsUsed: 17,
            creditsUsedMicro: 23_000_000n,
          };
      this.leases.granted(run, grant);
    }
    for (const request of this.waiting.splice(0)) {
      this.log.push(['after wait', this.leases.retry(request) ?? 'per-call']);
    }
  }
}

describe('AllowanceLeases.tryLease', () => {
  it('tryLease, then tryLocal when it declines, decides, counts and asks for leases exactly as tryLocal alone', () => {
    let decidedByTryLease = 0;
    let declinedByTryLease = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            gapMs: fc.oneof(
              { weight: 30, arbitrary: fc.integer({ min: 0, max: 3 }) },
              { weight: 1, arbitrary: fc.integer({ min: 0, max: 900 }) },
            ),
            slowRate: fc.integer({ min: 0, max: 30 }).map((n) => n === 0),
            dearRoute: fc.integer({ min: 0, max: 30 }).map((n) => n === 0),
            sweep: fc.integer({ min: 0, max: 20 }).map((n) => n === 0),
            deny: fc.integer({ min: 0, max: 10 }).map((n) => n === 0),
          }),
          { minLength: 50, maxLength: 400, size: 'max' },
        ),
        fc.boolean(),
        fc.constantFrom(0n, 1_000_000n),
        (steps: Step[], withRate, usualCostMicro) => {
          const plain = new Driver((leases, r) => leases.tryLocal(r));
          const sync = new Driver((leases, r) => {
            const decision = leases.tryLease(r);
            if (decision !== undefined) decidedByTryLease += 1;
            else declinedByTryLease += 1;
            return decision ?? leases.tryLocal(r);
          });
          let nowMs = T0;
          for (const step of steps) {
            nowMs += step.gapMs;
            const request: AdmissionRequest = {
              keyId: 'key_1',
              nowMs,
              rateLimit: withRate ? { rate: step.slowRate ? 5_000 : 10_000, burst: 10_000 } : null,
              requestsPerDay: { limit: 1_000_000, window: day(nowMs) },
              creditsPerMonth: {
                limitMicro: 10n ** 15n,
                costMicro: step.dearRoute ? 2_500_000n : usualCostMicro,
                window: month,
              },
            };
            plain.step(request, step);
            sync.step(request, step);
          }
          expect(sync.log).toEqual(plain.log);
          expect(sync.leases.stats).toEqual(plain.leases.stats);
        },
      ),
      { numRuns: 200 },
    );
    // Both branches were exercised.
    expect(decidedByTryLease).toBeGreaterThan(1_000);
    expect(declinedByTryLease).toBeGreaterThan(100);
  });

  it('declines without changing anything when no lease covers the call or a lease run is in flight', () => {
    const leases = new AllowanceLeases();
    const request = (nowMs: number): AdmissionRequest => ({
      keyId: 'key_2',
      nowMs,
      rateLimit: null,
      requestsPerDay: { limit: 1_000_000, window: day(nowMs) },
      creditsPerMonth: null,
    });
    // Unknown key: nothing decided, nothing asked for.
    expect(leases.tryLease(request(T0))).toBeUndefined();
    expect(leases.hasDueRuns).toBe(false);
    // A busy key (100 calls in 10 ms) asks for a lease: while the run is in flight, tryLease declines.
    let nowMs = T0;
    for (let i = 0; i < 100 && !leases.hasDueRuns; i++) {
      nowMs += 0.1;
      expect(leases.tryLocal(request(nowMs))).toBeUndefined();
    }
    const [run] = leases.dueRuns();
    expect(run.wantRequests).toBeGreaterThanOrEqual(4);
    expect(leases.isBusy('key_2')).toBe(true);
    expect(leases.tryLease(request(nowMs))).toBeUndefined();
    leases.granted(run, {
      tokens: 0,
      requests: 5,
      credits: 0n,
      bucketMicro: 0,
      requestsUsed: 40,
      creditsUsedMicro: 0n,
    });
    // Granted: five calls from the lease, used counts as Redis would have them, then it declines again.
    const used: (number | undefined)[] = [];
    for (let i = 0; i < 5; i++) used.push(leases.tryLease(request(nowMs))?.requestsUsed);
    expect(used).toEqual([41, 42, 43, 44, 45]);
    expect(leases.stats.local).toBe(5);
    expect(leases.tryLease(request(nowMs))).toBeUndefined();
    expect(leases.hasDueRuns).toBe(false);
    expect(leases.stats.local).toBe(5);
  });
});
