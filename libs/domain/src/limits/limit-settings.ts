import { parseCreditAmount } from '../routing/credits';
import {
  fieldPath,
  isPlainObject,
  quoteInput,
  unknownPropertyIssues,
  type FieldIssue,
  type ValidationResult,
} from '../routing/field-issue';
import { MAX_BURST, MAX_RATE, type RateLimit } from './token-bucket';

/** A key's fixed-window quotas; null means no quota of that kind. */
export interface KeyQuotas {
  /** Requests per calendar day in the customer's timezone. */
  readonly requestsPerDay: number | null;
  /** Credits per calendar month in the customer's timezone: decimal string, at most 6 fractional digits. */
  readonly creditsPerMonth: string | null;
}

export const MAX_REQUESTS_PER_DAY = 1_000_000_000_000;

/** Checks `{ rate, burst }` from API input; errors name the field, e.g. `rateLimit.burst`. */
export function validateRateLimit(input: unknown, field = 'rateLimit'): ValidationResult<RateLimit> {
  if (!isPlainObject(input)) {
    return {
      ok: false,
      issues: [{ field, reason: `must be an object { rate, burst }, got ${quoteInput(input)}` }],
    };
  }
  const issues = unknownPropertyIssues(input, ['rate', 'burst'], field);
  const { rate, burst } = input;
  const scaled = typeof rate === 'number' ? rate * 1000 : Number.NaN;
  if (
    typeof rate !== 'number' ||
    !Number.isFinite(rate) ||
    rate <= 0 ||
    rate > MAX_RATE ||
    Math.abs(scaled - Math.round(scaled)) > 1e-6
  ) {
    issues.push({
      field: fieldPath(field, 'rate'),
      reason: `must be a number of requests per second from 0.001 to ${MAX_RATE} with at most 3 decimals, got ${quoteInput(rate)}`,
    });
  }
  if (typeof burst !== 'number' || !Number.isSafeInteger(burst) || burst < 1 || burst > MAX_BURST) {
    issues.push({
      field: fieldPath(field, 'burst'),
      reason: `must be a whole number of requests from 1 to ${MAX_BURST}, got ${quoteInput(burst)}`,
    });
  }
  if (issues.length > 0) {
    return { ok: false, issues };
  }
  return { ok: true, value: { rate: Math.round(scaled) / 1000, burst: burst as number } };
}

/**
 * Checks `{ requestsPerDay?, creditsPerMonth? }` from API input (missing or null: no such quota); errors name
 * the field, e.g. `quotas.creditsPerMonth`.
 */
export function validateQuotas(input: unknown, field = 'quotas'): ValidationResult<KeyQuotas> {
  if (!isPlainObject(input)) {
    return {
      ok: false,
      issues: [
        { field, reason: `must be an object { requestsPerDay, creditsPerMonth }, got ${quoteInput(input)}` },
      ],
    };
  }
  const issues: FieldIssue[] = unknownPropertyIssues(input, ['requestsPerDay', 'creditsPerMonth'], field);
  const { requestsPerDay = null, creditsPerMonth = null } = input;
  if (
    requestsPerDay !== null &&
    (typeof requestsPerDay !== 'number' ||
      !Number.isSafeInteger(requestsPerDay) ||
      requestsPerDay < 0 ||
      requestsPerDay > MAX_REQUESTS_PER_DAY)
  ) {
    issues.push({
      field: fieldPath(field, 'requestsPerDay'),
      reason: `must be a whole number from 0 to ${MAX_REQUESTS_PER_DAY} or null, got ${quoteInput(requestsPerDay)}`,
    });
  }
  let credits: string | null = null;
  if (creditsPerMonth !== null) {
    const parsed = parseCreditAmount(creditsPerMonth);
    if (parsed.ok) {
      credits = parsed.amount;
    } else {
      issues.push({ field: fieldPath(field, 'creditsPerMonth'), reason: `${parsed.reason} (or null)` });
    }
  }
  if (issues.length > 0) {
    return { ok: false, issues };
  }
  return { ok: true, value: { requestsPerDay: requestsPerDay as number | null, creditsPerMonth: credits } };
}
