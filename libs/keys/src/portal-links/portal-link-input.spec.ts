import { ApiError } from '@keymeter/platform';
import { parsePortalLinkRequest } from './portal-link-input';

function issuesOf(body: unknown): unknown {
  try {
    parsePortalLinkRequest(body);
  } catch (error) {
    if (error instanceof ApiError) return error.details;
    throw error;
  }
  throw new Error('accepted');
}

describe('parsePortalLinkRequest', () => {
  it('defaults to one hour, with or without a body (null, as for other optional fields, is the default)', () => {
    expect(parsePortalLinkRequest(undefined)).toEqual({ ttlSeconds: 3600 });
    expect(parsePortalLinkRequest({})).toEqual({ ttlSeconds: 3600 });
    expect(parsePortalLinkRequest({ ttlSeconds: null })).toEqual({ ttlSeconds: 3600 });
  });

  it('takes 60 seconds to one day', () => {
    expect(parsePortalLinkRequest({ ttlSeconds: 60 })).toEqual({ ttlSeconds: 60 });
    expect(parsePortalLinkRequest({ ttlSeconds: 86_400 })).toEqual({ ttlSeconds: 86_400 });
  });

  it('names ttlSeconds when out of range or not a whole number, and unknown fields', () => {
    for (const ttlSeconds of [59, 86_401, 1.5, '3600']) {
      expect(issuesOf({ ttlSeconds })).toEqual([{ field: 'ttlSeconds', reason: expect.any(String) }]);
    }
    expect(issuesOf({ ttl: 60 })).toEqual([{ field: 'ttl', reason: expect.any(String) }]);
    expect(issuesOf([])).toEqual([{ field: 'body', reason: expect.any(String) }]);
  });
});
