import type { ApiKeySnapshotV1 } from '@keymeter/contracts';
import {
  bucketParameters,
  quotaStatus,
  rateLimitHeaders,
  rateLimitPolicy,
  retryAfterSeconds,
  toMicroCredits,
  type LimitStatus,
  type QuotaWindow,
} from '@keymeter/domain';
import type { AdmissionDecision, AdmissionRequest } from './limit-store';
import { QuotaWindows } from './quota-windows';

/** Credits-per-month limits in micro-credits, parsed once per snapshot. */
const creditLimits = new WeakMap<ApiKeySnapshotV1, bigint | null>();

function creditLimitMicro(key: ApiKeySnapshotV1): bigint | null {
  let limit = creditLimits.get(key);
  if (limit === undefined) {
    const text = key.quotas.creditsPerMonth;
    limit = text === null ? null : toMicroCredits(text, `key ${key.keyId} quotas.creditsPerMonth`);
    creditLimits.set(key, limit);
  }
  return limit;
}

const MICRO_PER_CREDIT = 1_000_000n;

/** The token bucket's advertised window (seconds to fill from empty), computed once per snapshot. */
const bucketWindows = new WeakMap<ApiKeySnapshotV1, number>();

function bucketWindowSeconds(
  key: ApiKeySnapshotV1,
  rateLimit: NonNullable<ApiKeySnapshotV1['rateLimit']>,
): number {
  let seconds = bucketWindows.get(key);
  if (seconds === undefined) {
    const { perMs } = bucketParameters(rateLimit);
    seconds = Math.max(1, Math.ceil((rateLimit.burst * 1000) / perMs));
    bucketWindows.set(key, seconds);
  }
  return seconds;
}

/**
 * A key's `RateLimit-Policy` value, which only changes with its snapshot, the limits a decision reports and the
 * quota windows (their lengths): built once per day instead of on every call (a string per limit, with the
 * comment escaped).
 */
interface CachedPolicy {
  /** Which limits the policy lists: 1 token bucket, 2 requests per day, 4 credits per month. */
  readonly listed: number;
  readonly dayStartMs: number;
  readonly dayEndMs: number;
  readonly monthStartMs: number;
  readonly monthEndMs: number;
  readonly policy: string;
}

const policies = new WeakMap<ApiKeySnapshotV1, CachedPolicy>();

function policyOf(
  key: ApiKeySnapshotV1,
  listed: number,
  day: QuotaWindow | undefined,
  month: QuotaWindow | undefined,
  statuses: readonly LimitStatus[],
): string {
  const dayStartMs = day?.startMs ?? 0;
  const dayEndMs = day?.endMs ?? 0;
  const monthStartMs = month?.startMs ?? 0;
  const monthEndMs = month?.endMs ?? 0;
  const cached = policies.get(key);
  if (
    cached !== undefined &&
    cached.listed === listed &&
    cached.dayStartMs === dayStartMs &&
    cached.dayEndMs === dayEndMs &&
    cached.monthStartMs === monthStartMs &&
    cached.monthEndMs === monthEndMs
  ) {
    return cached.policy;
  }
  const policy = rateLimitPolicy(statuses);
  policies.set(key, { listed, dayStartMs, dayEndMs, monthStartMs, monthEndMs, policy });
  return policy;
}

/** Whole credits of a micro-credit amount, rounded down (what the headers advertise). */
function wholeCredits(micro: bigint): number {
  return Number(micro / MICRO_PER_CREDIT);
}

/** Whether a key has any limit to check (no limit: no store round trip at all). */
export function hasLimits(key: ApiKeySnapshotV1): boolean {
  return key.rateLimit !== null || key.quotas.requestsPerDay !== null || key.quotas.creditsPerMonth !== null;
}

/** Turns a key's limits and a call's route cost into what the limit store checks. */
export class KeyLimits {
  private readonly windows = new QuotaWindows();

  admissionRequest(key: ApiKeySnapshotV1, costMicro: bigint, nowMs: number): AdmissionRequest {
    const monthLimit = creditLimitMicro(key);
    const requestsPerDay = key.quotas.requestsPerDay;
    return {
      keyId: key.keyId,
      nowMs,
      rateLimit: key.rateLimit,
      requestsPerDay:
        requestsPerDay === null
          ? null
          : { limit: requestsPerDay, window: this.windows.day(key.timeZone, nowMs) },
      creditsPerMonth:
        monthLimit === null
          ? null
          : { limitMicro: monthLimit, costMicro, window: this.windows.month(key.timeZone, nowMs) },
    };
  }

  /** RateLimit-* headers (and Retry-After when refused) for a decision. */
  headers(
    key: ApiKeySnapshotV1,
    request: AdmissionRequest,
    decision: AdmissionDecision,
  ): Record<string, string> {
    const statuses: LimitStatus[] = [];
    let listed = 0;
    if (key.rateLimit !== null && decision.bucket !== undefined) {
      listed |= 1;
      statuses.push({
        limit: key.rateLimit.burst,
        remaining: Math.max(0, decision.bucket.remaining),
        resetSeconds: Math.ceil(decision.bucket.resetMs / 1000),
        windowSeconds: bucketWindowSeconds(key, key.rateLimit),
        comment: 'token bucket',
      });
    }
    if (request.requestsPerDay !== null && decision.requestsUsed !== undefined) {
      listed |= 2;
      const { limit, window } = request.requestsPerDay;
      statuses.push(
        quotaStatus({
          limit,
          remaining: Math.max(0, limit - decision.requestsUsed),
          window,
          nowMs: request.nowMs,
          comment: 'requests per day',
        }),
      );
    }
    if (request.creditsPerMonth !== null && decision.creditsUsedMicro !== undefined) {
      listed |= 4;
      const { limitMicro, window } = request.creditsPerMonth;
      const left = limitMicro - decision.creditsUsedMicro;
      // Whole credits straight from the micro-credit integers (no decimal string round trip per call).
      statuses.push(
        quotaStatus({
          limit: wholeCredits(limitMicro),
          remaining: wholeCredits(left > 0n ? left : 0n),
          window,
          nowMs: request.nowMs,
          comment: 'credits per month',
        }),
      );
    }
    // The request's limits and windows come from this key's snapshot (admissionRequest), so the policy is
    // the snapshot's for these windows.
    const policy =
      statuses.length === 0
        ? ''
        : policyOf(
            key,
            listed,
            (listed & 2) !== 0 ? request.requestsPerDay?.window : undefined,
            (listed & 4) !== 0 ? request.creditsPerMonth?.window : undefined,
            statuses,
          );
    const headers = rateLimitHeaders(statuses, policy);
    if (decision.outcome !== 'allowed')
      headers['Retry-After'] = String(retryAfterSeconds(decision.retryAfterMs));
    return headers;
  }
}
