import {
  createSeasonalBaseline,
  foldSeasonalMinute,
  hourOfWeek,
  seasonalExpectation,
} from './seasonal-baseline';
import { MONDAY, WEEK } from './test/series';

function foldWeeks(weeks: number, callsAt: (minute: number) => number, keep = 4) {
  let baseline = createSeasonalBaseline(keep);
  for (let minute = MONDAY; minute < MONDAY + weeks * WEEK; minute++) {
    baseline = foldSeasonalMinute(baseline, minute, callsAt(minute));
  }
  return baseline;
}

describe('seasonal baseline', () => {
  it('numbers hours of week from Monday 00:00 UTC', () => {
    expect(hourOfWeek(MONDAY / 60)).toBe(0);
    expect(hourOfWeek(MONDAY / 60 + 167)).toBe(167);
    expect(hourOfWeek(MONDAY / 60 + 168)).toBe(0);
  });

  it('expects what the same hour of past weeks did, and nothing without history', () => {
    const mondayNineAm = (minute: number): number => (hourOfWeek(Math.floor(minute / 60)) === 9 ? 120 : 10);
    const baseline = foldWeeks(2, mondayNineAm);
    const next = MONDAY + 2 * WEEK;
    expect(seasonalExpectation(baseline, next + 9 * 60 + 30).expected).toBeCloseTo(120, 6);
    expect(seasonalExpectation(baseline, next + 15 * 60 + 30).expected).toBeCloseTo(10, 6);
    expect(seasonalExpectation(baseline, next + 9 * 60 + 30).weeksOfHistory).toBe(2);
    expect(seasonalExpectation(createSeasonalBaseline(4), next).weeksOfHistory).toBe(0);
  });

  it('interpolates between the centres of neighbouring hours', () => {
    const baseline = foldWeeks(1, (minute) => (Math.floor(minute / 60) % 2 === 0 ? 0 : 60));
    const hourStart = MONDAY + WEEK + 60; // an odd epoch hour: 60 calls a minute last week
    expect(seasonalExpectation(baseline, hourStart + 30).expected).toBeCloseTo(60, 6);
    expect(seasonalExpectation(baseline, hourStart).expected).toBeCloseTo(30, 6);
    expect(seasonalExpectation(baseline, hourStart + 45).expected).toBeCloseTo(45, 6);
  });

  it('takes the median over weeks, so one anomalous week does not move the expectation', () => {
    const baseline = foldWeeks(3, (minute) =>
      minute >= MONDAY + WEEK && minute < MONDAY + 2 * WEEK ? 1000 : 40,
    );
    const expectation = seasonalExpectation(baseline, MONDAY + 3 * WEEK + 600);
    expect(expectation.expected).toBeCloseTo(40, 6);
    expect(expectation.weeksOfHistory).toBe(3);
  });

  it('counts idle hours as zero traffic', () => {
    let baseline = createSeasonalBaseline(2);
    baseline = foldSeasonalMinute(baseline, MONDAY, 50);
    baseline = foldSeasonalMinute(baseline, MONDAY + WEEK + 5 * 60, 50);
    expect(seasonalExpectation(baseline, MONDAY + WEEK + 3 * 60 + 30).expected).toBe(0);
  });

  it('ignores minutes at or before the last one folded (replays)', () => {
    let baseline = createSeasonalBaseline(1);
    baseline = foldSeasonalMinute(baseline, MONDAY + 120, 5);
    expect(foldSeasonalMinute(baseline, MONDAY + 60, 100)).toBe(baseline);
  });

  it('survives a JSON round trip unchanged', () => {
    const baseline = foldWeeks(1, (minute) => minute % 7);
    const restored = JSON.parse(JSON.stringify(baseline)) as typeof baseline;
    const at = MONDAY + WEEK + 12 * 60 + 7;
    expect(seasonalExpectation(restored, at)).toEqual(seasonalExpectation(baseline, at));
  });

  it('leaves hours with a single call out of the dispersion: a quiet batch client stays a batch client', () => {
    // 20 calls at once every 7 hours, and one stray call (a mistyped secret) in two hours of every three:
    // most hours with calls hold a single call, most calls come in batches.
    const quietBatches = (minute: number): number =>
      (minute % 420 === 17 ? 20 : 0) + (minute % 60 === 31 && minute % 180 !== 31 ? 1 : 0);
    const batchClient = seasonalExpectation(foldWeeks(1, quietBatches), MONDAY + WEEK + 600);
    expect(batchClient.dispersion).toBeGreaterThan(15);
    // Independent calls with a daily cron job (60 calls a minute for 3 minutes on top of 5 a minute) stay near
    // 1: the cron's hour is one of 24.
    const withCron = (minute: number): number =>
      (minute % 7 === 0 ? 8 : 4) +
      (minute % 3 === 0 ? 1 : 0) +
      (minute % 1440 >= 540 && minute % 1440 < 543 ? 60 : 0);
    expect(seasonalExpectation(foldWeeks(1, withCron), MONDAY + WEEK + 600).dispersion).toBeLessThan(2);
  });

  it('refuses a ring of no weeks', () => {
    expect(() => createSeasonalBaseline(0)).toThrow(/^weeks: /);
  });
});
