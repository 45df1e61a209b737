/** A key's rate limit: a sustained `rate` in requests per second and a `burst` of requests allowed at once. */
export interface RateLimit {
  /** Requests per second, > 0, at most 3 fractional digits (0.5 = one request every 2 s). */
  readonly rate: number;
  /** Bucket capacity: a whole number ≥ 1. */
  readonly burst: number;
}

/** What is stored per key between calls (in memory, or in Redis when several gateways share limits). */
export interface TokenBucketState {
  /** Tokens left, at most 6 fractional digits (whole micro-tokens). */
  readonly tokens: number;
  /** Instant (epoch ms) `tokens` was computed for. */
  readonly updatedAtMs: number;
}

export interface TokenBucketDecision {
  readonly allowed: boolean;
  /** State to store, whether or not the call was allowed. */
  readonly state: TokenBucketState;
  /** 0 when allowed; otherwise the exact wait (ms) until one token is available. */
  readonly retryAfterMs: number;
  /** Whole tokens left after this call. */
  readonly remaining: number;
  /** Milliseconds until the bucket is full again. */
  readonly resetMs: number;
}

/** Micro-tokens per token: the math runs on integers so every result is exact. */
export const MICRO_TOKENS_PER_TOKEN = 1_000_000;

/**
 * Token bucket, pure. In integers of micro-tokens (exact in IEEE doubles, so a Redis Lua script can run the
 * same steps):
 *   perMs    = round(rate × 1000)           micro-tokens refilled per ms
 *   capacity = burst × 1e6
 *   tokens   = round(state.tokens × 1e6), or capacity for a new key
 *   elapsed  = now − updatedAt; if elapsed > 0: tokens = min(capacity, tokens + elapsed × perMs), updatedAt = now
 *   allowed  = tokens ≥ 1e6; if allowed: tokens −= 1e6
 *   retryAfterMs = allowed ? 0 : ceil((1e6 − tokens) / perMs)
 *   remaining = floor(tokens / 1e6); resetMs = ceil((capacity − tokens) / perMs)
 * A clock that goes backwards refills nothing and never moves `updatedAt` back. A stored state that is not a
 * pair of finite numbers is treated as a new key.
 */
export function takeToken(
  state: TokenBucketState | undefined,
  nowMs: number,
  limit: RateLimit,
): TokenBucketDecision {
  const { perMs, capacity } = bucketParameters(limit);
  if (!Number.isFinite(nowMs)) {
    throw new RangeError(`nowMs: must be a finite number of epoch milliseconds, got ${String(nowMs)}`);
  }
  const now = Math.floor(nowMs);
  let tokens: number;
  let updatedAtMs: number;
  if (state === undefined || !Number.isFinite(state.tokens) || !Number.isFinite(state.updatedAtMs)) {
    tokens = capacity;
    updatedAtMs = now;
  } else {
    tokens = Math.min(capacity, Math.max(0, Math.round(state.tokens * MICRO_TOKENS_PER_TOKEN)));
    updatedAtMs = Math.floor(state.updatedAtMs);
    const elapsed = now - updatedAtMs;
    if (elapsed > 0) {
      // Compared first so elapsed × perMs stays small after a long idle time.
      const msToFull = Math.ceil((capacity - tokens) / perMs);
      tokens = elapsed >= msToFull ? capacity : tokens + elapsed * perMs;
      updatedAtMs = now;
    }
  }
  const allowed = tokens >= MICRO_TOKENS_PER_TOKEN;
  if (allowed) {
    tokens -= MICRO_TOKENS_PER_TOKEN;
  }
  return {
    allowed,
    state: { tokens: tokens / MICRO_TOKENS_PER_TOKEN, updatedAtMs },
    retryAfterMs: allowed ? 0 : Math.ceil((MICRO_TOKENS_PER_TOKEN - tokens) / perMs),
    remaining: Math.floor(tokens / MICRO_TOKENS_PER_TOKEN),
    resetMs: Math.ceil((capacity - tokens) / perMs),
  };
}

/**
 * Integer parameters of a rate limit; throws naming the field when the limit is outside what
 * `validateRateLimit` accepts.
 */
export function bucketParameters(limit: RateLimit): { perMs: number; capacity: number } {
  const perMs = Math.round(limit.rate * 1000);
  if (!Number.isFinite(limit.rate) || perMs < 1 || limit.rate > MAX_RATE) {
    throw new RangeError(
      `rate: must be between 0.001 and ${MAX_RATE} requests per second, got ${String(limit.rate)}`,
    );
  }
  if (!Number.isSafeInteger(limit.burst) || limit.burst < 1 || limit.burst > MAX_BURST) {
    throw new RangeError(`burst: must be a whole number from 1 to ${MAX_BURST}, got ${String(limit.burst)}`);
  }
  return { perMs, capacity: limit.burst * MICRO_TOKENS_PER_TOKEN };
}

export const MAX_RATE = 1_000_000;
export const MAX_BURST = 1_000_000;
