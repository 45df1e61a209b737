import { DEFAULT_ANOMALY_CONFIG, type AnomalyConfig } from './anomaly-config';
import type { KeyBaseline } from './key-baseline';
import { poissonLowerTailBound } from './poisson-tail';
import { NO_LOW, seasonalExpectation } from './seasonal-baseline';
import { MINUTES_PER_HOUR, type AnomalyFinding, type KeyTrafficWindow, windowEnding } from './types';
import { formatCount, round2 } from './window-sums';

/**
 * The smallest number of calls the key made in the `minutes` minutes ending at `endMinute` in any past week,
 * bounded from below: the window is cut into consecutive `lowMinutes`-minute parts and each part contributes the
 * smallest `lowMinutes`-minute sum the baseline remembers around the hour the part ends in
 * (`SeasonalExpectation.pastWindowLow`: that hour and its neighbours, on the same day of week or any day). A part
 * ending more than an hour before `endMinute`'s hour is read at the start of the previous hour, whose low covers
 * it too (its neighbours include it) and stays within the baseline's cached hours. Null without history for one
 * of the parts.
 */
export function pastLowOver(
  baseline: KeyBaseline,
  endMinute: number,
  minutes: number,
  lowMinutes: number,
): number | null {
  const earliest = (Math.floor(endMinute / MINUTES_PER_HOUR) - 1) * MINUTES_PER_HOUR;
  let low = 0;
  for (let end = endMinute; end > endMinute - minutes; end -= lowMinutes) {
    const part = seasonalExpectation(baseline.seasonal, Math.max(end, earliest) + 0.5).pastWindowLow;
    if (part >= NO_LOW) {
      return null;
    }
    low += part;
  }
  return low;
}

/**
 * Traffic drop of a key too quiet for the 30-minute drop check (`detectTrafficDrop`, which needs
 * `drop.minExpectedPerMinute` calls a minute) or whose calls come in batches too large for its spread test.
 * Over each window of `lowRateDrop.windowsMinutes` (multiples of `traffic.sustained.minutes`, at most 150
 * minutes), the shortest firing first:
 * - the key's past low for those minutes (`pastLowOver`: the quietest half hours of past weeks around them,
 *   added up) is at least `minPastLow` calls: keys that had quiet stretches around this hour (nights, weekends,
 *   a cron's or a batch client's gaps) have a low past low and never drop;
 * - the window holds at most `maxLowRatio` of that past low and at most `drop.maxRatio` of the expected sum;
 * - counted in the key's usual batches (`SeasonalExpectation.dispersion` calls each), the window's count is at
 *   least as improbable as `falseAlarmProbability` under Poisson(past low in batches) (lower tail): a batch
 *   client's 0 batches where its quietest past windows had 2 is chance, where they had 15 it is not.
 */
export function detectLowRateTrafficDrop(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): AnomalyFinding | null {
  const { traffic } = config;
  const { lowRateDrop } = traffic;
  const lowMinutes = traffic.sustained.minutes;
  const buckets = window.minutes;
  let observed = 0;
  let summed = 0;
  for (const length of lowRateDrop.windowsMinutes) {
    if (length > buckets.length || length % lowMinutes !== 0 || length > MAX_WINDOW_MINUTES) {
      return null;
    }
    for (; summed < length; summed++) {
      observed += buckets[buckets.length - 1 - summed].requests;
    }
    const middle = seasonalExpectation(baseline.seasonal, window.endMinute - length / 2 + 1);
    const expected = length * middle.expected;
    if (
      middle.weeksOfHistory < traffic.minHistoryWeeks ||
      expected < lowRateDrop.minPastLow ||
      observed > traffic.drop.maxRatio * expected
    ) {
      continue;
    }
    const pastLow = pastLowOver(baseline, window.endMinute, length, lowMinutes);
    if (
      pastLow === null ||
      pastLow < lowRateDrop.minPastLow ||
      observed > lowRateDrop.maxLowRatio * pastLow
    ) {
      continue;
    }
    const dispersion = Number.isFinite(middle.dispersion) ? Math.max(1, middle.dispersion) : 1;
    const probability = poissonLowerTailBound(Math.ceil(observed / dispersion), pastLow / dispersion);
    if (probability <= lowRateDrop.falseAlarmProbability) {
      return lowRateDropFinding(
        window.endMinute,
        length,
        observed,
        expected,
        pastLow,
        dispersion,
        probability,
      );
    }
  }
  return null;
}

/** Parts ending before the previous hour would be read outside the baseline's cached hours (see `pastLowOver`). */
const MAX_WINDOW_MINUTES = 150;

function lowRateDropFinding(
  endMinute: number,
  length: number,
  observed: number,
  expected: number,
  pastLow: number,
  dispersion: number,
  probability: number,
): AnomalyFinding {
  return {
    kind: 'traffic_drop',
    severity: observed === 0 ? 'high' : 'medium',
    evidence: {
      observed,
      expected: round2(expected),
      window: windowEnding(endMinute, length),
      check: 'low-rate',
      pastLow,
      ratio: expected > 0 ? round2(observed / expected) : -1,
      dispersion: round2(dispersion),
      probability: Number(probability.toPrecision(3)),
    },
    summary: `Traffic drop: ${formatCount(observed)} calls in ${length} min; the same hours of past weeks never had fewer than ${formatCount(pastLow)} and usually ${formatCount(round2(expected))}.`,
  };
}
