import { toMicroCredits } from '../routing/credits';
import { secondsUntilWindowEnd, windowSeconds, type QuotaWindow } from './quota';
import { bucketParameters, type RateLimit, type TokenBucketDecision } from './token-bucket';

/**
 * One limit as advertised to clients (draft-ietf-httpapi-ratelimit-headers-06): `limit` quota units per
 * `windowSeconds`, `remaining` of them left, `resetSeconds` until the quota is whole again.
 */
export interface LimitStatus {
  readonly limit: number;
  readonly remaining: number;
  readonly resetSeconds: number;
  readonly windowSeconds: number;
  /** Human label sent as the policy's `comment` parameter, e.g. `requests per day`. */
  readonly comment?: string;
}

/**
 * A token bucket as a quota policy: `burst` requests per the time the bucket takes to fill from empty
 * (burst / rate, rounded up to a second); remaining = whole tokens left; reset = seconds until full.
 */
export function tokenBucketStatus(limit: RateLimit, decision: TokenBucketDecision): LimitStatus {
  const { perMs } = bucketParameters(limit);
  return {
    limit: limit.burst,
    remaining: decision.remaining,
    resetSeconds: Math.ceil(decision.resetMs / 1000),
    windowSeconds: Math.max(1, Math.ceil((limit.burst * 1000) / perMs)),
    comment: 'token bucket',
  };
}

/**
 * A fixed-window quota (requests per day, credits per month) as a quota policy. Credit amounts are advertised
 * in whole credits, rounded down.
 */
export function quotaStatus(input: {
  readonly limit: number | string;
  readonly remaining: number | string;
  readonly window: QuotaWindow;
  readonly nowMs: number;
  readonly comment?: string;
}): LimitStatus {
  return {
    limit: wholeUnits(input.limit, 'limit'),
    remaining: wholeUnits(input.remaining, 'remaining'),
    resetSeconds: secondsUntilWindowEnd(input.window, input.nowMs),
    windowSeconds: windowSeconds(input.window),
    ...(input.comment === undefined ? {} : { comment: input.comment }),
  };
}

/**
 * `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` for the limit closest to exhaustion (lowest
 * remaining share of its limit; on a tie, the one that resets last, since the client has to wait for it), and
 * `RateLimit-Policy` listing every limit as `limit;w=window[;comment="…"]`. No headers when there is no limit.
 */
export function rateLimitHeaders(
  statuses: readonly LimitStatus[],
  policy: string = rateLimitPolicy(statuses),
): Record<string, string> {
  if (statuses.length === 0) {
    return {};
  }
  const closest = statuses.reduce((best, status) => {
    const share = remainingShare(status);
    const bestShare = remainingShare(best);
    if (share !== bestShare) {
      return share < bestShare ? status : best;
    }
    return status.resetSeconds > best.resetSeconds ? status : best;
  });
  return {
    'RateLimit-Limit': String(closest.limit),
    'RateLimit-Remaining': String(closest.remaining),
    'RateLimit-Reset': String(closest.resetSeconds),
    'RateLimit-Policy': policy,
  };
}

/**
 * The `RateLimit-Policy` value of {@link rateLimitHeaders}: it depends only on each limit's size, window and
 * comment, so a caller may compute it once per set of limits and pass it back in.
 */
export function rateLimitPolicy(statuses: readonly LimitStatus[]): string {
  return statuses.map(policyItem).join(', ');
}

/** `Retry-After` delay in whole seconds, rounded up so a client that waits that long is not refused again. */
export function retryAfterSeconds(retryAfterMs: number): number {
  return Math.max(0, Math.ceil(retryAfterMs / 1000));
}

function remainingShare(status: LimitStatus): number {
  return status.limit <= 0 ? 0 : status.remaining / status.limit;
}

function policyItem(status: LimitStatus): string {
  const comment = status.comment === undefined ? '' : `;comment=${structuredString(status.comment)}`;
  return `${status.limit};w=${status.windowSeconds}${comment}`;
}

/** An RFC 8941 sf-string: printable ASCII, with `"` and `\` escaped; anything else is dropped. */
function structuredString(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '');
  return `"${printable.replace(/[\\"]/g, (character) => `\\${character}`)}"`;
}

function wholeUnits(value: number | string, field: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`${field}: must be a non-negative number, got ${String(value)}`);
    }
    return Math.floor(value);
  }
  return Number(toMicroCredits(value, field) / 1_000_000n);
}
