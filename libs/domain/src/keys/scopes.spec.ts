import {
  FULL_ACCESS_SCOPE,
  READ_ONLY_SCOPE,
  compileScopes,
  hasNamedScope,
  scopeAllows,
  validateScopes,
  type Scope,
} from './scopes';
import { splitRequestPath } from '../routing/request-path';

describe('scopeAllows', () => {
  const quotesReadOnly: Scope[] = [{ methods: ['GET', 'HEAD'], pattern: '/v1/quotes/*' }];

  it.each([
    // scopes, method, path, allowed
    [[READ_ONLY_SCOPE], 'GET', '/v1/quotes/AAPL', true],
    [[READ_ONLY_SCOPE], 'HEAD', '/v1/quotes/AAPL', true],
    [[READ_ONLY_SCOPE], 'POST', '/v1/quotes/AAPL', false],
    [[READ_ONLY_SCOPE], 'DELETE', '/v1/orders/1', false],
    [[FULL_ACCESS_SCOPE], 'POST', '/v1/orders', true],
    [[FULL_ACCESS_SCOPE], 'PURGE', '/', true],
    [quotesReadOnly, 'GET', '/v1/quotes', true],
    [quotesReadOnly, 'GET', '/v1/quotes/AAPL/history', true],
    [quotesReadOnly, 'GET', '/v1/quotesX', false],
    [quotesReadOnly, 'GET', '/v1/history/AAPL', false],
    [quotesReadOnly, 'POST', '/v1/quotes/AAPL', false],
    [[{ methods: ['GET'], pattern: '/v1/quotes/:symbol' }], 'GET', '/v1/quotes/MSFT', true],
    [[{ methods: ['GET'], pattern: '/v1/quotes/:symbol' }], 'HEAD', '/v1/quotes/MSFT', true],
    [[{ methods: ['GET'], pattern: '/v1/quotes/:symbol' }], 'GET', '/v1/quotes', false],
    [[{ methods: ['GET'], pattern: '/v1/quotes/:symbol' }], 'GET', '/v1/quotes/MSFT/history', false],
    [[{ methods: ['GET'], pattern: '/v1/quotes/:symbol' }], 'GET', '/v1/quotes/MSFT?fields=bid', true],
    [[{ methods: ['HEAD'], pattern: '*' }], 'GET', '/v1/quotes/MSFT', false],
    [[{ methods: ['POST'], pattern: '/v1/orders' }], 'POST', '/v1/orders/', true],
    [[{ methods: ['POST'], pattern: '/v1/orders' }], 'post', '/v1/orders', false],
    [[], 'GET', '/v1/quotes/AAPL', false],
    [['usage:read'], 'GET', '/v1/quotes/AAPL', false],
  ] as [Scope[], string, string, boolean][])('%j allows %s %s: %s', (scopes, method, path, allowed) => {
    expect(scopeAllows(scopes, method, path)).toBe(allowed);
    // The gateway splits the path once and checks the segments: same answer.
    const split = splitRequestPath(path);
    expect(split.ok && compileScopes(scopes).allowsSegments(method, split.segments)).toBe(allowed);
  });

  it('never lets a path escape its scope with dot segments or encoded slashes', () => {
    const scopes: Scope[] = [{ methods: ['*'], pattern: '/v1/quotes/*' }];
    for (const path of [
      '/v1/quotes/../admin',
      '/v1/quotes/%2e%2e/admin',
      '/v1/quotes/%2E%2E/admin',
      '/v1/quotes/..%2Fadmin',
      '/v1/quotes/..%5Cadmin',
      '/v1/quotes/./AAPL',
      '/v1/quotes//AAPL',
      '/v1/quotes/%zz',
      'v1/quotes/AAPL',
    ]) {
      expect([path, scopeAllows(scopes, 'GET', path)]).toEqual([path, false]);
    }
  });

  it('matches static segments after percent-decoding, as the upstream will read them', () => {
    expect(scopeAllows([{ methods: ['GET'], pattern: '/v1/quotes/*' }], 'GET', '/v1/%71uotes/AAPL')).toBe(
      true,
    );
    expect(scopeAllows([{ methods: ['GET'], pattern: '/v1/history/*' }], 'GET', '/v1/%71uotes/AAPL')).toBe(
      false,
    );
  });

  it('ignores a stored scope whose pattern no longer parses rather than allowing everything', () => {
    expect(scopeAllows([{ methods: ['*'], pattern: 'v1/**' }], 'GET', '/v1/x')).toBe(false);
  });
});

describe('named scopes', () => {
  it('are held only when listed', () => {
    expect(hasNamedScope(['usage:read'], 'usage:read')).toBe(true);
    expect(hasNamedScope([FULL_ACCESS_SCOPE], 'usage:read')).toBe(false);
    expect(compileScopes(['usage:read', READ_ONLY_SCOPE]).has('usage:read')).toBe(true);
    expect(compileScopes([READ_ONLY_SCOPE]).has('usage:read')).toBe(false);
  });
});

describe('validateScopes', () => {
  it('accepts named and route scopes, upper-casing methods', () => {
    expect(
      validateScopes([
        'usage:read',
        { methods: ['get', 'HEAD'], pattern: '/v1/quotes/:symbol' },
        { methods: ['*'], pattern: '*' },
      ]),
    ).toEqual({
      ok: true,
      value: [
        'usage:read',
        { methods: ['GET', 'HEAD'], pattern: '/v1/quotes/:symbol' },
        { methods: ['*'], pattern: '*' },
      ],
    });
    expect(validateScopes([])).toEqual({ ok: true, value: [] });
  });

  it('names the offending field of every problem', () => {
    const result = validateScopes([
      { methods: ['GET'], pattern: '/v1/ok' },
      { methods: ['GET', 'FETCH'], pattern: '/v1/quotes/*' },
      { methods: [], pattern: '/v1/x' },
      { methods: ['*', 'GET'], pattern: '/v1/y' },
      { methods: ['GET'], pattern: 'v1/no-slash' },
      { methods: ['GET'], pattern: '/v1/*/x' },
      { method: ['GET'], pattern: '/v1/z' },
      'usage:write',
      42,
      { methods: ['GET', 'get'], pattern: '/v1/dup' },
    ]);
    expect(result.ok).toBe(false);
    const fields = result.ok ? [] : result.issues.map((issue) => issue.field);
    expect(fields).toEqual([
      'scopes[1].methods[1]',
      'scopes[2].methods',
      'scopes[3].methods',
      'scopes[4].pattern',
      'scopes[5].pattern',
      'scopes[6].method',
      'scopes[6].methods',
      'scopes[7]',
      'scopes[8]',
      'scopes[9].methods[1]',
    ]);
    const reasons = result.ok ? [] : result.issues.map((issue) => issue.reason);
    expect(reasons[0]).toMatch(/unknown method "FETCH"/);
    expect(reasons[3]).toMatch(/must start with "\/"/);
    expect(reasons[4]).toMatch(/only allowed as the last segment/);
    expect(reasons[7]).toMatch(/unknown scope "usage:write"/);
  });

  it('rejects duplicates and non-arrays, and uses the given field name', () => {
    const duplicate = validateScopes(['usage:read', 'usage:read'], 'body.scopes');
    expect(duplicate).toEqual({
      ok: false,
      issues: [{ field: 'body.scopes[1]', reason: 'duplicates body.scopes[0]' }],
    });
    expect(validateScopes({ methods: ['GET'] })).toEqual({
      ok: false,
      issues: [{ field: 'scopes', reason: 'must be an array of scopes, got an object' }],
    });
  });

  it('accepts what it returns', () => {
    const first = validateScopes([{ methods: ['get'], pattern: '/v1/a/:b/*' }, 'usage:read']);
    expect(first.ok && validateScopes(first.value)).toEqual(first);
  });
});
