import { assertTimeZone, InvalidTimeInputError } from '.';

describe('assertTimeZone', () => {
  it.each([
    'UTC',
    'Europe/London',
    'America/New_York',
    'Asia/Kolkata',
    'Asia/Kathmandu',
    'US/Eastern',
    'Etc/GMT+5',
  ])('accepts %s and returns it unchanged', (zone) => {
    expect(assertTimeZone(zone, 'tz')).toBe(zone);
  });

  it('suggests the exact spelling of a mis-cased name', () => {
    expect(() => assertTimeZone('america/new_york', 'tz')).toThrow(
      'tz: must be an IANA time zone name such as "Europe/London", spelled exactly; got "america/new_york" (did you mean "America/New_York"?)',
    );
  });

  it.each(['', 'Mars/Olympus_Mons', 'ASIA/KOLKATA', 'asia/kolkata', '+05:30', 'EST-5', 'local', ' UTC'])(
    'rejects %j naming the field',
    (zone) => {
      let thrown: unknown;
      try {
        assertTimeZone(zone, 'customer.timeZone');
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidTimeInputError);
      expect((thrown as InvalidTimeInputError).field).toBe('customer.timeZone');
    },
  );

  it('rejects non-strings', () => {
    expect(() => assertTimeZone(5)).toThrow('timeZone: must be an IANA time zone name');
    expect(() => assertTimeZone(undefined)).toThrow('timeZone: must be an IANA time zone name');
  });
});
