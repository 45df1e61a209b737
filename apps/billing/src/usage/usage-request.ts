import { GRANULARITIES } from '@keymeter/domain';
import { ApiError } from '@keymeter/platform';
import {
  isUsageGroupBy,
  USAGE_GROUP_BYS,
  UsageQueryInputError,
  type UsageSeriesQuery,
} from '@keymeter/usage';

/** Query parameters a usage request may carry; anything else is refused (400 naming it). */
const ALLOWED = ['from', 'to', 'granularity', 'groupBy', 'tz', 'keyId'] as const;

/** An instant with an explicit zone: `2026-03-01T00:00:00Z` or `2026-03-01T00:00:00+01:00`. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

type Query = Readonly<Record<string, unknown>>;

function single(query: Query, field: string): string | undefined {
  const value = query[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw ApiError.validation([{ field, reason: 'must be given once' }]);
  return value;
}

function instant(query: Query, field: 'from' | 'to'): Date {
  const value = single(query, field);
  if (value === undefined)
    throw ApiError.validation([{ field, reason: 'is required (ISO 8601 with Z or an offset)' }]);
  const parsed = INSTANT.test(value) ? new Date(value) : undefined;
  if (!parsed || Number.isNaN(parsed.getTime())) {
    throw ApiError.validation([
      { field, reason: 'must be an ISO 8601 date-time with Z or an offset, e.g. 2026-03-01T00:00:00Z' },
    ]);
  }
  return parsed;
}

/**
 * The series query of a usage request for `customerId`. The customer always comes from the caller
 * (the API key's customer, or the admin route's path), never from the query string.
 */
export function usageQueryFrom(customerId: string, query: Query): UsageSeriesQuery {
  const unknown = Object.keys(query).filter((name) => !(ALLOWED as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw ApiError.validation(
      unknown.map((field) => ({
        field,
        reason: `is not a parameter of this endpoint (allowed: ${ALLOWED.join(', ')})`,
      })),
    );
  }
  const from = instant(query, 'from');
  const to = instant(query, 'to');
  const granularity = single(query, 'granularity') ?? 'day';
  if (!(GRANULARITIES as readonly string[]).includes(granularity)) {
    throw ApiError.validation([
      { field: 'granularity', reason: `must be one of ${GRANULARITIES.join(', ')}` },
    ]);
  }
  const groupBy = single(query, 'groupBy');
  if (groupBy !== undefined && !isUsageGroupBy(groupBy)) {
    throw ApiError.validation([{ field: 'groupBy', reason: `must be one of ${USAGE_GROUP_BYS.join(', ')}` }]);
  }
  const keyId = single(query, 'keyId');
  return {
    customerId,
    from,
    to,
    granularity: granularity as UsageSeriesQuery['granularity'],
    timeZone: single(query, 'tz') ?? 'UTC',
    ...(groupBy === undefined ? {} : { groupBy }),
    ...(keyId === undefined ? {} : { keyIds: [keyId] }),
  };
}

/** Runs a usage library call, turning its input errors into 400s naming the field. */
export async function asHttp<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UsageQueryInputError) throw ApiError.validation(error.issues);
    throw error;
  }
}
