import { ApiError, type FieldIssue } from '@keymeter/platform';

export type { FieldIssue };

export type JsonObject = Readonly<Record<string, unknown>>;

const QUOTED_MAX_LENGTH = 40;

/** A value from untrusted input as shown in an error message: quoted, cut short, never echoed whole. */
export function describeInput(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > QUOTED_MAX_LENGTH ? `${value.slice(0, QUOTED_MAX_LENGTH)}…` : value);
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** The request body as an object, or a 400 naming `body`. */
export function requireObject(body: unknown): JsonObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw ApiError.validation([
      { field: 'body', reason: `must be a JSON object, got ${describeInput(body)}` },
    ]);
  }
  return body as JsonObject;
}

/** Issues for every property of `body` outside `allowed` (a typo would otherwise be silently ignored). */
export function unknownPropertyIssues(body: JsonObject, allowed: readonly string[]): FieldIssue[] {
  return Object.keys(body)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({ field: key, reason: `is not a known property; expected one of ${allowed.join(', ')}` }));
}

export interface TextRules {
  readonly maxLength: number;
}

/** A non-blank string of at most `maxLength` characters, trimmed; undefined (with an issue) otherwise. */
export function readText(
  value: unknown,
  field: string,
  issues: FieldIssue[],
  rules: TextRules,
): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    issues.push({ field, reason: `must be a non-empty string, got ${describeInput(value)}` });
    return undefined;
  }
  const text = value.trim();
  if (text.length > rules.maxLength) {
    issues.push({ field, reason: `must be at most ${rules.maxLength} characters, got ${text.length}` });
    return undefined;
  }
  return text;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * An ISO-8601 instant with an explicit offset (`2030-01-31T00:00:00Z`) strictly after `now`, or null.
 * A local time without offset is refused: it would mean a different instant in every zone.
 */
export function readFutureInstantOrNull(
  value: unknown,
  field: string,
  issues: FieldIssue[],
  now: Date,
): Date | null | undefined {
  if (value === null) return null;
  const epochMs = typeof value === 'string' && ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(epochMs)) {
    issues.push({
      field,
      reason: `must be an ISO-8601 instant with an offset such as "2030-01-31T00:00:00Z", or null; got ${describeInput(value)}`,
    });
    return undefined;
  }
  if (epochMs <= now.getTime()) {
    issues.push({ field, reason: `must be in the future, got ${describeInput(value)}` });
    return undefined;
  }
  return new Date(epochMs);
}

/** Throws a 400 listing every issue when there is any. */
export function throwIfIssues(issues: readonly FieldIssue[]): void {
  if (issues.length > 0) throw ApiError.validation(issues);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether an id from a URL can be a row id; anything else is simply not found. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
