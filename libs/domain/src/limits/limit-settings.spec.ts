import { validateQuotas, validateRateLimit } from './limit-settings';

describe('validateRateLimit', () => {
  it('accepts requests per second with up to 3 decimals and a whole burst', () => {
    expect(validateRateLimit({ rate: 10, burst: 20 })).toEqual({ ok: true, value: { rate: 10, burst: 20 } });
    expect(validateRateLimit({ rate: 0.001, burst: 1 })).toEqual({
      ok: true,
      value: { rate: 0.001, burst: 1 },
    });
    expect(validateRateLimit({ rate: 0.1, burst: 1 })).toEqual({ ok: true, value: { rate: 0.1, burst: 1 } });
  });

  it('names every offending field', () => {
    expect(validateRateLimit({ rate: 0, burst: 1.5, extra: true }, 'body.rateLimit')).toEqual({
      ok: false,
      issues: [
        { field: 'body.rateLimit.extra', reason: 'is not a known property; expected rate, burst' },
        { field: 'body.rateLimit.rate', reason: expect.stringMatching(/from 0.001/) as string },
        { field: 'body.rateLimit.burst', reason: expect.stringMatching(/whole number/) as string },
      ],
    });
    const fields = (input: unknown): string[] => {
      const result = validateRateLimit(input);
      return result.ok ? [] : result.issues.map((issue) => issue.field);
    };
    expect(fields({ rate: 0.0001, burst: 1 })).toEqual(['rateLimit.rate']);
    expect(fields({ rate: '10', burst: 1 })).toEqual(['rateLimit.rate']);
    expect(fields({ rate: 1, burst: 2_000_000 })).toEqual(['rateLimit.burst']);
    expect(fields(null)).toEqual(['rateLimit']);
  });
});

describe('validateQuotas', () => {
  it('accepts either quota, both, or none (null or missing)', () => {
    expect(validateQuotas({ requestsPerDay: 10_000, creditsPerMonth: '250000.50' })).toEqual({
      ok: true,
      value: { requestsPerDay: 10_000, creditsPerMonth: '250000.5' },
    });
    expect(validateQuotas({})).toEqual({ ok: true, value: { requestsPerDay: null, creditsPerMonth: null } });
    expect(validateQuotas({ requestsPerDay: null, creditsPerMonth: null })).toEqual({
      ok: true,
      value: { requestsPerDay: null, creditsPerMonth: null },
    });
  });

  it('names every offending field', () => {
    const result = validateQuotas({ requestsPerDay: -1, creditsPerMonth: 100 });
    expect(result.ok ? [] : result.issues.map((issue) => issue.field)).toEqual([
      'quotas.requestsPerDay',
      'quotas.creditsPerMonth',
    ]);
    const decimals = validateQuotas({ creditsPerMonth: '1.0000001' });
    expect(decimals.ok ? '' : decimals.issues[0].reason).toMatch(/at most 6 allowed/);
  });
});
