import fc from 'fast-check';
import { matchPathPattern, parsePathPattern, patternShape } from './path-pattern';
import { splitRequestPath } from './request-path';
import { compileRoutes, type RouteMatch } from './route-matcher';
import { InvalidRoutesError, type Route } from './routes';

function route(id: string, method: Route['method'], pattern: string, creditsPerCall = '1'): Route {
  return { id, method, pattern, upstream: 'https://upstream.example.com', creditsPerCall };
}

function summary(
  match: RouteMatch | undefined,
): { id: string; template: string; params: Record<string, string> } | undefined {
  return match === undefined
    ? undefined
    : { id: match.route.id, template: match.template, params: { ...match.params } };
}

describe('compileRoutes', () => {
  const matcher = compileRoutes([
    route('quote', 'GET', '/v1/quotes/:symbol'),
    route('quote-latest', 'GET', '/v1/quotes/latest'),
    route('quote-history', 'GET', '/v1/quotes/:symbol/history'),
    route('history', '*', '/v1/history/*', '2.5'),
    route('history-export', 'POST', '/v1/history/export'),
    route('v1-any', '*', '/v1/*', '0'),
    route('symbol-news', 'GET', '/v1/:symbol/news'),
    route('root', 'GET', '/'),
    route('orders-any', '*', '/v1/orders/:id'),
    route('orders-delete', 'DELETE', '/v1/orders/:id'),
  ]);

  it.each([
    ['GET', '/v1/quotes/AAPL', 'quote', '/v1/quotes/:symbol', { symbol: 'AAPL' }],
    ['GET', '/v1/quotes/latest', 'quote-latest', '/v1/quotes/latest', {}],
    ['GET', '/v1/quotes/AAPL/history', 'quote-history', '/v1/quotes/:symbol/history', { symbol: 'AAPL' }],
    ['GET', '/v1/quotes/latest/history', 'quote-history', '/v1/quotes/:symbol/history', { symbol: 'latest' }],
    ['GET', '/v1/quotes/AAPL/other', 'v1-any', '/v1/*', {}],
    ['GET', '/v1/history', 'history', '/v1/history/*', {}],
    ['GET', '/v1/history/2024/01', 'history', '/v1/history/*', {}],
    ['POST', '/v1/history/export', 'history-export', '/v1/history/export', {}],
    ['GET', '/v1/history/export', 'history', '/v1/history/*', {}],
    ['GET', '/v1/quotes/news', 'quote', '/v1/quotes/:symbol', { symbol: 'news' }],
    ['GET', '/v1/quotes', 'v1-any', '/v1/*', {}],
    ['GET', '/v1/MSFT/news', 'symbol-news', '/v1/:symbol/news', { symbol: 'MSFT' }],
    ['GET', '/v1/history/news', 'history', '/v1/history/*', {}],
    ['POST', '/v1/quotes/AAPL', 'v1-any', '/v1/*', {}],
    ['GET', '/', 'root', '/', {}],
    ['DELETE', '/v1/orders/42', 'orders-delete', '/v1/orders/:id', { id: '42' }],
    ['PATCH', '/v1/orders/42', 'orders-any', '/v1/orders/:id', { id: '42' }],
    ['HEAD', '/v1/quotes/AAPL', 'quote', '/v1/quotes/:symbol', { symbol: 'AAPL' }],
    ['GET', '/v1/quotes/BRK%2FA', 'quote', '/v1/quotes/:symbol', { symbol: 'BRK/A' }],
    ['GET', '/v1/quotes/AAPL/?x=1', 'quote', '/v1/quotes/:symbol', { symbol: 'AAPL' }],
    ['TRACE', '/v1/quotes/AAPL', 'v1-any', '/v1/*', {}],
  ])('%s %s → %s (%s)', (method, path, id, template, params) => {
    expect(summary(matcher.match(method, path))).toEqual({ id, template, params });
  });

  it.each([
    ['GET', '/v2/quotes/AAPL'],
    ['POST', '/'],
    ['GET', '/v1/quotes/../../admin'],
    ['GET', '/v1//quotes'],
    ['GET', 'v1/quotes/AAPL'],
    ['GET', '/v1/quotes/%E0%A4%A'],
  ])('%s %s matches no route', (method, path) => {
    expect(matcher.match(method, path)).toBeUndefined();
  });

  it('returns the route with its cost, so the usage event carries the template and units', () => {
    const match = matcher.match('GET', '/v1/history/2024');
    expect(match?.route).toEqual(route('history', '*', '/v1/history/*', '2.5'));
  });

  it('prefers an exact method over GET-for-HEAD over "*" for the same pattern', () => {
    const table = compileRoutes([
      route('any', '*', '/v1/data'),
      route('get', 'GET', '/v1/data'),
      route('head', 'HEAD', '/v1/data'),
    ]);
    expect(table.match('HEAD', '/v1/data')?.route.id).toBe('head');
    expect(table.match('GET', '/v1/data')?.route.id).toBe('get');
    expect(table.match('POST', '/v1/data')?.route.id).toBe('any');
    expect(
      compileRoutes([route('any', '*', '/v1/data'), route('get', 'GET', '/v1/data')]).match(
        'HEAD',
        '/v1/data',
      )?.route.id,
    ).toBe('get');
  });

  it('ranks path specificity before method specificity', () => {
    const table = compileRoutes([
      route('param-get', 'GET', '/v1/:x'),
      route('static-any', '*', '/v1/quotes'),
    ]);
    expect(table.match('GET', '/v1/quotes')?.route.id).toBe('static-any');
  });

  it('lets "*" alone match every path, including "/"', () => {
    const table = compileRoutes([route('all', '*', '*')]);
    expect(table.match('GET', '/')?.template).toBe('*');
    expect(table.match('PUT', '/a/b/c')?.template).toBe('*');
  });

  it('matches nothing with no routes', () => {
    expect(compileRoutes([]).match('GET', '/')).toBeUndefined();
  });

  it('refuses invalid route tables, naming the fields', () => {
    expect(() => compileRoutes([route('a', 'GET', '/v1/:x'), route('b', 'GET', '/v1/:y')])).toThrow(
      InvalidRoutesError,
    );
    try {
      compileRoutes([route('a', 'GET', '/v1/:x'), route('a', 'POST', 'v1')]);
    } catch (error) {
      expect((error as InvalidRoutesError).issues.map((issue) => issue.field)).toEqual(['routes[1].pattern']);
    }
  });
});

// A direct reading of the precedence rule, to check the compiled automaton against.
const STATIC = 0;
const PARAM = 1;
const END = 2;
const WILDCARD = 3;

function rank(pattern: string): number[] {
  const parsed = parsePathPattern(pattern);
  if (!parsed.ok) throw new Error(parsed.reason);
  const kinds = parsed.pattern.segments.map((segment) =>
    segment.kind === 'static' ? STATIC : segment.kind === 'param' ? PARAM : WILDCARD,
  );
  return kinds[kinds.length - 1] === WILDCARD ? kinds : [...kinds, END];
}

function compareRanks(a: number[], b: number[]): number {
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
    if (a[index] !== b[index]) return a[index] - b[index];
  }
  return a.length - b.length;
}

function methodPriority(routeMethod: string, method: string): number {
  if (routeMethod === method) return 3;
  if (method === 'HEAD' && routeMethod === 'GET') return 2;
  return routeMethod === '*' ? 1 : 0;
}

function referenceMatch(routes: readonly Route[], method: string, path: string): Route | undefined {
  const split = splitRequestPath(path);
  if (!split.ok) return undefined;
  let best: Route | undefined;
  for (const candidate of routes) {
    if (methodPriority(candidate.method, method) === 0) continue;
    const parsed = parsePathPattern(candidate.pattern);
    if (!parsed.ok || matchPathPattern(parsed.pattern, split.segments) === undefined) continue;
    if (best === undefined) {
      best = candidate;
      continue;
    }
    const order = compareRanks(rank(candidate.pattern), rank(best.pattern));
    if (
      order < 0 ||
      (order === 0 && methodPriority(candidate.method, method) > methodPriority(best.method, method))
    ) {
      best = candidate;
    }
  }
  return best;
}

const literal = fc.constantFrom('a', 'b', 'c');
const patternArb = fc
  .tuple(fc.array(fc.oneof(literal, fc.constant(':')), { maxLength: 4 }), fc.boolean())
  .map(([parts, wildcard]) => {
    const segments = parts.map((part, index) => (part === ':' ? `:p${index}` : part));
    if (wildcard) segments.push('*');
    return `/${segments.join('/')}`;
  });
const routeMethodArb = fc.constantFrom<Route['method']>('GET', 'HEAD', 'POST', '*');
const requestMethodArb = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT');
const routesArb = fc
  .uniqueArray(fc.tuple(routeMethodArb, patternArb), {
    maxLength: 12,
    selector: ([method, pattern]) => {
      const parsed = parsePathPattern(pattern);
      return `${method} ${parsed.ok ? patternShape(parsed.pattern) : pattern}`;
    },
  })
  .map((pairs) => pairs.map(([method, pattern], index) => route(`r${index}`, method, pattern)));
const pathArb = fc
  .array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 5 })
  .chain((segments) => fc.constantFrom(`/${segments.join('/')}`, `/${segments.join('/')}/`));

/** A concrete path the pattern matches: params filled, the wildcard expanded to 0-2 segments. */
function pathFrom(pattern: string, fill: string[]): string {
  const parsed = parsePathPattern(pattern);
  if (!parsed.ok) throw new Error(parsed.reason);
  const segments: string[] = [];
  for (const [index, segment] of parsed.pattern.segments.entries()) {
    if (segment.kind === 'static') segments.push(segment.value);
    else if (segment.kind === 'param') segments.push(fill[index % fill.length]);
    else segments.push(...fill.slice(0, index % 3));
  }
  return `/${segments.map(encodeURIComponent).join('/')}`;
}

describe('compileRoutes (properties)', () => {
  it('agrees with the direct reading of the precedence rule on every path', () => {
    fc.assert(
      fc.property(routesArb, requestMethodArb, pathArb, (routes, method, path) => {
        const expected = referenceMatch(routes, method, path);
        const actual = compileRoutes(routes).match(method, path);
        expect(actual?.route.id).toBe(expected?.id);
        if (expected !== undefined && actual !== undefined) {
          expect(actual.template).toBe(expected.pattern);
          const parsed = parsePathPattern(expected.pattern);
          const split = splitRequestPath(path);
          expect(parsed.ok && split.ok && { ...matchPathPattern(parsed.pattern, split.segments) }).toEqual({
            ...actual.params,
          });
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('matches a path split once (matchSegments) exactly as it matches the raw path', () => {
    fc.assert(
      fc.property(routesArb, requestMethodArb, pathArb, (routes, method, path) => {
        const matcher = compileRoutes(routes);
        const split = splitRequestPath(path);
        const bySegments = split.ok ? matcher.matchSegments(method, split.segments) : undefined;
        expect(bySegments).toEqual(matcher.match(method, path));
      }),
      { numRuns: 2000 },
    );
  });

  it('matches a path generated from a pattern to that pattern, with its template and parameters', () => {
    const fillArb = fc.array(fc.stringMatching(/^[A-Za-z0-9 ._~%/-]{1,8}$/), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(patternArb, routeMethodArb, fillArb, (pattern, method, fill) => {
        fc.pre(
          fill.every(
            (value) => !value.split(/[/\\]/).some((piece) => piece === '.' || piece === '..' || piece === ''),
          ),
        );
        const path = pathFrom(pattern, fill);
        const match = compileRoutes([route('only', method, pattern)]).match(
          method === '*' ? 'GET' : method,
          path,
        );
        expect(match?.template).toBe(pattern);
        const parsed = parsePathPattern(pattern);
        if (parsed.ok && match !== undefined) {
          parsed.pattern.segments.forEach((segment, index) => {
            if (segment.kind === 'param') expect(match.params[segment.name]).toBe(fill[index % fill.length]);
          });
        }
      }),
      { numRuns: 1000 },
    );
  });
});
