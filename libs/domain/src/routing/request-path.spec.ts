import { splitRequestPath } from './request-path';

describe('splitRequestPath', () => {
  it.each([
    ['/', []],
    ['/v1/quotes', ['v1', 'quotes']],
    ['/v1/quotes/', ['v1', 'quotes']],
    ['/v1/quotes?symbol=a/b', ['v1', 'quotes']],
    ['/v1/quotes#frag', ['v1', 'quotes']],
    ['/v1/quotes/BRK%2FA', ['v1', 'quotes', 'BRK/A']],
    ['/v1/caf%C3%A9', ['v1', 'café']],
    ['/v1/a..b/...', ['v1', 'a..b', '...']],
  ])('splits %s', (path, segments) => {
    expect(splitRequestPath(path)).toEqual({ ok: true, segments });
  });

  it.each([
    ['', 'not_absolute'],
    ['v1/quotes', 'not_absolute'],
    ['*', 'not_absolute'],
    ['//v1', 'empty_segment'],
    ['/v1//quotes', 'empty_segment'],
    ['/v1/quotes//', 'empty_segment'],
    ['/v1/%zz', 'bad_encoding'],
    ['/v1/%C3', 'bad_encoding'],
    ['/v1/../admin', 'dot_segment'],
    ['/v1/./quotes', 'dot_segment'],
    ['/v1/%2E%2e/admin', 'dot_segment'],
    ['/v1/..%2Fadmin', 'dot_segment'],
    ['/v1/x%2F..', 'dot_segment'],
    ['/v1/..%5Cadmin', 'dot_segment'],
  ])('refuses %j (%s)', (path, reason) => {
    expect(splitRequestPath(path)).toEqual({ ok: false, reason });
  });
});
