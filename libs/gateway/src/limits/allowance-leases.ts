import { bucketParameters, MICRO_TOKENS_PER_TOKEN, type RateLimit } from '@keymeter/domain';
import type { AdmissionDecision, AdmissionRequest, DecisionDraft } from './limit-store';

/** How allowance leases are sized and how long they live. */
export interface LeasePolicy {
  /** A lease may be spent for this long after it was asked for. */
  readonly ttlMs: number;
  /** Redis keeps a lease's quota units reserved this much longer than the holder spends them (clock skew). */
  readonly expiryMarginMs: number;
  /** A block holds about this many ms of the key's calls as observed on this instance. */
  readonly blockMs: number;
  /** A block is at most this fraction of each limit (bucket size or rate per second, day quota, month quota). */
  readonly limitFraction: number;
  /** A lease unused for this long is given back before it expires. */
  readonly idleMs: number;
}

export const DEFAULT_LEASE_POLICY: LeasePolicy = {
  ttlMs: 500,
  expiryMarginMs: 100,
  blockMs: 200,
  limitFraction: 1 / 16,
  idleMs: 100,
};

/** Smaller blocks are not worth a lease (the script grants nothing below it either). */
export const MIN_BLOCK = 4;
/** After Redis granted nothing (a limit is close), calls go one by one this long before asking again. */
const DENIED_BACKOFF_MS = 250;
/** After a failed lease run, this long before asking again (calls go one by one and fail open meanwhile). */
const FAILURE_BACKOFF_MS = 1_000;
/** A key not seen for this long (and holding no lease) is forgotten. */
const FORGET_AFTER_MS = 10_000;

/**
 * The limits and windows a lease is granted under: the lease script gets them with each run, and a lease keeps
 * them to tell whether a call still falls under the same ones. -1 (-1n) for a limit the key does not have.
 */
export interface LeaseTerms {
  readonly rate: number;
  readonly burst: number;
  /** The rate limit's bucket as the scripts keep it (0 and 0 without a rate limit). */
  readonly perMs: number;
  readonly capacity: number;
  readonly dayLimit: number;
  readonly dayStartMs: number;
  readonly dayEndMs: number;
  readonly monthLimitMicro: bigint;
  readonly monthStartMs: number;
  readonly monthEndMs: number;
}

/** A block of a key's allowance held by this instance, and what it needs to answer like Redis would. */
interface Lease extends LeaseTerms {
  readonly grantedAtMs: number;
  readonly expiresAtMs: number;
  readonly grantedTokens: number;
  readonly grantedRequests: number;
  readonly grantedCredits: bigint;
  tokens: number;
  requests: number;
  credits: bigint;
  /** Micro-tokens left in the shared bucket right after the grant. */
  readonly bucketMicro: number;
  /** Requests and micro-credits used (counted plus leased to other instances) at the grant. */
  readonly requestsUsed: number;
  readonly creditsUsedMicro: bigint;
}

interface KeyState {
  lease: Lease | null;
  /** A lease run for this key is in flight. */
  busy: boolean;
  calls: number;
  sinceMs: number;
  lastCallMs: number;
  notBeforeMs: number;
}

/** One lease to renew or give back: what the lease script gets for it. */
export interface LeaseRun extends LeaseTerms {
  readonly keyId: string;
  readonly nowMs: number;
  /** The previous lease: unspent tokens back to the bucket, what was admitted from it to its windows. */
  readonly returnedTokens: number;
  readonly reportedRequests: number;
  readonly reportDayStartMs: number;
  readonly reportDayEndMs: number;
  readonly reportedCredits: bigint;
  readonly reportMonthStartMs: number;
  readonly reportMonthEndMs: number;
  readonly wantTokens: number;
  readonly wantRequests: number;
  readonly wantCredits: bigint;
  readonly minCredits: bigint;
  /** Expiry as Redis keeps it (the local one plus the margin). */
  readonly redisExpiresAtMs: number;
}

/** What the lease script answered for one run. */
export interface LeaseGrant {
  readonly tokens: number;
  readonly requests: number;
  readonly credits: bigint;
  readonly bucketMicro: number;
  readonly requestsUsed: number;
  readonly creditsUsedMicro: bigint;
}

/**
 * The allowance leases of one gateway instance (no I/O: the Redis store runs what it asks for). A key whose
 * limits are large enough against its traffic gets a block of tokens, requests and micro-credits from Redis and
 * spends it here; its other calls, and every call of a key with small limits, are decided by Redis one by one.
 */
export class AllowanceLeases {
  private readonly keys = new Map<string, KeyState>();
  private readonly due: LeaseRun[] = [];

  constructor(private readonly policy: LeasePolicy = DEFAULT_LEASE_POLICY) {}

  /** Lease counts for tests and metrics: calls decided from a lease, lease runs asked for. */
  readonly stats = { local: 0, runs: 0 };

  /**
   * Decides the call from this instance's lease when it can (undefined: ask Redis). May queue a lease run
   * (take `dueRuns()` afterwards).
   */
  tryLocal(request: AdmissionRequest): AdmissionDecision | undefined {
    const { keyId, nowMs } = request;
    let state = this.keys.get(keyId);
    if (state === undefined) {
      state = { lease: null, busy: false, calls: 0, sinceMs: nowMs, lastCallMs: nowMs, notBeforeMs: 0 };
      this.keys.set(keyId, state);
    }
    state.calls += 1;
    state.lastCallMs = nowMs;
    const lease = state.lease;
    if (lease !== null && fits(lease, request)) return this.spend(lease, request);
    if (!state.busy && nowMs >= state.notBeforeMs) this.renew(keyId, state, request);
    return undefined;
  }

  /**
   * Decides the call from a live lease that covers it, exactly as `tryLocal` would; otherwise changes nothing
   * and returns undefined (the caller then goes through `tryLocal`, which counts the call and may ask for a
   * lease). No lease is held while a lease run for the key is in flight, so its calls still wait for it.
   */
  tryLease(request: AdmissionRequest): AdmissionDecision | undefined {
    const state = this.keys.get(request.keyId);
    if (state === undefined || state.busy) return undefined;
    const lease = state.lease;
    if (lease === null || !fits(lease, request)) return undefined;
    state.calls += 1;
    state.lastCallMs = request.nowMs;
    return this.spend(lease, request);
  }

  /** Whether a lease run for the key is in flight (its calls wait for it rather than race it). */
  isBusy(keyId: string): boolean {
    return this.keys.get(keyId)?.busy === true;
  }

  /** A call that waited for a lease run: decided from the new lease if it fits (undefined: ask Redis). */
  retry(request: AdmissionRequest): AdmissionDecision | undefined {
    const lease = this.keys.get(request.keyId)?.lease;
    return lease !== null && lease !== undefined && fits(lease, request)
      ? this.spend(lease, request)
      : undefined;
  }

  /** Lease runs queued since the last call (the caller sends them). */
  dueRuns(): LeaseRun[] {
    return this.due.splice(0, this.due.length);
  }

  get hasDueRuns(): boolean {
    return this.due.length > 0;
  }

  /** Applies the script's answer to a run. */
  granted(run: LeaseRun, grant: LeaseGrant): void {
    const state = this.keys.get(run.keyId);
    if (state === undefined) return;
    state.busy = false;
    if (grant.tokens === 0 && grant.requests === 0 && grant.credits === 0n) {
      if (run.wantTokens > 0 || run.wantRequests > 0 || run.wantCredits > 0n)
        state.notBeforeMs = run.nowMs + DENIED_BACKOFF_MS;
      return;
    }
    state.lease = {
      ...termsOf(run),
      grantedAtMs: run.nowMs,
      expiresAtMs: run.redisExpiresAtMs - this.policy.expiryMarginMs,
      grantedTokens: grant.tokens,
      grantedRequests: grant.requests,
      grantedCredits: grant.credits,
      tokens: grant.tokens,
      requests: grant.requests,
      credits: grant.credits,
      bucketMicro: grant.bucketMicro,
      requestsUsed: grant.requestsUsed,
      creditsUsedMicro: grant.creditsUsedMicro,
    };
  }

  /** A run that failed: what it returned and reported is lost (bounded by one block), retry later. */
  failed(run: LeaseRun): void {
    const state = this.keys.get(run.keyId);
    if (state === undefined) return;
    state.busy = false;
    state.notBeforeMs = run.nowMs + FAILURE_BACKOFF_MS;
  }

  /** Queues the return of leases idle for `idleMs` or expired, and forgets idle keys. */
  sweep(nowMs: number): void {
    for (const [keyId, state] of this.keys) {
      if (state.busy) continue;
      const lease = state.lease;
      if (lease !== null) {
        if (nowMs >= lease.expiresAtMs || nowMs - state.lastCallMs >= this.policy.idleMs) {
          state.lease = null;
          state.busy = true;
          this.due.push(returnRun(keyId, lease, nowMs));
        }
      } else if (nowMs - state.lastCallMs >= FORGET_AFTER_MS) {
        this.keys.delete(keyId);
      }
    }
  }

  /** Queues the return of every lease held (on close). */
  returnAll(nowMs: number): void {
    for (const [keyId, state] of this.keys) {
      if (state.lease === null) continue;
      this.due.push(returnRun(keyId, state.lease, nowMs));
      state.lease = null;
      state.busy = true;
    }
  }

  private spend(lease: Lease, request: AdmissionRequest): AdmissionDecision {
    this.stats.local += 1;
    const decision: DecisionDraft = {
      outcome: 'allowed',
      retryAfterMs: 0,
    };
    if (request.rateLimit !== null) {
      lease.tokens -= 1;
      // The shared bucket as of the grant, refilled since, plus what this lease still holds.
      const elapsed = Math.max(0, request.nowMs - lease.grantedAtMs);
      const held = lease.tokens * MICRO_TOKENS_PER_TOKEN;
      const tokens = Math.min(lease.capacity, lease.bucketMicro + elapsed * lease.perMs + held);
      decision.bucket = {
        remaining: Math.floor(tokens / MICRO_TOKENS_PER_TOKEN),
        resetMs: Math.ceil((lease.capacity - tokens) / lease.perMs),
      };
    }
    if (request.requestsPerDay !== null) {
      lease.requests -= 1;
      decision.requestsUsed = lease.requestsUsed + lease.grantedRequests - lease.requests;
    }
    if (request.creditsPerMonth !== null) {
      lease.credits -= request.creditsPerMonth.costMicro;
      decision.creditsUsedMicro = lease.creditsUsedMicro + lease.grantedCredits - lease.credits;
    }
    return decision;
  }

  /** Queues a run that gives back the key's lease (if any) and asks for a block sized to its traffic. */
  private renew(keyId: string, state: KeyState, request: AdmissionRequest): void {
    const { nowMs, rateLimit, requestsPerDay, creditsPerMonth } = request;
    const cost = creditsPerMonth === null ? 0n : creditsPerMonth.costMicro;
    const unitCost = cost > 0n ? cost : 1n;
    const fraction = this.policy.limitFraction;
    let cap = Number.MAX_SAFE_INTEGER;
    if (rateLimit !== null) cap = Math.floor(Math.min(rateLimit.burst, rateLimit.rate) * fraction);
    if (requestsPerDay !== null) cap = Math.min(cap, Math.floor(requestsPerDay.limit * fraction));
    if (creditsPerMonth !== null) {
      const micro = Number(creditsPerMonth.limitMicro) * fraction;
      cap = Math.min(cap, Math.floor(micro / Number(unitCost)));
    }
    const elapsed = nowMs - state.sinceMs;
    const expected = Math.ceil((state.calls * this.policy.blockMs) / Math.max(1, elapsed));
    // Over a second of quiet traffic the observation starts again.
    if (elapsed >= 1_000) {
      state.calls = 0;
      state.sinceMs = nowMs;
    }
    const want = Math.min(cap, expected);
    const lease = state.lease;
    if (want < MIN_BLOCK && lease === null) return;
    state.calls = 0;
    state.sinceMs = nowMs;
    state.lease = null;
    state.busy = true;
    const asks = want >= MIN_BLOCK;
    const expiresAt = nowMs + this.policy.ttlMs + this.policy.expiryMarginMs;
    this.due.push({
      keyId,
      nowMs,
      ...termsFor(request),
      ...reported(lease),
      wantTokens: asks && rateLimit !== null ? want : 0,
      wantRequests: asks && requestsPerDay !== null ? want : 0,
      wantCredits: asks && creditsPerMonth !== null ? BigInt(want) * unitCost : 0n,
      minCredits: BigInt(MIN_BLOCK) * unitCost,
      redisExpiresAtMs: expiresAt,
    });
  }
}

/** Whether a call can be admitted from the lease: same limits and windows, not expired, enough left. */
function fits(lease: Lease, request: AdmissionRequest): boolean {
  const { nowMs, rateLimit, requestsPerDay, creditsPerMonth } = request;
  if (nowMs >= lease.expiresAtMs || nowMs < lease.grantedAtMs) return false;
  if (rateLimit === null) {
    if (lease.perMs !== 0) return false;
  } else if (lease.tokens < 1 || !sameRate(lease, rateLimit)) return false;
  if (requestsPerDay === null) {
    if (lease.dayLimit !== -1) return false;
  } else if (
    lease.requests < 1 ||
    lease.dayLimit !== requestsPerDay.limit ||
    lease.dayStartMs !== requestsPerDay.window.startMs
  )
    return false;
  if (creditsPerMonth === null) return lease.monthLimitMicro === -1n;
  return (
    lease.credits > 0n &&
    lease.credits >= creditsPerMonth.costMicro &&
    lease.monthLimitMicro === creditsPerMonth.limitMicro &&
    lease.monthStartMs === creditsPerMonth.window.startMs
  );
}

function sameRate(lease: Lease, rateLimit: RateLimit): boolean {
  return lease.rate === rateLimit.rate && lease.burst === rateLimit.burst;
}

type Reported = Pick<
  LeaseRun,
  | 'returnedTokens'
  | 'reportedRequests'
  | 'reportDayStartMs'
  | 'reportDayEndMs'
  | 'reportedCredits'
  | 'reportMonthStartMs'
  | 'reportMonthEndMs'
>;

/** What a lease gives back: its unspent tokens, and the calls admitted from it for its own windows. */
function reported(lease: Lease | null): Reported {
  if (lease === null) {
    return {
      returnedTokens: 0,
      reportedRequests: 0,
      reportDayStartMs: 0,
      reportDayEndMs: 0,
      reportedCredits: 0n,
      reportMonthStartMs: 0,
      reportMonthEndMs: 0,
    };
  }
  return {
    returnedTokens: lease.tokens,
    reportedRequests: lease.grantedRequests - lease.requests,
    reportDayStartMs: lease.dayStartMs,
    reportDayEndMs: lease.dayEndMs,
    reportedCredits: lease.grantedCredits - lease.credits,
    reportMonthStartMs: lease.monthStartMs,
    reportMonthEndMs: lease.monthEndMs,
  };
}

/** A run that only gives a lease back (nothing asked for). */
function returnRun(keyId: string, lease: Lease, nowMs: number): LeaseRun {
  return {
    keyId,
    nowMs,
    ...termsOf(lease),
    ...reported(lease),
    wantTokens: 0,
    wantRequests: 0,
    wantCredits: 0n,
    minCredits: 0n,
    redisExpiresAtMs: nowMs,
  };
}

/** The terms alone, copied field by field (a lease or a run carries more that must not travel with them). */
function termsOf(terms: LeaseTerms): LeaseTerms {
  return {
    rate: terms.rate,
    burst: terms.burst,
    perMs: terms.perMs,
    capacity: terms.capacity,
    dayLimit: terms.dayLimit,
    dayStartMs: terms.dayStartMs,
    dayEndMs: terms.dayEndMs,
    monthLimitMicro: terms.monthLimitMicro,
    monthStartMs: terms.monthStartMs,
    monthEndMs: terms.monthEndMs,
  };
}

/** The terms a call's limits and windows give. */
function termsFor({ rateLimit, requestsPerDay, creditsPerMonth }: AdmissionRequest): LeaseTerms {
  const bucket = rateLimit === null ? { perMs: 0, capacity: 0 } : bucketParameters(rateLimit);
  return {
    rate: rateLimit?.rate ?? 0,
    burst: rateLimit?.burst ?? 0,
    perMs: bucket.perMs,
    capacity: bucket.capacity,
    dayLimit: requestsPerDay?.limit ?? -1,
    dayStartMs: requestsPerDay?.window.startMs ?? 0,
    dayEndMs: requestsPerDay?.window.endMs ?? 0,
    monthLimitMicro: creditsPerMonth?.limitMicro ?? -1n,
    monthStartMs: creditsPerMonth?.window.startMs ?? 0,
    monthEndMs: creditsPerMonth?.window.endMs ?? 0,
  };
}
