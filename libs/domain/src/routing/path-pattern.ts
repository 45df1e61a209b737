/**
 * Path patterns, shared by gateway routes and key scopes:
 * - `*` alone matches every path;
 * - otherwise `/`-separated segments after a leading `/`: a static segment matches itself (compared with the
 *   percent-decoded request segment), `:name` matches any one segment and captures it, and a final `*`
 *   matches the rest of the path: zero or more segments (`/v1/history/*` matches `/v1/history` and
 *   `/v1/history/a/b`).
 */
export type PatternSegment =
  | { readonly kind: 'static'; readonly value: string }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'wildcard' };

export interface PathPattern {
  /** The pattern as written; used as the route template. */
  readonly source: string;
  readonly segments: readonly PatternSegment[];
}

export type PathPatternParse =
  { readonly ok: true; readonly pattern: PathPattern } | { readonly ok: false; readonly reason: string };

export const MAX_PATTERN_LENGTH = 512;
export const MAX_PATTERN_SEGMENTS = 32;

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** RFC 3986 path characters, except `*` which only appears as a whole wildcard segment. */
const STATIC_SEGMENT = /^[A-Za-z0-9\-._~!$&'()+,;=:@%]+$/;

/** Parses a pattern, or explains what is wrong with it (the caller names the field). */
export function parsePathPattern(source: unknown): PathPatternParse {
  if (typeof source !== 'string') {
    return { ok: false, reason: `must be a string such as "/v1/quotes/:symbol", got ${describe(source)}` };
  }
  if (source.length === 0 || source.length > MAX_PATTERN_LENGTH) {
    return { ok: false, reason: `must be 1 to ${MAX_PATTERN_LENGTH} characters long` };
  }
  if (source === '*') {
    return { ok: true, pattern: { source, segments: [{ kind: 'wildcard' }] } };
  }
  if (!source.startsWith('/')) {
    return { ok: false, reason: `must start with "/" or be "*", got ${JSON.stringify(clip(source))}` };
  }
  if (source === '/') {
    return { ok: true, pattern: { source, segments: [] } };
  }
  if (source.endsWith('/')) {
    return { ok: false, reason: 'must not end with "/" (a trailing slash is ignored when matching)' };
  }
  const texts = source.slice(1).split('/');
  if (texts.length > MAX_PATTERN_SEGMENTS) {
    return { ok: false, reason: `has ${texts.length} segments, at most ${MAX_PATTERN_SEGMENTS} allowed` };
  }
  const segments: PatternSegment[] = [];
  const paramNames = new Set<string>();
  for (const [index, text] of texts.entries()) {
    const position = `segment ${index + 1} (${JSON.stringify(clip(text))})`;
    if (text === '') {
      return { ok: false, reason: 'must not contain empty segments ("//")' };
    }
    if (text === '*') {
      if (index !== texts.length - 1) {
        return { ok: false, reason: `${position}: "*" is only allowed as the last segment` };
      }
      segments.push({ kind: 'wildcard' });
      continue;
    }
    if (text.startsWith(':')) {
      const name = text.slice(1);
      if (!PARAM_NAME.test(name)) {
        return { ok: false, reason: `${position}: a parameter name must match [A-Za-z_][A-Za-z0-9_]*` };
      }
      if (paramNames.has(name)) {
        return { ok: false, reason: `${position}: parameter ":${name}" appears twice` };
      }
      paramNames.add(name);
      segments.push({ kind: 'param', name });
      continue;
    }
    if (!STATIC_SEGMENT.test(text)) {
      return {
        ok: false,
        reason: `${position}: may only hold letters, digits, percent-encoding and - . _ ~ ! $ & ' ( ) + , ; = : @ ("*" must be a whole segment)`,
      };
    }
    let value: string;
    try {
      value = decodeURIComponent(text);
    } catch {
      return { ok: false, reason: `${position}: malformed percent-encoding` };
    }
    if (value.split(/[/\\]/).some((piece) => piece === '.' || piece === '..')) {
      return { ok: false, reason: `${position}: dot segments ("." and "..") are not allowed` };
    }
    segments.push({ kind: 'static', value });
  }
  return { ok: true, pattern: { source, segments } };
}

/**
 * Matches split request segments (from `splitRequestPath`) against one pattern; returns the captured
 * parameters, or undefined when the pattern does not match.
 */
export function matchPathPattern(
  pattern: PathPattern,
  segments: readonly string[],
): Record<string, string> | undefined {
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [index, part] of pattern.segments.entries()) {
    if (part.kind === 'wildcard') {
      return params;
    }
    if (index >= segments.length) {
      return undefined;
    }
    if (part.kind === 'static') {
      if (segments[index] !== part.value) {
        return undefined;
      }
    } else {
      params[part.name] = segments[index];
    }
  }
  return segments.length === pattern.segments.length ? params : undefined;
}

/** Whether the pattern matches the segments (`matchPathPattern` without capturing parameters). */
export function pathPatternMatches(pattern: PathPattern, segments: readonly string[]): boolean {
  const parts = pattern.segments;
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index];
    if (part.kind === 'wildcard') {
      return true;
    }
    if (index >= segments.length || (part.kind === 'static' && segments[index] !== part.value)) {
      return false;
    }
  }
  return segments.length === parts.length;
}

/**
 * The pattern with parameter names erased (`/v1/quotes/:symbol` → `/v1/quotes/:`): two patterns with the same
 * shape match exactly the same paths.
 */
export function patternShape(pattern: PathPattern): string {
  const parts = pattern.segments.map((part) =>
    part.kind === 'static' ? encodeURIComponent(part.value) : part.kind === 'param' ? ':' : '*',
  );
  return `/${parts.join('/')}`;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  return Array.isArray(value) ? 'an array' : typeof value;
}
