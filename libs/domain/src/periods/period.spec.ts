import { billingPeriod, InvalidTimeInputError, parsePeriod, periodContaining, shiftPeriod } from '.';

const iso = (date: Date): string => date.toISOString();
const range = (period: { start: Date; end: Date }): [string, string] => [iso(period.start), iso(period.end)];

describe('parsePeriod', () => {
  it('reads YYYY-MM', () => {
    expect(parsePeriod('2026-03')).toEqual({ year: 2026, month: 3 });
    expect(parsePeriod('1970-12')).toEqual({ year: 1970, month: 12 });
  });

  it.each(['2026-3', '2026-13', '2026-00', '26-03', '2026-03-01', '2026/03', ' 2026-03', '', '1969-12'])(
    'rejects %j naming the field',
    (value) => {
      expect(() => parsePeriod(value, 'query.period')).toThrow(InvalidTimeInputError);
      expect(() => parsePeriod(value, 'query.period')).toThrow(/^query\.period: must/);
    },
  );

  it('explains the expected format', () => {
    expect(() => parsePeriod('March 2026')).toThrow(
      'period: must be a month as YYYY-MM, e.g. 2026-03; got "March 2026"',
    );
    expect(() => parsePeriod(202603)).toThrow('got 202603');
  });
});

describe('shiftPeriod', () => {
  it('moves across year ends in both directions', () => {
    expect(shiftPeriod('2026-01', -1)).toBe('2025-12');
    expect(shiftPeriod('2025-12', 1)).toBe('2026-01');
    expect(shiftPeriod('2026-03', 0)).toBe('2026-03');
    expect(shiftPeriod('2026-03', -27)).toBe('2023-12');
  });
});

describe('billingPeriod', () => {
  it.each([
    ['2026-02', 'UTC', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
    // New York: March starts in EST (-5) and ends in EDT (-4); November starts in EDT and ends in EST.
    ['2026-03', 'America/New_York', '2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z'],
    ['2026-11', 'America/New_York', '2026-11-01T04:00:00.000Z', '2026-12-01T05:00:00.000Z'],
    // Auckland: April starts in NZDT (+13), DST ends 2026-04-05, May starts in NZST (+12).
    ['2026-04', 'Pacific/Auckland', '2026-03-31T11:00:00.000Z', '2026-04-30T12:00:00.000Z'],
    ['2026-03', 'Pacific/Auckland', '2026-02-28T11:00:00.000Z', '2026-03-31T11:00:00.000Z'],
    ['2026-09', 'Pacific/Auckland', '2026-08-31T12:00:00.000Z', '2026-09-30T11:00:00.000Z'],
    // London: BST from 2026-03-29.
    ['2026-01', 'Europe/London', '2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z'],
    ['2026-04', 'Europe/London', '2026-03-31T23:00:00.000Z', '2026-04-30T23:00:00.000Z'],
    ['2026-03', 'Asia/Kolkata', '2026-02-28T18:30:00.000Z', '2026-03-31T18:30:00.000Z'],
    ['2026-12', 'Asia/Kathmandu', '2026-11-30T18:15:00.000Z', '2026-12-31T18:15:00.000Z'],
    // Samoa skipped 2011-12-30 when it moved across the date line (-10 to +14).
    ['2011-12', 'Pacific/Apia', '2011-12-01T10:00:00.000Z', '2011-12-31T10:00:00.000Z'],
  ])('%s in %s is [%s, %s)', (period, zone, start, end) => {
    const result = billingPeriod(period, zone);
    expect(range(result)).toEqual([start, end]);
    expect(result).toMatchObject({
      period,
      timeZone: zone,
      startMs: Date.parse(start),
      endMs: Date.parse(end),
    });
  });

  it('names the field of a bad period or zone', () => {
    expect(() => billingPeriod('2026-3', 'UTC')).toThrow(/^period: /);
    expect(() => billingPeriod('2026-03', 'Europe/Londres')).toThrow(/^timeZone: /);
  });
});

describe('periodContaining', () => {
  it.each([
    ['2026-03-31T10:59:59.999Z', 'Pacific/Auckland', '2026-03'],
    ['2026-03-31T11:00:00.000Z', 'Pacific/Auckland', '2026-04'],
    ['2026-04-01T03:59:59.999Z', 'America/New_York', '2026-03'],
    ['2026-04-01T04:00:00.000Z', 'America/New_York', '2026-04'],
    ['2026-12-31T23:59:59.999Z', 'UTC', '2026-12'],
    ['2026-12-31T18:30:00.000Z', 'Asia/Kolkata', '2027-01'],
  ])('%s in %s is in %s', (instant, zone, period) => {
    const result = periodContaining(new Date(instant), zone);
    expect(result.period).toBe(period);
    expect(result.start.getTime()).toBeLessThanOrEqual(Date.parse(instant));
    expect(result.end.getTime()).toBeGreaterThan(Date.parse(instant));
  });

  it('rejects an invalid date naming it', () => {
    expect(() => periodContaining(new Date(Number.NaN), 'UTC')).toThrow('instant: must be a valid date-time');
  });
});
