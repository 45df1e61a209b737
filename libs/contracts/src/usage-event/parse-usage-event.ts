import { isBillable } from './billable';
import { normalizeEventId } from './event-id';
import { isIpAddress } from './ip-address';
import { OCCURRED_AT_REASON, parseInstant } from './occurred-at';
import { normalizeUnits, UNITS_REASON } from './units';
import { USAGE_EVENT_LIMITS as LIMITS } from './usage-event.limits';
import {
  REJECTED_OUTCOMES,
  USAGE_EVENT_V1_FIELDS,
  USAGE_OUTCOMES,
  type FieldError,
  type UsageEventParseResult,
  type UsageEventV1,
  type UsageOutcome,
} from './usage-event.types';

export interface ParseUsageEventOptions {
  /** The validating service's clock. When given, occurredAt may be at most `maxFutureSkewMs` ahead of it. */
  now?: Date;
  maxFutureSkewMs?: number;
}

const FIELDS = new Set<string>(USAGE_EVENT_V1_FIELDS);
const OUTCOMES = new Set<string>(USAGE_OUTCOMES);
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const METHOD = /^[A-Z]{1,16}$/;
/** A template path (or `*` for "no route matched"): no whitespace, control characters, query or fragment. */
// eslint-disable-next-line no-control-regex -- control characters are what this rejects
const ROUTE = /^(?:\*|\/[^\s?#\u0000-\u001f\u007f]*)$/;
// eslint-disable-next-line no-control-regex -- control characters are what this finds
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
const COUNTRY = /^[A-Z]{2}$/;
const META_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const OCCURRED_AT_MIN_MS = Date.parse(LIMITS.occurredAtMin);
const REPORTED_NAME_MAX_LENGTH = 64;
const IDENTIFIER_REASON =
  `must be 1-${LIMITS.identifierMaxLength} characters of letters, digits, "_", ".", ":" or "-", ` +
  `starting with a letter or digit`;

/**
 * The one validator for UsageEvent v1, used at every boundary (HTTP ingestion, Kafka decode, replays).
 * Returns a new, canonical event (upper-case ULID, UTC millisecond timestamp, canonical units) or every
 * problem found, each naming its field. Rules are documented in docs/events.md.
 */
export function parseUsageEvent(input: unknown, options: ParseUsageEventOptions = {}): UsageEventParseResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ field: '', reason: 'must be a JSON object' }] };
  }
  const record = input as Record<string, unknown>;
  const errors = new ErrorList();

  const version = record.v;
  if (version !== 1) {
    if (version === undefined) {
      errors.add('v', 'is required and must be 1');
    } else {
      // Another version's fields mean something else: checking them against v1 would only add noise.
      const shown = typeof version === 'number' ? String(version) : cutShort(JSON.stringify(version));
      return {
        ok: false,
        errors: [{ field: 'v', reason: `unsupported schema version ${shown}; expected 1` }],
      };
    }
  }
  for (const key in record) {
    if (!FIELDS.has(key)) {
      errors.add(cutShort(key), 'is not a field of UsageEvent v1');
    }
  }

  const id = requiredString(record, 'id', errors);
  const eventId = id === undefined ? undefined : normalizeEventId(id);
  if (id !== undefined && eventId === undefined) {
    errors.add('id', 'must be a ULID: 26 Crockford base32 characters');
  }

  const occurredAt = checkOccurredAt(record, errors, options);

  const gatewayId = requiredString(record, 'gatewayId', errors);
  if (gatewayId !== undefined && !IDENTIFIER.test(gatewayId)) {
    errors.add('gatewayId', IDENTIFIER_REASON);
  }
  const keyId = requiredString(record, 'keyId', errors);
  if (keyId !== undefined && keyId !== '' && !IDENTIFIER.test(keyId)) {
    errors.add('keyId', `${IDENTIFIER_REASON}, or empty for an unidentified key`);
  }
  const customerId = requiredString(record, 'customerId', errors);
  if (customerId !== undefined && customerId !== '' && !IDENTIFIER.test(customerId)) {
    errors.add('customerId', `${IDENTIFIER_REASON}, or empty for an unidentified key`);
  }

  const method = requiredString(record, 'method', errors);
  if (method !== undefined && !METHOD.test(method)) {
    errors.add('method', 'must be an upper-case HTTP method such as GET');
  }
  const route = requiredString(record, 'route', errors);
  if (route !== undefined && (!fitsLength(route, LIMITS.routeMaxLength) || !ROUTE.test(route))) {
    errors.add(
      'route',
      `must be a route template starting with "/" (or "*" when no route matched), without query or ` +
        `whitespace, at most ${LIMITS.routeMaxLength} characters`,
    );
  }

  const status = requiredInteger(record, 'status', 100, 599, errors);
  const latencyMs = requiredInteger(record, 'latencyMs', 0, LIMITS.latencyMsMax, errors);
  const requestBytes = requiredInteger(record, 'requestBytes', 0, LIMITS.bytesMax, errors);
  const responseBytes = requiredInteger(record, 'responseBytes', 0, LIMITS.bytesMax, errors);

  let units: string | undefined;
  if (record.units === undefined) {
    errors.add('units', 'is required');
  } else {
    units = normalizeUnits(record.units);
    if (units === undefined) {
      errors.add('units', UNITS_REASON);
    }
  }

  const clientIp = requiredString(record, 'clientIp', errors);
  if (clientIp !== undefined && !isIpAddress(clientIp)) {
    errors.add('clientIp', 'must be an IPv4 or IPv6 address');
  }
  const userAgent = requiredString(record, 'userAgent', errors);
  if (
    userAgent !== undefined &&
    (!fitsLength(userAgent, LIMITS.userAgentMaxLength) || CONTROL_CHARACTERS.test(userAgent))
  ) {
    errors.add(
      'userAgent',
      `must be at most ${LIMITS.userAgentMaxLength} characters without control characters`,
    );
  }

  let outcome: UsageOutcome | undefined;
  const rawOutcome = record.outcome;
  if (rawOutcome === undefined) {
    errors.add('outcome', 'is required');
  } else if (typeof rawOutcome === 'string' && OUTCOMES.has(rawOutcome)) {
    outcome = rawOutcome as UsageOutcome;
  } else {
    errors.add('outcome', `must be one of ${USAGE_OUTCOMES.join(', ')}`);
  }

  const billable = record.billable;
  if (billable === undefined) {
    errors.add('billable', 'is required');
  } else if (typeof billable !== 'boolean') {
    errors.add('billable', 'must be a boolean');
  }

  checkConsistency(errors, outcome, status, billable, keyId, customerId);

  const country = checkCountry(record.country, errors);
  const meta = checkMeta(record.meta, errors);

  if (errors.items.length > 0) {
    return { ok: false, errors: errors.items };
  }
  const event: UsageEventV1 = {
    v: 1,
    id: eventId as string,
    occurredAt: occurredAt as string,
    gatewayId: gatewayId as string,
    keyId: keyId as string,
    customerId: customerId as string,
    method: method as string,
    route: route as string,
    status: status as number,
    latencyMs: latencyMs as number,
    requestBytes: requestBytes as number,
    responseBytes: responseBytes as number,
    units: units as string,
    clientIp: clientIp as string,
    userAgent: userAgent as string,
    outcome: outcome as UsageOutcome,
    billable: billable as boolean,
  };
  if (country !== undefined) {
    event.country = country;
  }
  if (meta !== undefined) {
    event.meta = meta;
  }
  return { ok: true, event };
}

class ErrorList {
  readonly items: FieldError[] = [];

  add(field: string, reason: string): void {
    if (this.items.length < LIMITS.maxErrors) {
      this.items.push({ field, reason });
    }
  }
}

/** Field names echoed in errors are cut short so a hostile key cannot inflate the response. */
function cutShort(key: string): string {
  return key.length > REPORTED_NAME_MAX_LENGTH ? `${key.slice(0, REPORTED_NAME_MAX_LENGTH)}…` : key;
}

/** Length in code points (as JSON Schema counts), computed only when UTF-16 length could exceed it. */
function fitsLength(value: string, maxCodePoints: number): boolean {
  if (value.length <= maxCodePoints) {
    return true;
  }
  if (value.length > maxCodePoints * 2) {
    return false;
  }
  let codePoints = 0;
  for (const _ of value) {
    codePoints++;
  }
  return codePoints <= maxCodePoints;
}

function requiredString(
  record: Record<string, unknown>,
  field: string,
  errors: ErrorList,
): string | undefined {
  const value = record[field];
  if (typeof value === 'string') {
    return value;
  }
  errors.add(field, value === undefined ? 'is required' : 'must be a string');
  return undefined;
}

function requiredInteger(
  record: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
  errors: ErrorList,
): number | undefined {
  const value = record[field];
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) {
    return value;
  }
  errors.add(field, value === undefined ? 'is required' : `must be an integer from ${min} to ${max}`);
  return undefined;
}

function checkOccurredAt(
  record: Record<string, unknown>,
  errors: ErrorList,
  options: ParseUsageEventOptions,
): string | undefined {
  const raw = requiredString(record, 'occurredAt', errors);
  if (raw === undefined) {
    return undefined;
  }
  const instant = parseInstant(raw);
  if (instant === undefined) {
    errors.add('occurredAt', OCCURRED_AT_REASON);
    return undefined;
  }
  if (instant.epochMs < OCCURRED_AT_MIN_MS) {
    errors.add('occurredAt', `must not be before ${LIMITS.occurredAtMin}`);
    return undefined;
  }
  if (options.now !== undefined) {
    const skewMs = options.maxFutureSkewMs ?? LIMITS.maxFutureSkewMs;
    const latestMs = options.now.getTime() + skewMs;
    if (instant.epochMs > latestMs) {
      errors.add('occurredAt', `must not be more than ${skewMs} ms ahead of the receiving clock`);
      return undefined;
    }
  }
  return instant.canonical;
}

function checkConsistency(
  errors: ErrorList,
  outcome: UsageOutcome | undefined,
  status: number | undefined,
  billable: unknown,
  keyId: string | undefined,
  customerId: string | undefined,
): void {
  if (outcome !== undefined && status !== undefined) {
    if (outcome === 'upstream_error' && status < 500) {
      errors.add('status', 'must be 500-599 when outcome is upstream_error');
    } else if (REJECTED_OUTCOMES.includes(outcome) && (status < 400 || status > 499)) {
      errors.add('status', `must be 400-499 when outcome is ${outcome}`);
    } else if (typeof billable === 'boolean' && billable !== isBillable(outcome, status)) {
      errors.add('billable', 'must be true exactly when outcome is forwarded and status is below 500');
    }
  }
  if (keyId !== undefined && customerId !== undefined) {
    if ((keyId === '') !== (customerId === '')) {
      errors.add(
        keyId === '' ? 'keyId' : 'customerId',
        'keyId and customerId must both be set or both be empty',
      );
    } else if (keyId === '' && outcome !== undefined && outcome !== 'rejected_auth') {
      errors.add('keyId', 'may be empty only when outcome is rejected_auth');
    }
  }
}

function checkCountry(value: unknown, errors: ErrorList): string | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value === 'string' && COUNTRY.test(value)) {
    return value;
  }
  errors.add('country', 'must be an ISO 3166-1 alpha-2 code in upper case, e.g. DE');
  return undefined;
}

function checkMeta(value: unknown, errors: ErrorList): Record<string, string> | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    errors.add('meta', 'must be an object of string values');
    return undefined;
  }
  const entries = Object.entries(value);
  if (entries.length > LIMITS.metaMaxEntries) {
    errors.add('meta', `must have at most ${LIMITS.metaMaxEntries} entries`);
    return undefined;
  }
  const meta: Record<string, string> = {};
  for (const [key, entry] of entries) {
    // Keys start with a letter, which also keeps "__proto__" out of the copied object.
    if (!META_KEY.test(key)) {
      errors.add(
        `meta.${cutShort(key)}`,
        `key must be 1-${LIMITS.metaKeyMaxLength} letters, digits, "_", "." or "-", starting with a letter`,
      );
    } else if (typeof entry !== 'string' || !fitsLength(entry, LIMITS.metaValueMaxLength)) {
      errors.add(`meta.${key}`, `must be a string of at most ${LIMITS.metaValueMaxLength} characters`);
    } else {
      meta[key] = entry;
    }
  }
  return meta;
}
