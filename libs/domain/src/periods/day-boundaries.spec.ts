import { dayBoundaries } from '.';

const HOUR_MS = 3_600_000;

describe('dayBoundaries', () => {
  it.each([
    // [instant, zone, local date, start, end, hours]
    [
      '2026-03-08T12:00:00.000Z',
      'America/New_York',
      '2026-03-08',
      '2026-03-08T05:00:00.000Z',
      '2026-03-09T04:00:00.000Z',
      23,
    ],
    [
      '2026-11-01T05:30:00.000Z',
      'America/New_York',
      '2026-11-01',
      '2026-11-01T04:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
      25,
    ],
    [
      '2026-11-01T03:59:59.999Z',
      'America/New_York',
      '2026-10-31',
      '2026-10-31T04:00:00.000Z',
      '2026-11-01T04:00:00.000Z',
      24,
    ],
    [
      '2026-03-29T12:00:00.000Z',
      'Europe/London',
      '2026-03-29',
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T23:00:00.000Z',
      23,
    ],
    [
      '2026-10-25T12:00:00.000Z',
      'Europe/London',
      '2026-10-25',
      '2026-10-24T23:00:00.000Z',
      '2026-10-26T00:00:00.000Z',
      25,
    ],
    [
      '2026-04-05T00:00:00.000Z',
      'Pacific/Auckland',
      '2026-04-05',
      '2026-04-04T11:00:00.000Z',
      '2026-04-05T12:00:00.000Z',
      25,
    ],
    [
      '2026-09-27T00:00:00.000Z',
      'Pacific/Auckland',
      '2026-09-27',
      '2026-09-26T12:00:00.000Z',
      '2026-09-27T11:00:00.000Z',
      23,
    ],
    [
      '2026-03-01T18:29:59.999Z',
      'Asia/Kolkata',
      '2026-03-01',
      '2026-02-28T18:30:00.000Z',
      '2026-03-01T18:30:00.000Z',
      24,
    ],
    [
      '2026-03-01T18:30:00.000Z',
      'Asia/Kolkata',
      '2026-03-02',
      '2026-03-01T18:30:00.000Z',
      '2026-03-02T18:30:00.000Z',
      24,
    ],
    [
      '2026-06-15T23:59:59.999Z',
      'UTC',
      '2026-06-15',
      '2026-06-15T00:00:00.000Z',
      '2026-06-16T00:00:00.000Z',
      24,
    ],
    // Havana sets clocks back from 01:00 to 00:00: the day starts at the first midnight.
    [
      '2026-11-01T05:30:00.000Z',
      'America/Havana',
      '2026-11-01',
      '2026-11-01T04:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
      25,
    ],
    // Santiago jumps from 00:00 to 01:00: the day starts at the jump.
    [
      '2026-09-06T12:00:00.000Z',
      'America/Santiago',
      '2026-09-06',
      '2026-09-06T04:00:00.000Z',
      '2026-09-07T03:00:00.000Z',
      23,
    ],
    // Samoa skipped 2011-12-30 entirely: the 29th ends where the 31st begins.
    [
      '2011-12-30T09:59:59.999Z',
      'Pacific/Apia',
      '2011-12-29',
      '2011-12-29T10:00:00.000Z',
      '2011-12-30T10:00:00.000Z',
      24,
    ],
    [
      '2011-12-30T10:00:00.000Z',
      'Pacific/Apia',
      '2011-12-31',
      '2011-12-30T10:00:00.000Z',
      '2011-12-31T10:00:00.000Z',
      24,
    ],
  ])('%s in %s is on %s: [%s, %s), %d hours', (instant, zone, date, start, end, hours) => {
    const day = dayBoundaries(new Date(instant), zone);
    expect({ date: day.date, start: day.start.toISOString(), end: day.end.toISOString() }).toEqual({
      date,
      start,
      end,
    });
    expect((day.endMs - day.startMs) / HOUR_MS).toBe(hours);
  });

  it('gives a window usable as a quota window: start inside, end in the next day', () => {
    const day = dayBoundaries(new Date('2026-03-08T05:00:00.000Z'), 'America/New_York');
    expect(day.startMs).toBe(Date.parse('2026-03-08T05:00:00.000Z'));
    expect(dayBoundaries(day.end, 'America/New_York').date).toBe('2026-03-09');
  });
});
