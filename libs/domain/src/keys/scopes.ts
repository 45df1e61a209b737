import {
  fieldPath,
  isPlainObject,
  quoteInput,
  unknownPropertyIssues,
  type FieldIssue,
  type ValidationResult,
} from '../routing/field-issue';
import { HTTP_METHODS, isHttpMethod, type MethodOrAny } from '../routing/http-methods';
import { parsePathPattern, pathPatternMatches, type PathPattern } from '../routing/path-pattern';
import { splitRequestPath } from '../routing/request-path';

/**
 * Scopes that name an ability rather than a gateway route; `usage:read` lets a key read its own customer's
 * usage, invoices and keys through the customer API.
 */
export const NAMED_SCOPES = ['usage:read'] as const;
export type NamedScope = (typeof NAMED_SCOPES)[number];

/**
 * Gateway calls a key may make: any of `methods` (`*` for all; `GET` also allows `HEAD`) on a path matching
 * `pattern` (same syntax as routes: `*`, `/v1/quotes/*`, `/v1/quotes/:symbol`).
 */
export interface RouteScope {
  readonly methods: readonly MethodOrAny[];
  readonly pattern: string;
}

export type Scope = RouteScope | NamedScope;

/** Every gateway call. */
export const FULL_ACCESS_SCOPE: RouteScope = Object.freeze({
  methods: Object.freeze(['*'] as const),
  pattern: '*',
});
/** Every gateway read (GET, HEAD), nothing that writes. */
export const READ_ONLY_SCOPE: RouteScope = Object.freeze({
  methods: Object.freeze(['GET', 'HEAD'] as const),
  pattern: '*',
});

export const MAX_SCOPES = 100;

export interface ScopeChecker {
  /** Whether any route scope allows `method` on `path`. Unsafe paths (see `splitRequestPath`) are never allowed. */
  allows(method: string, path: string): boolean;
  /** `allows` for a path already split by `splitRequestPath` (split once, matched against routes and scopes). */
  allowsSegments(method: string, segments: readonly string[]): boolean;
  has(scope: NamedScope): boolean;
}

/**
 * Prepares a key's scopes for repeated checks. An empty list allows nothing. A stored pattern that no longer
 * parses allows nothing rather than failing open.
 */
export function compileScopes(scopes: readonly Scope[]): ScopeChecker {
  const named = new Set<string>();
  const routeScopes: { methods: ReadonlySet<string>; pattern: PathPattern }[] = [];
  for (const scope of scopes) {
    if (typeof scope === 'string') {
      named.add(scope);
      continue;
    }
    const parsed = parsePathPattern(scope.pattern);
    if (parsed.ok) {
      routeScopes.push({ methods: new Set(scope.methods), pattern: parsed.pattern });
    }
  }
  const allowsSegments = (method: string, segments: readonly string[]): boolean => {
    for (const scope of routeScopes) {
      if (methodAllowed(scope.methods, method) && pathPatternMatches(scope.pattern, segments)) {
        return true;
      }
    }
    return false;
  };
  return {
    allows(method: string, path: string): boolean {
      const split = splitRequestPath(path);
      return split.ok && allowsSegments(method, split.segments);
    },
    allowsSegments,
    has(scope: NamedScope): boolean {
      return named.has(scope);
    },
  };
}

/** Whether the scopes allow a gateway call. A read-only key (`GET`/`HEAD`) cannot `POST`. */
export function scopeAllows(scopes: readonly Scope[], method: string, path: string): boolean {
  return compileScopes(scopes).allows(method, path);
}

/** Whether the scopes include a named scope such as `usage:read`. */
export function hasNamedScope(scopes: readonly Scope[], scope: NamedScope): boolean {
  return scopes.includes(scope);
}

function methodAllowed(methods: ReadonlySet<string>, method: string): boolean {
  return methods.has('*') || methods.has(method) || (method === 'HEAD' && methods.has('GET'));
}

const SCOPE_PROPERTIES = ['methods', 'pattern'];

/**
 * Checks scopes from API input: each item is a named scope (`"usage:read"`) or `{ methods, pattern }`.
 * Method names are accepted in any case and returned upper-case. Errors name the field, e.g.
 * `scopes[1].methods[0]`.
 */
export function validateScopes(input: unknown, field = 'scopes'): ValidationResult<Scope[]> {
  if (!Array.isArray(input)) {
    return { ok: false, issues: [{ field, reason: `must be an array of scopes, got ${quoteInput(input)}` }] };
  }
  if (input.length > MAX_SCOPES) {
    return {
      ok: false,
      issues: [{ field, reason: `has ${input.length} scopes, at most ${MAX_SCOPES} allowed` }],
    };
  }
  const issues: FieldIssue[] = [];
  const scopes: Scope[] = [];
  const seen = new Map<string, number>();
  (input as unknown[]).forEach((item, index) => {
    const itemField = fieldPath(field, index);
    const scope = readScope(item, itemField, issues);
    if (scope === undefined) {
      return;
    }
    const key = typeof scope === 'string' ? scope : `${[...scope.methods].sort().join(',')} ${scope.pattern}`;
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push({ field: itemField, reason: `duplicates ${fieldPath(field, first)}` });
      return;
    }
    seen.set(key, index);
    scopes.push(scope);
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: scopes };
}

function readScope(item: unknown, field: string, issues: FieldIssue[]): Scope | undefined {
  if (typeof item === 'string') {
    if ((NAMED_SCOPES as readonly string[]).includes(item)) {
      return item as NamedScope;
    }
    issues.push({
      field,
      reason: `unknown scope ${quoteInput(item)}; expected one of ${NAMED_SCOPES.join(', ')} or an object { methods, pattern }`,
    });
    return undefined;
  }
  if (!isPlainObject(item)) {
    issues.push({
      field,
      reason: `must be a scope name or an object { methods, pattern }, got ${quoteInput(item)}`,
    });
    return undefined;
  }
  const found = unknownPropertyIssues(item, SCOPE_PROPERTIES, field);
  const methods = readMethods(item.methods, fieldPath(field, 'methods'), found);
  const parsed = parsePathPattern(item.pattern);
  if (!parsed.ok) {
    found.push({ field: fieldPath(field, 'pattern'), reason: parsed.reason });
  }
  issues.push(...found);
  if (found.length > 0 || methods === undefined) {
    return undefined;
  }
  return { methods, pattern: item.pattern as string };
}

function readMethods(input: unknown, field: string, issues: FieldIssue[]): MethodOrAny[] | undefined {
  if (!Array.isArray(input) || input.length === 0) {
    issues.push({
      field,
      reason: `must be a non-empty array of methods such as ["GET", "HEAD"] or ["*"], got ${quoteInput(input)}`,
    });
    return undefined;
  }
  const methods: MethodOrAny[] = [];
  const before = issues.length;
  (input as unknown[]).forEach((value, index) => {
    const methodField = fieldPath(field, index);
    const method = typeof value === 'string' ? value.toUpperCase() : value;
    if (method !== '*' && !isHttpMethod(method)) {
      issues.push({
        field: methodField,
        reason: `unknown method ${quoteInput(value)}; expected one of ${HTTP_METHODS.join(', ')} or "*"`,
      });
      return;
    }
    if (methods.includes(method)) {
      issues.push({ field: methodField, reason: `duplicates ${quoteInput(method)}` });
      return;
    }
    methods.push(method);
  });
  if (methods.includes('*') && input.length > 1) {
    issues.push({ field, reason: '"*" already means every method and must be the only entry' });
  }
  return issues.length > before ? undefined : methods;
}
