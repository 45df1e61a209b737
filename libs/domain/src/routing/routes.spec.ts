import { validateRoute, validateRoutes } from './routes';

const valid = {
  id: 'quotes.get',
  method: 'GET',
  pattern: '/v1/quotes/:symbol',
  upstream: 'https://quotes.internal:8443/api',
  creditsPerCall: '0.50',
};

describe('validateRoute', () => {
  it('accepts a valid route and returns its cost in canonical form', () => {
    expect(validateRoute(valid)).toEqual({ ok: true, value: { ...valid, creditsPerCall: '0.5' } });
  });

  it.each([
    ['id', '', 'route.id'],
    ['id', '-starts-with-dash', 'route.id'],
    ['method', 'get', 'route.method'],
    ['method', 'FETCH', 'route.method'],
    ['pattern', 'v1/quotes', 'route.pattern'],
    ['pattern', '/v1/quotes/', 'route.pattern'],
    ['pattern', '/v1/*/quotes', 'route.pattern'],
    ['pattern', '/v1/:a/:a', 'route.pattern'],
    ['pattern', '/v1/../admin', 'route.pattern'],
    ['pattern', '/v1/a*b', 'route.pattern'],
    ['upstream', 'ftp://files.internal', 'route.upstream'],
    ['upstream', 'not a url', 'route.upstream'],
    ['upstream', 'https://user:secret@quotes.internal', 'route.upstream'],
    ['upstream', 'https://quotes.internal/?a=1', 'route.upstream'],
    ['creditsPerCall', '-1', 'route.creditsPerCall'],
    ['creditsPerCall', '1e3', 'route.creditsPerCall'],
    ['creditsPerCall', '0.0000001', 'route.creditsPerCall'],
    ['creditsPerCall', 1, 'route.creditsPerCall'],
  ])('rejects %s = %j, naming %s', (property, value, field) => {
    const result = validateRoute({ ...valid, [property]: value });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues.map((issue) => issue.field)).toEqual([field]);
  });

  it('never echoes an upstream URL that may hold credentials', () => {
    const result = validateRoute({ ...valid, upstream: 'https://user:s3cr3t@quotes.internal' });
    expect(JSON.stringify(result)).not.toContain('s3cr3t');
    const malformed = validateRoute({ ...valid, upstream: 'https://user:s3cr3t@[bad' });
    expect(JSON.stringify(malformed)).not.toContain('s3cr3t');
  });

  it('rejects unknown properties and non-objects', () => {
    const result = validateRoute({ ...valid, cost: '1' }, 'body');
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          field: 'body.cost',
          reason: 'is not a known property; expected id, method, pattern, upstream, creditsPerCall',
        },
      ],
    });
    expect(validateRoute(null).ok).toBe(false);
  });
});

describe('validateRoutes', () => {
  it('names each invalid route by index and reports duplicate ids and ambiguous patterns', () => {
    const result = validateRoutes([
      valid,
      { ...valid, pattern: '/v1/quotes/:ticker' },
      { ...valid, id: 'quotes.post', method: 'POST' },
      { ...valid, id: 'bad', creditsPerCall: 'x' },
      { ...valid, id: 'quotes.any', method: '*' },
    ]);
    expect(result).toEqual({
      ok: false,
      issues: [
        { field: 'routes[1].id', reason: 'duplicates routes[0].id' },
        { field: 'routes[1].pattern', reason: 'matches exactly the same GET requests as routes[0]' },
        {
          field: 'routes[3].creditsPerCall',
          reason: expect.stringMatching(/non-negative decimal/) as string,
        },
      ],
    });
  });

  it('treats "*" and "/*" as the same pattern', () => {
    const result = validateRoutes([
      { ...valid, id: 'a', pattern: '*' },
      { ...valid, id: 'b', pattern: '/*' },
    ]);
    expect(result.ok ? [] : result.issues.map((issue) => issue.field)).toEqual(['routes[1].pattern']);
  });

  it('requires an array', () => {
    expect(validateRoutes(valid)).toEqual({
      ok: false,
      issues: [{ field: 'routes', reason: 'must be an array of routes, got an object' }],
    });
  });
});
