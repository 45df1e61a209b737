import { ApiError, type FieldIssue } from '@keymeter/platform';
import { isEventTypeFilter } from '../event-types';

export const URL_MAX_LENGTH = 2048;
export const DESCRIPTION_MAX_LENGTH = 500;
export const MAX_EVENT_TYPE_FILTERS = 50;
/** Grace of the previous secret when a rotation does not say: 24 hours. */
export const DEFAULT_SECRET_GRACE_SECONDS = 86_400;
/** Longest grace of a rotated-out secret: 7 days. */
export const MAX_SECRET_GRACE_SECONDS = 7 * 86_400;

export interface NewEndpoint {
  readonly url: string;
  readonly customerId: string | null;
  readonly eventTypes: string[];
  readonly description: string;
  readonly enabled: boolean;
}

/** A PATCH: only the properties present change. The owner (customerId) never changes. */
export interface EndpointChanges {
  url?: string;
  eventTypes?: string[];
  description?: string;
  enabled?: boolean;
}

type JsonObject = Readonly<Record<string, unknown>>;

const CREATE_FIELDS = ['url', 'customerId', 'eventTypes', 'description', 'enabled'];
const PATCH_FIELDS = ['url', 'eventTypes', 'description', 'enabled'];
const ROTATE_FIELDS = ['graceSeconds'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function parseNewEndpoint(body: unknown): NewEndpoint {
  const input = requireObject(body);
  const issues = unknownPropertyIssues(input, CREATE_FIELDS);
  const url = readUrl(input.url, issues);
  const customerId = input.customerId ?? null;
  if (customerId !== null && (typeof customerId !== 'string' || !isUuid(customerId))) {
    issues.push({
      field: 'customerId',
      reason: `must be a customer id (UUID) or null, got ${describe(customerId)}`,
    });
  }
  const eventTypes = readEventTypes(input.eventTypes ?? [], issues);
  const description = readDescription(input.description ?? '', issues);
  const enabled = readBoolean(input.enabled ?? true, 'enabled', issues);
  throwIfIssues(issues);
  return {
    url: url!,
    customerId: customerId as string | null,
    eventTypes: eventTypes!,
    description: description!,
    enabled: enabled!,
  };
}

export function parseEndpointChanges(body: unknown): EndpointChanges {
  const input = requireObject(body);
  const issues = unknownPropertyIssues(input, PATCH_FIELDS);
  const changes: EndpointChanges = {};
  if ('url' in input) changes.url = readUrl(input.url, issues);
  if ('eventTypes' in input) changes.eventTypes = readEventTypes(input.eventTypes, issues);
  if ('description' in input) changes.description = readDescription(input.description, issues);
  if ('enabled' in input) changes.enabled = readBoolean(input.enabled, 'enabled', issues);
  throwIfIssues(issues);
  return changes;
}

/** The grace of the previous secret in seconds; an absent body means the default. */
export function parseSecretRotation(body: unknown): number {
  const input = body === undefined || body === null || isEmptyObject(body) ? {} : requireObject(body);
  const issues = unknownPropertyIssues(input, ROTATE_FIELDS);
  const grace = input.graceSeconds ?? DEFAULT_SECRET_GRACE_SECONDS;
  if (!Number.isInteger(grace) || (grace as number) < 0 || (grace as number) > MAX_SECRET_GRACE_SECONDS) {
    issues.push({
      field: 'graceSeconds',
      reason: `must be a whole number of seconds from 0 to ${MAX_SECRET_GRACE_SECONDS}, got ${describe(grace)}`,
    });
  }
  throwIfIssues(issues);
  return grace as number;
}

function readUrl(value: unknown, issues: FieldIssue[]): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    issues.push({ field: 'url', reason: `must be an http or https URL, got ${describe(value)}` });
    return undefined;
  }
  const text = value.trim();
  if (text.length > URL_MAX_LENGTH) {
    issues.push({ field: 'url', reason: `must be at most ${URL_MAX_LENGTH} characters, got ${text.length}` });
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    issues.push({ field: 'url', reason: `must be an absolute http or https URL, got ${describe(value)}` });
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    issues.push({ field: 'url', reason: `must use http or https, got ${parsed.protocol.replace(':', '')}` });
    return undefined;
  }
  if (parsed.username !== '' || parsed.password !== '') {
    issues.push({
      field: 'url',
      reason: 'must not carry credentials (user:password@); the signature authenticates',
    });
    return undefined;
  }
  return parsed.toString();
}

function readEventTypes(value: unknown, issues: FieldIssue[]): string[] | undefined {
  if (!Array.isArray(value)) {
    issues.push({ field: 'eventTypes', reason: `must be an array of event types, got ${describe(value)}` });
    return undefined;
  }
  if (value.length > MAX_EVENT_TYPE_FILTERS) {
    issues.push({ field: 'eventTypes', reason: `must have at most ${MAX_EVENT_TYPE_FILTERS} entries` });
    return undefined;
  }
  const before = issues.length;
  value.forEach((entry, index) => {
    if (typeof entry !== 'string' || !isEventTypeFilter(entry)) {
      issues.push({
        field: `eventTypes[${index}]`,
        reason: `must be an event type (alert.opened), a prefix (alert.*) or *, got ${describe(entry)}`,
      });
    }
  });
  return issues.length === before ? [...new Set(value as string[])] : undefined;
}

function readDescription(value: unknown, issues: FieldIssue[]): string | undefined {
  if (typeof value !== 'string') {
    issues.push({ field: 'description', reason: `must be a string, got ${describe(value)}` });
    return undefined;
  }
  if (value.trim().length > DESCRIPTION_MAX_LENGTH) {
    issues.push({ field: 'description', reason: `must be at most ${DESCRIPTION_MAX_LENGTH} characters` });
    return undefined;
  }
  return value.trim();
}

function readBoolean(value: unknown, field: string, issues: FieldIssue[]): boolean | undefined {
  if (typeof value !== 'boolean') {
    issues.push({ field, reason: `must be true or false, got ${describe(value)}` });
    return undefined;
  }
  return value;
}

function requireObject(body: unknown): JsonObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw ApiError.validation([{ field: 'body', reason: `must be a JSON object, got ${describe(body)}` }]);
  }
  return body as JsonObject;
}

function isEmptyObject(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0;
}

function unknownPropertyIssues(body: JsonObject, allowed: readonly string[]): FieldIssue[] {
  return Object.keys(body)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({ field: key, reason: `is not a known property; expected one of ${allowed.join(', ')}` }));
}

function throwIfIssues(issues: readonly FieldIssue[]): void {
  if (issues.length > 0) throw ApiError.validation(issues);
}

/** A value from untrusted input as shown in an error message: quoted and cut short. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value;
}
