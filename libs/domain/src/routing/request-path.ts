export type RequestPathProblem = 'not_absolute' | 'empty_segment' | 'bad_encoding' | 'dot_segment';

export type SplitRequestPath =
  | { readonly ok: true; readonly segments: readonly string[] }
  | { readonly ok: false; readonly reason: RequestPathProblem };

/**
 * Splits a request path into percent-decoded segments, the form routes and scopes are matched against.
 * The query string and fragment are dropped and one trailing slash is ignored (`/v1/quotes/` is
 * `/v1/quotes`; `/` has no segments). Paths that an upstream could resolve differently from the gateway are
 * refused rather than guessed at: empty segments (`//`), malformed percent-encoding, and dot segments
 * (`.`/`..`, also encoded as `%2e`, or hidden behind an encoded `/` or `\`).
 */
export function splitRequestPath(path: string): SplitRequestPath {
  const end = firstIndexOf(path, '?', '#');
  const pathOnly = path.slice(0, end);
  if (!pathOnly.startsWith('/')) {
    return { ok: false, reason: 'not_absolute' };
  }
  const raw = pathOnly.slice(1).split('/');
  if (raw.length > 0 && raw[raw.length - 1] === '') {
    raw.pop();
  }
  const segments: string[] = [];
  for (const segment of raw) {
    if (segment === '') {
      return { ok: false, reason: 'empty_segment' };
    }
    if (segment.indexOf('%') === -1 && segment.indexOf('\\') === -1) {
      // Nothing encoded and no backslash (the common case, on every gateway call): the segment is its own
      // decoding and can hide no dot segment.
      if (segment === '.' || segment === '..') {
        return { ok: false, reason: 'dot_segment' };
      }
      segments.push(segment);
      continue;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return { ok: false, reason: 'bad_encoding' };
    }
    if (hasDotSegment(decoded)) {
      return { ok: false, reason: 'dot_segment' };
    }
    segments.push(decoded);
  }
  return { ok: true, segments };
}

function hasDotSegment(decoded: string): boolean {
  return decoded.split(/[/\\]/).some((piece) => piece === '.' || piece === '..');
}

function firstIndexOf(text: string, ...needles: string[]): number {
  let end = text.length;
  for (const needle of needles) {
    const index = text.indexOf(needle);
    if (index !== -1 && index < end) {
      end = index;
    }
  }
  return end;
}
