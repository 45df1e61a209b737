import { parseCreditAmount } from './credits';
import {
  fieldPath,
  isPlainObject,
  quoteInput,
  unknownPropertyIssues,
  type FieldIssue,
  type ValidationResult,
} from './field-issue';
import { HTTP_METHODS, isHttpMethod, type MethodOrAny } from './http-methods';
import { parsePathPattern, patternShape } from './path-pattern';

/** A gateway route: calls matching `method` and `pattern` go to `upstream` and cost `creditsPerCall`. */
export interface Route {
  /** Stable identifier: letters, digits and `.` `_` `:` `-`, up to 128 characters. */
  readonly id: string;
  readonly method: MethodOrAny;
  /** Path pattern (see `parsePathPattern`); reported as the call's route template. */
  readonly pattern: string;
  /** Absolute http(s) URL without credentials, query or fragment. */
  readonly upstream: string;
  /** Canonical decimal string, at most 6 fractional digits. */
  readonly creditsPerCall: string;
}

/** Routes rejected by {@link compileRoutes}; `issues` names every offending field. */
export class InvalidRoutesError extends Error {
  override readonly name = 'InvalidRoutesError';

  constructor(readonly issues: readonly FieldIssue[]) {
    super(issues.map((issue) => `${issue.field}: ${issue.reason}`).join('; '));
  }
}

const ROUTE_PROPERTIES = ['id', 'method', 'pattern', 'upstream', 'creditsPerCall'];
const ROUTE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const MAX_ROUTES = 10_000;

/**
 * Checks a list of route definitions from untrusted input. Besides each route's own fields, ids must be unique
 * and no two routes may have the same method and the same pattern shape (`/v1/:a` and `/v1/:b` would be
 * ambiguous). Errors are named from `field`, e.g. `routes[2].pattern`.
 */
export function validateRoutes(input: unknown, field = 'routes'): ValidationResult<Route[]> {
  if (!Array.isArray(input)) {
    return { ok: false, issues: [{ field, reason: `must be an array of routes, got ${quoteInput(input)}` }] };
  }
  if (input.length > MAX_ROUTES) {
    return {
      ok: false,
      issues: [{ field, reason: `has ${input.length} routes, at most ${MAX_ROUTES} allowed` }],
    };
  }
  const issues: FieldIssue[] = [];
  const routes: Route[] = [];
  const indexById = new Map<string, number>();
  const indexByShape = new Map<string, number>();
  (input as unknown[]).forEach((item, index) => {
    const itemField = fieldPath(field, index);
    const checked = validateRoute(item, itemField);
    if (!checked.ok) {
      issues.push(...checked.issues);
      return;
    }
    const route = checked.value;
    const sameId = indexById.get(route.id);
    if (sameId !== undefined) {
      issues.push({ field: fieldPath(itemField, 'id'), reason: `duplicates ${fieldPath(field, sameId)}.id` });
    } else {
      indexById.set(route.id, index);
    }
    const shape = `${route.method} ${shapeOf(route.pattern)}`;
    const sameShape = indexByShape.get(shape);
    if (sameShape !== undefined) {
      issues.push({
        field: fieldPath(itemField, 'pattern'),
        reason: `matches exactly the same ${route.method} requests as ${fieldPath(field, sameShape)}`,
      });
    } else {
      indexByShape.set(shape, index);
    }
    routes.push(route);
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: routes };
}

/** Checks one route definition from untrusted input; errors are named from `field`. */
export function validateRoute(input: unknown, field = 'route'): ValidationResult<Route> {
  if (!isPlainObject(input)) {
    return { ok: false, issues: [{ field, reason: `must be an object, got ${quoteInput(input)}` }] };
  }
  const issues = unknownPropertyIssues(input, ROUTE_PROPERTIES, field);
  const { id, method, pattern, upstream, creditsPerCall } = input;

  if (typeof id !== 'string' || !ROUTE_ID.test(id)) {
    issues.push({
      field: fieldPath(field, 'id'),
      reason: `must be 1 to 128 letters, digits, ".", "_", ":" or "-" starting with a letter or digit, got ${quoteInput(id)}`,
    });
  }
  if (method !== '*' && !isHttpMethod(method)) {
    issues.push({
      field: fieldPath(field, 'method'),
      reason: `must be one of ${HTTP_METHODS.join(', ')} or "*", got ${quoteInput(method)}`,
    });
  }
  const parsedPattern = parsePathPattern(pattern);
  if (!parsedPattern.ok) {
    issues.push({ field: fieldPath(field, 'pattern'), reason: parsedPattern.reason });
  }
  const upstreamProblem = upstreamIssue(upstream);
  if (upstreamProblem !== undefined) {
    issues.push({ field: fieldPath(field, 'upstream'), reason: upstreamProblem });
  }
  const credits = parseCreditAmount(creditsPerCall);
  if (!credits.ok) {
    issues.push({ field: fieldPath(field, 'creditsPerCall'), reason: credits.reason });
  }
  if (issues.length > 0 || !credits.ok) {
    return { ok: false, issues };
  }
  return {
    ok: true,
    value: {
      id: id as string,
      method: method as MethodOrAny,
      pattern: pattern as string,
      upstream: upstream as string,
      creditsPerCall: credits.amount,
    },
  };
}

function upstreamIssue(upstream: unknown): string | undefined {
  if (typeof upstream !== 'string') {
    return `must be an absolute http(s) URL, got ${quoteInput(upstream)}`;
  }
  let url: URL;
  try {
    url = new URL(upstream);
  } catch {
    // The value is not echoed: a malformed URL may still hold a secret.
    return 'must be an absolute http(s) URL such as "https://quotes.internal:8080"';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `must use http or https, got ${quoteInput(url.protocol)}`;
  }
  // Credentials in a URL end up in logs and error messages.
  if (url.username !== '' || url.password !== '') {
    return 'must not contain credentials (user:password@)';
  }
  if (url.search !== '' || url.hash !== '' || upstream.includes('#') || upstream.includes('?')) {
    return 'must not contain a query or fragment';
  }
  return undefined;
}

function shapeOf(pattern: string): string {
  const parsed = parsePathPattern(pattern);
  return parsed.ok ? patternShape(parsed.pattern) : pattern;
}
