import type { ApiKeySnapshotV1 } from '@keymeter/contracts';
import {
  bucketParameters,
  quotaStatus,
  rateLimitHeaders,
  retryAfterSeconds,
  toMicroCredits,
  type LimitStatus,
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
    if (key.rateLimit !== null && decision.bucket !== undefined) {
      statuses.push({
        limit: key.rateLimit.burst,
        remaining: Math.max(0, decision.bucket.remaining),
        resetSeconds: Math.ceil(decision.bucket.resetMs / 1000),
        windowSeconds: bucketWindowSeconds(key, key.rateLimit),
        comment: 'token bucket',
      });
    }
    if (request.requestsPerDay !== null && decision.requestsUsed !== undefined) {
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
    const headers = rateLimitHeaders(statuses);
    if (decision.outcome !== 'allowed')
      headers['Retry-After'] = String(retryAfterSeconds(decision.retryAfterMs));
    return headers;
  }
}
