import { quotaStatus, rateLimitHeaders, retryAfterSeconds, tokenBucketStatus } from './headers';
import { takeToken } from './token-bucket';

const T0 = Date.UTC(2025, 0, 1);
const day = { startMs: T0, endMs: T0 + 86_400_000 };

describe('rateLimitHeaders', () => {
  it('describes a token bucket: burst per fill time, whole tokens left, seconds until full', () => {
    const limit = { rate: 10, burst: 20 };
    const decision = takeToken(undefined, T0, limit);
    expect(rateLimitHeaders([tokenBucketStatus(limit, decision)])).toEqual({
      'RateLimit-Limit': '20',
      'RateLimit-Remaining': '19',
      'RateLimit-Reset': '1',
      'RateLimit-Policy': '20;w=2;comment="token bucket"',
    });
  });

  it('reports the limit closest to exhaustion and lists every policy', () => {
    const limit = { rate: 10, burst: 20 };
    const bucket = tokenBucketStatus(limit, takeToken(undefined, T0, limit));
    const daily = quotaStatus({
      limit: 1000,
      remaining: 15,
      window: day,
      nowMs: T0 + 3_600_000,
      comment: 'requests per day',
    });
    expect(rateLimitHeaders([bucket, daily])).toEqual({
      'RateLimit-Limit': '1000',
      'RateLimit-Remaining': '15',
      'RateLimit-Reset': String(23 * 3600),
      'RateLimit-Policy': '20;w=2;comment="token bucket", 1000;w=86400;comment="requests per day"',
    });
  });

  it('on a tie at zero, reports the limit that resets last', () => {
    const short = { limit: 10, remaining: 0, resetSeconds: 1, windowSeconds: 1 };
    const long = { limit: 100, remaining: 0, resetSeconds: 3600, windowSeconds: 86400 };
    expect(rateLimitHeaders([short, long])['RateLimit-Reset']).toBe('3600');
    expect(rateLimitHeaders([long, short])['RateLimit-Reset']).toBe('3600');
  });

  it('advertises credits in whole credits, rounded down', () => {
    const month = quotaStatus({
      limit: '5000.5',
      remaining: '12.75',
      window: day,
      nowMs: T0,
      comment: 'credits per month',
    });
    expect([month.limit, month.remaining]).toEqual([5000, 12]);
  });

  it('escapes the comment as a structured-field string', () => {
    const status = { limit: 1, remaining: 1, resetSeconds: 0, windowSeconds: 1, comment: 'say "hi" \\ é' };
    expect(rateLimitHeaders([status])['RateLimit-Policy']).toBe('1;w=1;comment="say \\"hi\\" \\\\ "');
  });

  it('sends nothing when no limit applies', () => {
    expect(rateLimitHeaders([])).toEqual({});
  });
});

describe('retryAfterSeconds', () => {
  it.each([
    [0, 0],
    [1, 1],
    [999, 1],
    [1000, 1],
    [1001, 2],
    [59_500, 60],
  ])('%d ms → %d s', (ms, seconds) => {
    expect(retryAfterSeconds(ms)).toBe(seconds);
  });
});
