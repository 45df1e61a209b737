import { formatMicroCredits, toMicroCredits } from '../routing/credits';

export interface QuotaDecision<T> {
  readonly allowed: boolean;
  /** What is left of the limit after this call (after the cost when allowed), never below zero. */
  readonly remaining: T;
}

/**
 * Fixed-window quota check: allowed when `used + cost ≤ limit` (so the call that reaches the limit exactly is
 * allowed, the next one is not). Requests are counted with whole numbers; credits with decimal strings of at
 * most 6 fractional digits, compared exactly. When the cost is only known after the call (an upstream's
 * `X-Usage-Units`), check with the route's cost and record the actual units: the window may then end
 * slightly over its limit, and the next call is refused.
 */
export function quotaCheck(used: number, cost: number, limit: number): QuotaDecision<number>;
export function quotaCheck(used: string, cost: string, limit: string): QuotaDecision<string>;
export function quotaCheck(
  used: number | string,
  cost: number | string,
  limit: number | string,
): QuotaDecision<number> | QuotaDecision<string> {
  if (typeof used === 'number' && typeof cost === 'number' && typeof limit === 'number') {
    const values = { used, cost, limit };
    for (const [name, value] of Object.entries(values)) {
      if (!Number.isSafeInteger(value) || value < 0) {
        throw new RangeError(`${name}: must be a non-negative whole number, got ${String(value)}`);
      }
    }
    const allowed = used + cost <= limit;
    return { allowed, remaining: Math.max(0, limit - used - (allowed ? cost : 0)) };
  }
  if (typeof used === 'string' && typeof cost === 'string' && typeof limit === 'string') {
    const usedMicro = toMicroCredits(used, 'used');
    const costMicro = toMicroCredits(cost, 'cost');
    const limitMicro = toMicroCredits(limit, 'limit');
    const allowed = usedMicro + costMicro <= limitMicro;
    const left = limitMicro - usedMicro - (allowed ? costMicro : 0n);
    return { allowed, remaining: formatMicroCredits(left > 0n ? left : 0n) };
  }
  throw new TypeError(
    'quotaCheck: used, cost and limit must be all numbers (requests) or all decimal strings (credits)',
  );
}

/**
 * A quota window `[startMs, endMs)` in epoch milliseconds: a day or a month in the customer's timezone, computed
 * by the period helpers and passed in.
 */
export interface QuotaWindow {
  readonly startMs: number;
  readonly endMs: number;
}

/** Whether `nowMs` falls in the window: the start is inside, the end belongs to the next window. */
export function windowContains(window: QuotaWindow, nowMs: number): boolean {
  return window.startMs <= nowMs && nowMs < window.endMs;
}

/** Whole seconds until the window ends, rounded up (0 once it has ended). */
export function secondsUntilWindowEnd(window: QuotaWindow, nowMs: number): number {
  return Math.max(0, Math.ceil((window.endMs - nowMs) / 1000));
}

/** Length of the window in whole seconds, rounded up. */
export function windowSeconds(window: QuotaWindow): number {
  return Math.max(0, Math.ceil((window.endMs - window.startMs) / 1000));
}
