import { bucketStart, buckets, InvalidTimeInputError, nextBucketStart, type Granularity } from '.';

const isoList = (dates: Date[]): string[] => dates.map((date) => date.toISOString());
const at = (iso: string): Date => new Date(iso);

describe('buckets', () => {
  it.each<[string, string, Granularity, string, string[]]>([
    // New York, DST starts 2026-03-08 02:00 EST: local 02:00 does not exist.
    [
      '2026-03-08T05:00:00.000Z',
      '2026-03-08T09:00:00.000Z',
      'hour',
      'America/New_York',
      [
        '2026-03-08T05:00:00.000Z',
        '2026-03-08T06:00:00.000Z',
        '2026-03-08T07:00:00.000Z',
        '2026-03-08T08:00:00.000Z',
      ],
    ],
    // New York, DST ends 2026-11-01 02:00 EDT: local 01:00 happens twice, as two buckets.
    [
      '2026-11-01T04:00:00.000Z',
      '2026-11-01T08:00:00.000Z',
      'hour',
      'America/New_York',
      [
        '2026-11-01T04:00:00.000Z',
        '2026-11-01T05:00:00.000Z',
        '2026-11-01T06:00:00.000Z',
        '2026-11-01T07:00:00.000Z',
      ],
    ],
    [
      '2026-10-31T12:00:00.000Z',
      '2026-11-03T05:00:00.000Z',
      'day',
      'America/New_York',
      ['2026-10-31T04:00:00.000Z', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z'],
    ],
    [
      '2026-03-07T05:00:00.000Z',
      '2026-03-10T04:00:00.000Z',
      'day',
      'America/New_York',
      ['2026-03-07T05:00:00.000Z', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z'],
    ],
    // London, BST ends 2026-10-25 02:00 BST.
    [
      '2026-10-24T23:00:00.000Z',
      '2026-10-25T03:00:00.000Z',
      'hour',
      'Europe/London',
      [
        '2026-10-24T23:00:00.000Z',
        '2026-10-25T00:00:00.000Z',
        '2026-10-25T01:00:00.000Z',
        '2026-10-25T02:00:00.000Z',
      ],
    ],
    // Kolkata (+05:30) and Kathmandu (+05:45): hours start on the local hour.
    [
      '2026-03-01T00:00:00.000Z',
      '2026-03-01T03:00:00.000Z',
      'hour',
      'Asia/Kolkata',
      [
        '2026-02-28T23:30:00.000Z',
        '2026-03-01T00:30:00.000Z',
        '2026-03-01T01:30:00.000Z',
        '2026-03-01T02:30:00.000Z',
      ],
    ],
    [
      '2026-03-01T00:00:00.000Z',
      '2026-03-01T02:00:00.000Z',
      'hour',
      'Asia/Kathmandu',
      ['2026-02-28T23:15:00.000Z', '2026-03-01T00:15:00.000Z', '2026-03-01T01:15:00.000Z'],
    ],
    [
      '2026-03-01T00:00:30.000Z',
      '2026-03-01T00:02:00.000Z',
      'minute',
      'Asia/Kathmandu',
      ['2026-03-01T00:00:00.000Z', '2026-03-01T00:01:00.000Z'],
    ],
    // Auckland months around the end of DST (2026-04-05).
    [
      '2026-03-15T00:00:00.000Z',
      '2026-05-01T00:00:00.000Z',
      'month',
      'Pacific/Auckland',
      ['2026-02-28T11:00:00.000Z', '2026-03-31T11:00:00.000Z', '2026-04-30T12:00:00.000Z'],
    ],
    [
      '2026-01-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
      'month',
      'UTC',
      ['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z'],
    ],
    // Lord Howe sets clocks back by 30 minutes (02:00 +11 to 01:30 +10:30): the change starts a bucket.
    [
      '2026-04-04T14:00:00.000Z',
      '2026-04-04T16:30:00.000Z',
      'hour',
      'Australia/Lord_Howe',
      ['2026-04-04T14:00:00.000Z', '2026-04-04T15:00:00.000Z', '2026-04-04T15:30:00.000Z'],
    ],
  ])('from %s to %s by %s in %s', (from, to, granularity, zone, expected) => {
    expect(isoList(buckets(at(from), at(to), granularity, zone))).toEqual(expected);
  });

  it('has 30 day buckets in Samoa in December 2011, which skipped the 30th', () => {
    const days = buckets(
      at('2011-12-01T10:00:00.000Z'),
      at('2011-12-31T10:00:00.000Z'),
      'day',
      'Pacific/Apia',
    );
    expect(days).toHaveLength(30);
    expect(isoList(days.slice(-2))).toEqual(['2011-12-29T10:00:00.000Z', '2011-12-30T10:00:00.000Z']);
  });

  it('is empty for an empty range and refuses a reversed one', () => {
    expect(buckets(at('2026-03-01T00:00:00.000Z'), at('2026-03-01T00:00:00.000Z'), 'hour', 'UTC')).toEqual(
      [],
    );
    expect(buckets(at('2026-03-01T00:30:00.000Z'), at('2026-03-01T00:30:00.000Z'), 'hour', 'UTC')).toEqual(
      [],
    );
    expect(() =>
      buckets(at('2026-03-02T00:00:00.000Z'), at('2026-03-01T00:00:00.000Z'), 'hour', 'UTC'),
    ).toThrow('to: must not be before from');
  });

  it('refuses ranges with too many buckets', () => {
    const from = at('2026-01-01T00:00:00.000Z');
    expect(buckets(from, at('2026-01-01T10:00:00.000Z'), 'hour', 'UTC', { maxBuckets: 10 })).toHaveLength(10);
    expect(() => buckets(from, at('2026-01-01T10:00:00.001Z'), 'hour', 'UTC', { maxBuckets: 10 })).toThrow(
      'to: range holds more than 10 hour buckets',
    );
  });

  it('names bad inputs', () => {
    const from = at('2026-01-01T00:00:00.000Z');
    expect(() => buckets(new Date(Number.NaN), from, 'day', 'UTC')).toThrow(
      'from: must be a valid date-time',
    );
    expect(() => buckets(from, new Date(Number.NaN), 'day', 'UTC')).toThrow('to: must be a valid date-time');
    expect(() => buckets(from, from, 'week' as Granularity, 'UTC')).toThrow(InvalidTimeInputError);
    expect(() => buckets(from, from, 'week' as Granularity, 'UTC')).toThrow(
      'granularity: must be one of minute, hour, day, month; got "week"',
    );
    expect(() => buckets(from, from, 'day', 'Moon/Base')).toThrow(/^timeZone: /);
  });
});

describe('bucketStart and nextBucketStart', () => {
  it.each<[string, Granularity, string, string, string]>([
    [
      '2026-11-01T05:30:00.000Z',
      'hour',
      'America/New_York',
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T06:00:00.000Z',
    ],
    [
      '2026-11-01T06:30:00.000Z',
      'hour',
      'America/New_York',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T07:00:00.000Z',
    ],
    [
      '2026-11-01T06:30:00.000Z',
      'day',
      'America/New_York',
      '2026-11-01T04:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
    ],
    [
      '2026-03-08T06:59:59.999Z',
      'hour',
      'America/New_York',
      '2026-03-08T06:00:00.000Z',
      '2026-03-08T07:00:00.000Z',
    ],
    [
      '2026-04-15T00:00:00.000Z',
      'month',
      'Pacific/Auckland',
      '2026-03-31T11:00:00.000Z',
      '2026-04-30T12:00:00.000Z',
    ],
    [
      '2026-03-01T00:59:59.999Z',
      'hour',
      'Asia/Kolkata',
      '2026-03-01T00:30:00.000Z',
      '2026-03-01T01:30:00.000Z',
    ],
    [
      '2026-04-04T15:10:00.000Z',
      'hour',
      'Australia/Lord_Howe',
      '2026-04-04T15:00:00.000Z',
      '2026-04-04T15:30:00.000Z',
    ],
    // Havana: the second 00:30 of 2026-11-01 still belongs to the day that began at the first midnight.
    [
      '2026-11-01T05:30:00.000Z',
      'day',
      'America/Havana',
      '2026-11-01T04:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
    ],
    ['2026-06-15T12:34:56.789Z', 'minute', 'UTC', '2026-06-15T12:34:00.000Z', '2026-06-15T12:35:00.000Z'],
  ])('%s by %s in %s starts at %s and ends at %s', (instant, granularity, zone, start, end) => {
    expect(bucketStart(at(instant), granularity, zone).toISOString()).toBe(start);
    expect(nextBucketStart(at(instant), granularity, zone).toISOString()).toBe(end);
  });
});
