import { quotaCheck, secondsUntilWindowEnd, windowContains, windowSeconds } from './quota';

describe('quotaCheck (requests)', () => {
  it.each([
    [0, 1, 10, true, 9],
    [9, 1, 10, true, 0],
    [10, 1, 10, false, 0],
    [12, 1, 10, false, 0],
    [10, 0, 10, true, 0],
    [0, 1, 0, false, 0],
    [5, 3, 10, true, 2],
    [8, 3, 10, false, 2],
  ])(
    'used %d + cost %d against limit %d → allowed %s, remaining %d',
    (used, cost, limit, allowed, remaining) => {
      expect(quotaCheck(used, cost, limit)).toEqual({ allowed, remaining });
    },
  );

  it('refuses negative or fractional counts', () => {
    expect(() => quotaCheck(-1, 1, 10)).toThrow(/used/);
    expect(() => quotaCheck(0, 1.5, 10)).toThrow(/cost/);
  });
});

describe('quotaCheck (credits)', () => {
  it('compares decimal credits exactly', () => {
    expect(quotaCheck('0.1', '0.2', '0.3')).toEqual({ allowed: true, remaining: '0' });
    expect(quotaCheck('999.999999', '0.000001', '1000')).toEqual({ allowed: true, remaining: '0' });
    expect(quotaCheck('999.999999', '0.000002', '1000')).toEqual({ allowed: false, remaining: '0.000001' });
    expect(quotaCheck('1000.5', '1', '1000')).toEqual({ allowed: false, remaining: '0' });
    expect(quotaCheck('10', '2.5', '100')).toEqual({ allowed: true, remaining: '87.5' });
  });

  it('refuses invalid amounts and mixed kinds, naming the argument', () => {
    expect(() => quotaCheck('1', 'x', '10')).toThrow(/^cost: /);
    expect(() => quotaCheck(1 as unknown as string, '1', '10')).toThrow(TypeError);
  });
});

describe('quota windows', () => {
  const day = { startMs: Date.UTC(2025, 2, 30, 23), endMs: Date.UTC(2025, 2, 31, 22) }; // a 23-hour DST day

  it('contain their start and not their end', () => {
    expect(windowContains(day, day.startMs)).toBe(true);
    expect(windowContains(day, day.endMs - 1)).toBe(true);
    expect(windowContains(day, day.endMs)).toBe(false);
    expect(windowContains(day, day.startMs - 1)).toBe(false);
  });

  it('count seconds to the end rounded up, and their own length', () => {
    expect(secondsUntilWindowEnd(day, day.endMs - 1)).toBe(1);
    expect(secondsUntilWindowEnd(day, day.endMs - 1000)).toBe(1);
    expect(secondsUntilWindowEnd(day, day.endMs - 1001)).toBe(2);
    expect(secondsUntilWindowEnd(day, day.endMs)).toBe(0);
    expect(windowSeconds(day)).toBe(23 * 3600);
  });
});
