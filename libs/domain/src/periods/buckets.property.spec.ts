import fc from 'fast-check';
import { DateTime } from 'luxon';
import { bucketStart, buckets, dayBoundaries, nextBucketStart, type Granularity } from '.';

/** Zones whose midnights always exist exactly once (changes happen at night, not at midnight). */
const MIDNIGHT_SAFE_ZONES = [
  'UTC',
  'America/New_York',
  'Europe/London',
  'Pacific/Auckland',
  'Asia/Kolkata',
  'Asia/Kathmandu',
];
/** Plus zones with 30/45-minute offsets or DST steps, and changes at or across midnight. */
const ALL_ZONES = [
  ...MIDNIGHT_SAFE_ZONES,
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'America/St_Johns',
  'America/Havana',
  'America/Santiago',
  'Asia/Tehran',
  'Pacific/Apia',
];

const HOUR_MS = 3_600_000;
const SPAN_MS: Record<Granularity, number> = {
  minute: 3 * HOUR_MS,
  hour: 10 * 24 * HOUR_MS,
  day: 200 * 24 * HOUR_MS,
  month: 4 * 366 * 24 * HOUR_MS,
};

const instantArb = fc
  .integer({ min: Date.parse('2008-01-01T00:00:00.000Z'), max: Date.parse('2032-01-01T00:00:00.000Z') })
  .map((epochMs) => new Date(epochMs));

const rangeArb = (zones: string[]) =>
  fc
    .constantFrom<Granularity>('minute', 'hour', 'day', 'month')
    .chain((granularity) =>
      fc.record({
        granularity: fc.constant(granularity),
        zone: fc.constantFrom(...zones),
        from: instantArb,
        spanMs: fc.integer({ min: 0, max: SPAN_MS[granularity] }),
        probes: fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), {
          minLength: 1,
          maxLength: 5,
        }),
      }),
    )
    .map((range) => ({ ...range, to: new Date(range.from.getTime() + range.spanMs) }));

/** Local wall clock of an instant, read by luxon's own DateTime. */
const local = (date: Date, zone: string): DateTime => DateTime.fromJSDate(date, { zone });
const offsetChangesAt = (date: Date, zone: string): boolean =>
  local(new Date(date.getTime() - 1), zone).offset !== local(date, zone).offset;

describe('bucket properties', () => {
  it('are strictly increasing, contiguous and cover [from, to)', () => {
    fc.assert(
      fc.property(rangeArb(ALL_ZONES), ({ granularity, zone, from, to }) => {
        const starts = buckets(from, to, granularity, zone);
        if (from.getTime() === to.getTime()) {
          expect(starts).toEqual([]);
          return;
        }
        expect(starts[0].getTime()).toBeLessThanOrEqual(from.getTime());
        expect(starts[starts.length - 1].getTime()).toBeLessThan(to.getTime());
        expect(
          nextBucketStart(starts[starts.length - 1], granularity, zone).getTime(),
        ).toBeGreaterThanOrEqual(to.getTime());
        for (let index = 0; index < starts.length; index++) {
          expect(bucketStart(starts[index], granularity, zone)).toEqual(starts[index]);
          if (index > 0) {
            expect(starts[index].getTime()).toBeGreaterThan(starts[index - 1].getTime());
            expect(nextBucketStart(starts[index - 1], granularity, zone)).toEqual(starts[index]);
          }
        }
      }),
      { numRuns: 120 },
    );
  });

  it('put every instant of the range in the last bucket starting at or before it', () => {
    fc.assert(
      fc.property(rangeArb(ALL_ZONES), ({ granularity, zone, from, to, spanMs, probes }) => {
        fc.pre(spanMs > 0);
        const starts = buckets(from, to, granularity, zone).map((date) => date.getTime());
        for (const fraction of probes) {
          const instant = new Date(from.getTime() + Math.floor(fraction * spanMs));
          const start = bucketStart(instant, granularity, zone).getTime();
          const holding = starts.filter((candidate) => candidate <= instant.getTime()).pop();
          expect(start).toBe(holding);
          expect(nextBucketStart(instant, granularity, zone).getTime()).toBeGreaterThan(instant.getTime());
        }
      }),
      { numRuns: 120 },
    );
  });

  it('start at local midnight (day), the 1st (month) and the top of the local hour (hour)', () => {
    fc.assert(
      fc.property(rangeArb(MIDNIGHT_SAFE_ZONES), ({ granularity, zone, from, to }) => {
        for (const start of buckets(from, to, granularity, zone)) {
          const wall = local(start, zone);
          expect([wall.second, wall.millisecond]).toEqual([0, 0]);
          if (granularity !== 'minute') {
            expect(wall.minute).toBe(0);
          }
          if (granularity === 'day' || granularity === 'month') {
            expect(wall.hour).toBe(0);
          }
          if (granularity === 'month') {
            expect(wall.day).toBe(1);
          }
        }
      }),
      { numRuns: 120 },
    );
  });

  it('start on a local boundary or at an offset change in every zone', () => {
    fc.assert(
      fc.property(rangeArb(ALL_ZONES), ({ granularity, zone, from, to }) => {
        for (const start of buckets(from, to, granularity, zone)) {
          const wall = local(start, zone);
          const onBoundary =
            granularity === 'minute'
              ? wall.second === 0
              : granularity === 'hour'
                ? wall.minute === 0
                : wall.hour === 0 && wall.minute === 0 && (granularity === 'day' || wall.day === 1);
          expect(onBoundary || offsetChangesAt(start, zone)).toBe(true);
        }
      }),
      { numRuns: 120 },
    );
  });

  it('make days of 23, 24 or 25 hours that agree with dayBoundaries', () => {
    fc.assert(
      fc.property(instantArb, fc.constantFrom(...MIDNIGHT_SAFE_ZONES), (instant, zone) => {
        const day = dayBoundaries(instant, zone);
        expect([23, 24, 25]).toContain((day.endMs - day.startMs) / HOUR_MS);
        expect(day.start).toEqual(bucketStart(instant, 'day', zone));
        expect(day.end).toEqual(nextBucketStart(instant, 'day', zone));
        expect(local(day.start, zone).toISODate()).toBe(day.date);
        expect(local(instant, zone).toISODate()).toBe(day.date);
      }),
    );
  });
});
