import {
  API_KEY_ENVIRONMENTS,
  FULL_ACCESS_SCOPE,
  validateQuotas,
  validateRateLimit,
  validateScopes,
  type ApiKeyEnvironment,
  type KeyQuotas,
  type RateLimit,
  type Scope,
} from '@keymeter/domain';
import {
  describeInput,
  readFutureInstantOrNull,
  readText,
  requireObject,
  throwIfIssues,
  unknownPropertyIssues,
  type FieldIssue,
  type JsonObject,
} from '../input/fields';

export const KEY_NAME_MAX_LENGTH = 200;
/** Scopes of a key created without any: every gateway call, and reading its own customer's usage. */
export const DEFAULT_KEY_SCOPES: readonly Scope[] = [FULL_ACCESS_SCOPE, 'usage:read'];
/** Grace of the previous secret when a rotation does not say: 24 hours. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 86_400;
/** Longest grace: rotated-out secrets stay in the registry for 30 days, a grace may not outlive that. */
export const MAX_ROTATION_GRACE_SECONDS = 30 * 86_400;

export const NO_QUOTAS: KeyQuotas = Object.freeze({ requestsPerDay: null, creditsPerMonth: null });

export interface NewApiKey {
  readonly name: string;
  readonly environment: ApiKeyEnvironment;
  readonly scopes: Scope[];
  readonly expiresAt: Date | null;
  readonly rateLimit: RateLimit | null;
  readonly quotas: KeyQuotas;
}

/** A PATCH: only the properties present change. */
export interface ApiKeyChanges {
  name?: string;
  scopes?: Scope[];
  expiresAt?: Date | null;
  rateLimit?: RateLimit | null;
  quotas?: KeyQuotas;
  status?: 'active' | 'suspended';
}

const CREATE_FIELDS = ['name', 'environment', 'scopes', 'expiresAt', 'rateLimit', 'quotas'];
const PATCH_FIELDS = ['name', 'scopes', 'expiresAt', 'rateLimit', 'quotas', 'status'];

/** Checks a create-key body; every problem is reported, each naming its field. */
export function parseNewApiKey(body: unknown, now: Date): NewApiKey {
  const input = requireObject(body);
  const issues: FieldIssue[] = unknownPropertyIssues(input, CREATE_FIELDS);
  const name = readText(input.name, 'name', issues, { maxLength: KEY_NAME_MAX_LENGTH });
  const environment = input.environment ?? 'live';
  if (!API_KEY_ENVIRONMENTS.includes(environment as ApiKeyEnvironment)) {
    issues.push({
      field: 'environment',
      reason: `must be "live" or "test", got ${describeInput(input.environment)}`,
    });
  }
  const scopes = 'scopes' in input ? readScopes(input, issues) : [...DEFAULT_KEY_SCOPES];
  const expiresAt = readFutureInstantOrNull(input.expiresAt ?? null, 'expiresAt', issues, now);
  const rateLimit = readRateLimit(input.rateLimit ?? null, issues);
  const quotas = readQuotas(input.quotas ?? null, issues);
  throwIfIssues(issues);
  return {
    name: name!,
    environment: environment as ApiKeyEnvironment,
    scopes: scopes!,
    expiresAt: expiresAt!,
    rateLimit: rateLimit!,
    quotas: quotas!,
  };
}

/** Checks a PATCH body: at least one known property, each valid. */
export function parseApiKeyChanges(body: unknown, now: Date): ApiKeyChanges {
  const input = requireObject(body);
  const issues: FieldIssue[] = unknownPropertyIssues(input, PATCH_FIELDS);
  const changes: ApiKeyChanges = {};
  if (Object.keys(input).length === 0) {
    issues.push({ field: 'body', reason: `must change at least one of ${PATCH_FIELDS.join(', ')}` });
  }
  if ('name' in input) {
    changes.name = readText(input.name, 'name', issues, { maxLength: KEY_NAME_MAX_LENGTH });
  }
  if ('scopes' in input) changes.scopes = readScopes(input, issues);
  if ('expiresAt' in input) {
    changes.expiresAt = readFutureInstantOrNull(input.expiresAt, 'expiresAt', issues, now);
  }
  if ('rateLimit' in input) changes.rateLimit = readRateLimit(input.rateLimit, issues);
  if ('quotas' in input) changes.quotas = readQuotas(input.quotas, issues);
  if ('status' in input) {
    if (input.status === 'active' || input.status === 'suspended') {
      changes.status = input.status;
    } else {
      issues.push({
        field: 'status',
        reason: `must be "active" or "suspended" (revoke with POST /v1/keys/:id/revoke), got ${describeInput(input.status)}`,
      });
    }
  }
  throwIfIssues(issues);
  return changes;
}

/** Checks a rotate body (optional): `{ gracePeriodSeconds }`, default 24 h, 0 = the old secret stops now. */
export function parseRotation(body: unknown): { gracePeriodSeconds: number } {
  const input = body === undefined || body === null ? {} : requireObject(body);
  const issues: FieldIssue[] = unknownPropertyIssues(input, ['gracePeriodSeconds']);
  const grace = input.gracePeriodSeconds ?? DEFAULT_ROTATION_GRACE_SECONDS;
  if (
    typeof grace !== 'number' ||
    !Number.isSafeInteger(grace) ||
    grace < 0 ||
    grace > MAX_ROTATION_GRACE_SECONDS
  ) {
    issues.push({
      field: 'gracePeriodSeconds',
      reason: `must be a whole number of seconds from 0 to ${MAX_ROTATION_GRACE_SECONDS}, got ${describeInput(input.gracePeriodSeconds)}`,
    });
  }
  throwIfIssues(issues);
  return { gracePeriodSeconds: grace as number };
}

function readScopes(input: JsonObject, issues: FieldIssue[]): Scope[] | undefined {
  const result = validateScopes(input.scopes, 'scopes');
  if (!result.ok) {
    issues.push(...result.issues);
    return undefined;
  }
  return result.value;
}

function readRateLimit(value: unknown, issues: FieldIssue[]): RateLimit | null | undefined {
  if (value === null) return null;
  const result = validateRateLimit(value, 'rateLimit');
  if (!result.ok) {
    issues.push(
      ...result.issues.map((issue) =>
        issue.field === 'rateLimit' ? { ...issue, reason: `${issue.reason}, or null for none` } : issue,
      ),
    );
    return undefined;
  }
  return result.value;
}

function readQuotas(value: unknown, issues: FieldIssue[]): KeyQuotas | undefined {
  if (value === null) return NO_QUOTAS;
  const result = validateQuotas(value, 'quotas');
  if (!result.ok) {
    issues.push(...result.issues);
    return undefined;
  }
  return result.value;
}
