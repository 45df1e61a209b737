import type { QuotaWindow, RateLimit } from '@keymeter/domain';

/** What one call asks of a key's limits. Only the limits the key has are set. */
export interface AdmissionRequest {
  readonly keyId: string;
  readonly nowMs: number;
  readonly rateLimit: RateLimit | null;
  /** Requests per day in the customer's timezone: one request is counted when admitted. */
  readonly requestsPerDay: { readonly limit: number; readonly window: QuotaWindow } | null;
  /** Credits per month in the customer's timezone, in micro-credits: `costMicro` is reserved when admitted. */
  readonly creditsPerMonth: {
    readonly limitMicro: bigint;
    readonly costMicro: bigint;
    readonly window: QuotaWindow;
  } | null;
}

export type AdmissionOutcome = 'allowed' | 'rate_limited' | 'quota_exceeded';

export interface AdmissionDecision {
  readonly outcome: AdmissionOutcome;
  /** Wait before a retry can succeed (0 when allowed). */
  readonly retryAfterMs: number;
  /** Token bucket after the call (whole tokens left, ms until full), when the key has a rate limit. */
  readonly bucket?: { readonly remaining: number; readonly resetMs: number };
  /** Requests counted in today's window, including this call when allowed. */
  readonly requestsUsed?: number;
  /** Micro-credits counted in this month's window, including this call's reservation when allowed. */
  readonly creditsUsedMicro?: bigint;
  /** Set when the store could not be reached and the call was let through (fail-open). */
  readonly degraded?: boolean;
}

/** A decision under construction: stores build it field by field on every call (no spreads of temporaries). */
export type DecisionDraft = { -readonly [K in keyof AdmissionDecision]: AdmissionDecision[K] };

/**
 * Calls decided by a store, by where: in this process's own counters (in-process store), from an allowance
 * lease held in memory, or by a script run in Redis. Calls let through because Redis failed are not decisions
 * (the limit-store failure counter has them).
 */
export interface LimitDecisionCounts {
  readonly inProcess: number;
  readonly lease: number;
  readonly redis: number;
}

/** A correction after the call: what the admitted call should finally count for. */
export interface Settlement {
  readonly keyId: string;
  /** Window the request was counted in, and −1 to take it back (call not billable), else 0. */
  readonly requests: { readonly window: QuotaWindow; readonly delta: number } | null;
  /** Actual units minus the reserved route cost (negative when less was used or the call is not billable). */
  readonly credits: { readonly window: QuotaWindow; readonly deltaMicro: bigint } | null;
}

/**
 * Where rate-limit buckets and quota counters live: in this process, or in Redis so several gateways share
 * them. `admit` decides and counts atomically (a refused call consumes nothing); `settle` corrects the
 * counts after the response and is fire-and-forget.
 */
export interface LimitStore {
  readonly kind: 'in-process' | 'redis';
  admit(request: AdmissionRequest): Promise<AdmissionDecision>;
  /**
   * The same decision as `admit`, taken synchronously when the store can decide without I/O: always for the
   * in-process store, from a live allowance lease for the Redis store. `undefined` means "not now": nothing was
   * counted or changed, and the call goes to `admit`. The request path then skips a promise, its callbacks and
   * a microtask per call decided here.
   */
  readonly admitNow?: (request: AdmissionRequest) => AdmissionDecision | undefined;
  /** Decisions taken since the store opened, by where (read when /metrics is scraped). */
  decisions(): LimitDecisionCounts;
  settle(settlement: Settlement): void;
  close(): Promise<void>;
}
