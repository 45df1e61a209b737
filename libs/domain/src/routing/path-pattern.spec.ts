import { matchPathPattern, parsePathPattern, patternShape, type PathPattern } from './path-pattern';

function parsed(source: string): PathPattern {
  const result = parsePathPattern(source);
  if (!result.ok) throw new Error(result.reason);
  return result.pattern;
}

describe('parsePathPattern', () => {
  it('reads static, parameter and wildcard segments', () => {
    expect(parsed('/v1/quotes/:symbol/*').segments).toEqual([
      { kind: 'static', value: 'v1' },
      { kind: 'static', value: 'quotes' },
      { kind: 'param', name: 'symbol' },
      { kind: 'wildcard' },
    ]);
    expect(parsed('*').segments).toEqual([{ kind: 'wildcard' }]);
    expect(parsed('/').segments).toEqual([]);
    expect(parsed('/v1/items:batchGet').segments).toEqual([
      { kind: 'static', value: 'v1' },
      { kind: 'static', value: 'items:batchGet' },
    ]);
    expect(parsed('/v1/caf%C3%A9').segments[1]).toEqual({ kind: 'static', value: 'café' });
  });

  it.each([
    [42, /must be a string/],
    ['', /1 to 512 characters/],
    ['/'.padEnd(513, 'a'), /1 to 512 characters/],
    ['v1', /must start with "\/"/],
    ['/v1/', /must not end with "\/"/],
    ['/v1//a', /empty segments/],
    ['/*/a', /only allowed as the last segment/],
    ['/v1/:', /parameter name/],
    ['/v1/:1a', /parameter name/],
    ['/v1/:a/:a', /appears twice/],
    ['/v1/a*', /"\*" must be a whole segment/],
    ['/v1/a b', /may only hold/],
    ['/v1/%zz', /malformed percent-encoding/],
    ['/v1/..', /dot segments/],
    ['/v1/%2e', /dot segments/],
    [`/${Array.from({ length: 33 }, () => 'a').join('/')}`, /at most 32 allowed/],
  ])('rejects %j', (source, reason) => {
    const result = parsePathPattern(source);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });
});

describe('matchPathPattern', () => {
  it.each([
    ['/v1/quotes/:symbol', ['v1', 'quotes', 'AAPL'], { symbol: 'AAPL' }],
    ['/v1/quotes/:symbol', ['v1', 'quotes'], undefined],
    ['/v1/quotes/:symbol', ['v1', 'quotes', 'AAPL', 'x'], undefined],
    ['/v1/history/*', ['v1', 'history'], {}],
    ['/v1/history/*', ['v1', 'history', 'a', 'b'], {}],
    ['/v1/history/*', ['v1', 'historyX'], undefined],
    ['/:a/:b', ['x', 'y'], { a: 'x', b: 'y' }],
    ['*', [], {}],
    ['/', [], {}],
    ['/', ['a'], undefined],
  ])('%s against %j', (pattern, segments, params) => {
    const result = matchPathPattern(parsed(pattern), segments);
    expect(result === undefined ? undefined : { ...result }).toEqual(params);
  });

  it('captures a parameter named like an Object property as plain data', () => {
    const result = matchPathPattern(parsed('/:__proto__/:constructor'), ['x', 'y']);
    expect(result?.['__proto__']).toBe('x');
    expect(result?.['constructor']).toBe('y');
    expect(Object.getPrototypeOf(result)).toBeNull();
  });
});

describe('patternShape', () => {
  it('erases parameter names only', () => {
    expect(patternShape(parsed('/v1/:a/x'))).toBe(patternShape(parsed('/v1/:b/x')));
    expect(patternShape(parsed('/v1/:a/x'))).not.toBe(patternShape(parsed('/v1/a/x')));
    expect(patternShape(parsed('*'))).toBe(patternShape(parsed('/*')));
    expect(patternShape(parsed('/v1/%61'))).toBe(patternShape(parsed('/v1/a')));
  });
});
