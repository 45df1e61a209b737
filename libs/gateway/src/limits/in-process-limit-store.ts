import {
  bucketParameters,
  MICRO_TOKENS_PER_TOKEN,
  takeToken,
  type QuotaWindow,
  type RateLimit,
  type TokenBucketState,
} from '@keymeter/domain';
import type {
  AdmissionDecision,
  AdmissionRequest,
  DecisionDraft,
  LimitDecisionCounts,
  LimitStore,
  Settlement,
} from './limit-store';

interface WindowCounter {
  readonly endMs: number;
  value: bigint;
}

/** Forgets counters of ended windows and idle buckets every minute, so memory follows active keys. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Limits held in this process: right for a single gateway (no REDIS_URL). Decisions are synchronous, so
 * decide-and-count is atomic without locks.
 */
export class InProcessLimitStore implements LimitStore {
  readonly kind = 'in-process' as const;
  private readonly buckets = new Map<string, { state: TokenBucketState; fullAtMs: number }>();
  private readonly counters = new Map<string, WindowCounter>();
  private readonly sweeper: NodeJS.Timeout;
  private decided = 0;

  constructor(private readonly clock: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  admit(request: AdmissionRequest): Promise<AdmissionDecision> {
    return Promise.resolve(this.decide(request));
  }

  readonly admitNow = (request: AdmissionRequest): AdmissionDecision => this.decide(request);

  decisions(): LimitDecisionCounts {
    return { inProcess: this.decided, lease: 0, redis: 0 };
  }

  settle(settlement: Settlement): void {
    if (settlement.requests !== null && settlement.requests.delta !== 0) {
      this.add(
        requestsKey(settlement.keyId, settlement.requests.window),
        settlement.requests.window,
        BigInt(settlement.requests.delta),
      );
    }
    if (settlement.credits !== null && settlement.credits.deltaMicro !== 0n) {
      this.add(
        creditsKey(settlement.keyId, settlement.credits.window),
        settlement.credits.window,
        settlement.credits.deltaMicro,
      );
    }
  }

  close(): Promise<void> {
    clearInterval(this.sweeper);
    return Promise.resolve();
  }

  private decide(request: AdmissionRequest): AdmissionDecision {
    this.decided += 1;
    const { keyId, nowMs, rateLimit, requestsPerDay, creditsPerMonth } = request;
    let bucket: ReturnType<typeof takeToken> | undefined;
    if (rateLimit !== null) {
      bucket = takeToken(this.buckets.get(keyId)?.state, nowMs, rateLimit);
      if (!bucket.allowed) {
        // A refused call changes no state worth keeping beyond the refill time stamp.
        this.buckets.set(keyId, { state: bucket.state, fullAtMs: nowMs + bucket.resetMs });
        return { outcome: 'rate_limited', retryAfterMs: bucket.retryAfterMs, bucket: bucketView(bucket) };
      }
    }
    const dayKey = requestsPerDay && requestsKey(keyId, requestsPerDay.window);
    const monthKey = creditsPerMonth && creditsKey(keyId, creditsPerMonth.window);
    const requestsUsed = dayKey ? this.value(dayKey, nowMs) : 0n;
    const creditsUsed = monthKey ? this.value(monthKey, nowMs) : 0n;
    const dayRefused = requestsPerDay !== null && requestsUsed + 1n > BigInt(requestsPerDay.limit);
    const monthRefused =
      creditsPerMonth !== null && creditsUsed + creditsPerMonth.costMicro > creditsPerMonth.limitMicro;
    if (dayRefused || monthRefused) {
      const dayWait = dayRefused && requestsPerDay ? requestsPerDay.window.endMs - nowMs : 0;
      const monthWait = monthRefused && creditsPerMonth ? creditsPerMonth.window.endMs - nowMs : 0;
      // Built field by field (no spreads of temporary objects): this runs on every call.
      const refused: DecisionDraft = {
        outcome: 'quota_exceeded',
        retryAfterMs: Math.max(dayWait, monthWait),
      };
      if (bucket && rateLimit) refused.bucket = untakenBucketView(bucket, rateLimit);
      if (requestsPerDay) refused.requestsUsed = Number(requestsUsed);
      if (creditsPerMonth) refused.creditsUsedMicro = creditsUsed;
      return refused;
    }
    if (bucket && rateLimit)
      this.buckets.set(keyId, { state: bucket.state, fullAtMs: nowMs + bucket.resetMs });
    if (dayKey && requestsPerDay) this.add(dayKey, requestsPerDay.window, 1n);
    if (monthKey && creditsPerMonth) this.add(monthKey, creditsPerMonth.window, creditsPerMonth.costMicro);
    const allowed: DecisionDraft = { outcome: 'allowed', retryAfterMs: 0 };
    if (bucket) allowed.bucket = bucketView(bucket);
    if (requestsPerDay) allowed.requestsUsed = Number(requestsUsed + 1n);
    if (creditsPerMonth) allowed.creditsUsedMicro = creditsUsed + creditsPerMonth.costMicro;
    return allowed;
  }

  private value(key: string, nowMs: number): bigint {
    const counter = this.counters.get(key);
    return counter === undefined || counter.endMs <= nowMs ? 0n : counter.value;
  }

  private add(key: string, window: QuotaWindow, delta: bigint): void {
    const counter = this.counters.get(key);
    if (counter === undefined) {
      this.counters.set(key, { endMs: window.endMs, value: delta < 0n ? 0n : delta });
    } else {
      counter.value = counter.value + delta < 0n ? 0n : counter.value + delta;
    }
  }

  private sweep(): void {
    const now = this.clock();
    for (const [key, counter] of this.counters) if (counter.endMs <= now) this.counters.delete(key);
    for (const [key, bucket] of this.buckets) if (bucket.fullAtMs <= now) this.buckets.delete(key);
  }
}

/** The bucket as it stands when the call was refused by a quota: its token was not taken. */
function untakenBucketView(
  decision: ReturnType<typeof takeToken>,
  limit: RateLimit,
): { remaining: number; resetMs: number } {
  const { perMs, capacity } = bucketParameters(limit);
  const tokens = Math.round(decision.state.tokens * MICRO_TOKENS_PER_TOKEN) + MICRO_TOKENS_PER_TOKEN;
  return {
    remaining: Math.floor(tokens / MICRO_TOKENS_PER_TOKEN),
    resetMs: Math.ceil((capacity - tokens) / perMs),
  };
}

function bucketView(decision: ReturnType<typeof takeToken>): { remaining: number; resetMs: number } {
  return { remaining: decision.remaining, resetMs: decision.resetMs };
}

/** Counter names carry the window start, so a new day or month starts from zero. */
export function requestsKey(keyId: string, window: QuotaWindow): string {
  return `${keyId}:day:${window.startMs}`;
}

export function creditsKey(keyId: string, window: QuotaWindow): string {
  return `${keyId}:month:${window.startMs}`;
}
