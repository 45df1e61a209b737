import { DEFAULT_ANOMALY_CONFIG, type AnomalyConfig } from './anomaly-config';
import type { KeyBaseline } from './key-baseline';
import { poissonUpperTailBound } from './poisson-tail';
import {
  pastPeakNear,
  pastShortWindowPeak,
  recurringPeakWithin,
  seasonalExpectation,
  type SeasonalExpectation,
} from './seasonal-baseline';
import { type AnomalyFinding, type AnomalySeverity, type KeyTrafficWindow, windowEnding } from './types';
import { formatCount, round2, sumNewest } from './window-sums';

/**
 * Whether one minute's count passes the one-minute spike conditions at the given ratio and past-peak ratio.
 * `pastPeak` gives the largest minute of past weeks around this hour, a daily job's only near its time
 * (`pastPeakNear`); it is computed last, only for a minute that passes everything else.
 */
function minuteStandsOut(
  observed: number,
  now: SeasonalExpectation,
  config: AnomalyConfig,
  minRatio: number,
  minPeakRatio: number,
  pastPeak: () => number,
): boolean {
  const { traffic } = config;
  const { spike } = traffic;
  const expected = now.expected;
  const spread = Math.max(now.minuteSpread, now.weeklySpread, traffic.relativeSpreadFloor * expected);
  return (
    observed >= spike.minCalls &&
    observed - expected >= spike.minExcess &&
    observed >= minRatio * expected &&
    observed - expected >= spike.minZ * spread &&
    observed - expected >= spike.minBurstinessMultiple * now.burstiness * Math.sqrt(Math.max(expected, 1)) &&
    observed >= spike.minBatches * (Number.isFinite(now.dispersion) ? now.dispersion : 1) &&
    observed >= minPeakRatio * pastPeak()
  );
}

/**
 * The newest `persistentMinutes` minutes as one: each minute above `persistentMinPeakRatio` × the largest minute
 * of past weeks around it plus `persistentPeakMarginZ` × √(that peak × dispersion), the `minCalls` floor and `minBatches` of the key's usual batches, and their sum passing the one-minute conditions scaled to
 * the window: `persistentMinRatio` × the expected sum, `minZ` spreads (minute noise adds up as √minutes, a level
 * error as minutes), `minBurstinessMultiple` × burstiness × √(minutes × expectation) (independent batches add
 * up as √minutes) and `minBatches` batches. Returns the sums and the spread, or null.
 */
function persistentSpike(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  newest: SeasonalExpectation,
  config: AnomalyConfig,
): { readonly observed: number; readonly expected: number; readonly spread: number } | null {
  const { spike, relativeSpreadFloor, minHistoryWeeks } = config.traffic;
  const length = spike.persistentMinutes;
  if (length < 2 || window.minutes.length < length) {
    return null;
  }
  let observed = 0;
  let expected = 0;
  let minuteVariance = 0;
  let levelSpread = 0;
  for (let back = 0; back < length; back++) {
    const t = window.endMinute - back + 0.5;
    const now = back === 0 ? newest : seasonalExpectation(baseline.seasonal, t);
    const count = window.minutes[window.minutes.length - 1 - back].requests;
    const minuteDispersion = Number.isFinite(now.dispersion) ? now.dispersion : 1;
    if (
      now.weeksOfHistory < minHistoryWeeks ||
      count < spike.minCalls ||
      count < spike.minBatches * minuteDispersion
    ) {
      return null;
    }
    const pastPeak = pastPeakNear(baseline.seasonal, t, spike.peakNearMinutes);
    // Above the past weeks' largest minute around this hour (a daily job's only near its time) by more than the
    // counting noise of a minute that size: a daily job repeating its count, give or take its noise, is their
    // normal (its next run beats the few runs seen before by a few calls about as often as not).
    if (
      count <=
      spike.persistentMinPeakRatio * pastPeak +
        spike.persistentPeakMarginZ * Math.sqrt(pastPeak * minuteDispersion)
    ) {
      return null;
    }
    observed += count;
    expected += now.expected;
    minuteVariance += now.minuteSpread * now.minuteSpread;
    levelSpread += Math.max(now.weeklySpread, relativeSpreadFloor * now.expected);
  }
  const spread = Math.max(Math.sqrt(minuteVariance), levelSpread);
  const excess = observed - expected;
  const dispersion = Number.isFinite(newest.dispersion) ? newest.dispersion : 1;
  if (
    excess >= length * spike.minExcess &&
    observed >= spike.persistentMinRatio * expected &&
    excess >= spike.minZ * spread &&
    excess >= spike.minBurstinessMultiple * newest.burstiness * Math.sqrt(Math.max(expected, length)) &&
    observed >= spike.minBatches * dispersion
  ) {
    return { observed, expected, spread };
  }
  return null;
}

/**
 * The ratio to the expectation a short window needs: `windowMinRatio` for the 5 and 10 minutes, the one-minute
 * check's `minRatio` for a window no longer than the persistent check's. That check asks each of its minutes to
 * beat the busiest minute seen around this hour; the window asks it of their sum against the busiest such sum, which
 * two minutes of ordinary traffic at 2.1–2.3 × the expectation passed on the evaluation's keys (the expectation
 * runs behind a key's wandering level), where spikes of 2.5 × and more did not.
 */
function windowMinRatio(length: number, config: AnomalyConfig): number {
  const { spike } = config.traffic;
  return length <= spike.persistentMinutes ? spike.minRatio : spike.windowMinRatio;
}

/** A windowed spike: the window's calls, their expectation, the level spread, the tail and the past peak. */
interface WindowedSpike {
  readonly minutes: number;
  readonly observed: number;
  readonly expected: number;
  readonly spread: number;
  readonly tailProbability: number;
  readonly pastWindowPeak: number;
  readonly dispersion: number;
}

/**
 * The newest 2, 5 and 10 minutes (`spike.windowsMinutes`, shortest first; the first that fires is returned), counted
 * in the key's usual batches (`D`, the dispersion): with `X` the window's calls and `E` its expectation (the
 * seasonal expectation at the window's midpoint times its length), the window fires when `X ≥ ratio × E` (see
 * `windowMinRatio`), `X − E ≥ minutes × minExcess`, `X − E ≥ minZ × minutes × max(weeklySpread,
 * relativeSpreadFloor × μ)` (the expectation is off by as much as the key's level moves week to week),
 * `X ≥ minBatches × D`, `P(Poisson(E / D) ≥ X / D) ≤ windowFalseAlarmProbability` and `X` is above the largest
 * sum over as many minutes around this hour in past weeks by `windowPeakMarginZ` × √(that peak × D) (a batch
 * client's busiest minutes are the key's normal), and no job that recurs at the same time of day runs in the
 * window (`recurringPeakWithin`: a daily cron's run, whose size wanders from day to day by more than its counting
 * noise, is judged by the minute checks). Cost: a sum over the newest 2, 5 and 10 minutes; an interpolated
 * expectation per window whose calls reach the excess floor; one logarithm and the cached past peak for a window
 * that passes the rest.
 */
function windowedSpike(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  config: AnomalyConfig,
): WindowedSpike | null {
  const { spike, relativeSpreadFloor, minHistoryWeeks } = config.traffic;
  for (let index = 0; index < spike.windowsMinutes.length; index++) {
    const length = spike.windowsMinutes[index];
    if (length > window.minutes.length) {
      return null;
    }
    const observed = sumNewest(window, length, 'requests');
    if (observed < length * spike.minExcess) {
      continue;
    }
    const middle = seasonalExpectation(baseline.seasonal, window.endMinute - length / 2 + 1);
    const expected = length * middle.expected;
    const excess = observed - expected;
    const spread = length * Math.max(middle.weeklySpread, relativeSpreadFloor * middle.expected);
    if (
      middle.weeksOfHistory < minHistoryWeeks ||
      observed < windowMinRatio(length, config) * expected ||
      excess < length * spike.minExcess ||
      excess < spike.minZ * spread
    ) {
      continue;
    }
    const dispersion = Number.isFinite(middle.dispersion) ? Math.max(1, middle.dispersion) : 1;
    // At least `minBatches` of the key's usual batches, as in the minute checks: two batches of a quiet batch
    // client in two minutes are chance.
    if (observed < spike.minBatches * dispersion) {
      continue;
    }
    const tailProbability = poissonUpperTailBound(Math.floor(observed / dispersion), expected / dispersion);
    if (tailProbability > spike.windowFalseAlarmProbability) {
      continue;
    }
    const pastWindowPeak = pastShortWindowPeak(baseline.seasonal, window.endMinute + 0.5, index);
    if (
      observed > pastWindowPeak + spike.windowPeakMarginZ * Math.sqrt(pastWindowPeak * dispersion) &&
      !recurringPeakWithin(baseline.seasonal, window.endMinute - length + 1, window.endMinute)
    ) {
      return { minutes: length, observed, expected, spread, tailProbability, pastWindowPeak, dispersion };
    }
  }
  return null;
}

/**
 * Traffic spike against the key's own seasonal baseline (same hour of week over past weeks, median/MAD).
 * Four checks, the first that fires wins:
 * - the newest minute alone (sudden spikes, reported within the minute);
 * - the newest `persistentMinutes` minutes, each above the key's past peak around this hour and `persistentMinRatio`
 *   × its expectation (a spike a busy key's daily peak hides from the one-minute check, reported in its second
 *   minute);
 * - the newest 2, 5 and 10 minutes counted in the key's usual batches (`windowedSpike`: two minutes beyond the
 *   key's busiest two around this hour, which the minute checks miss while each is within its busiest minute; a
 *   batch client's sustained rise, which its batch noise hides from the minute checks);
 * - the sum of the last `sustained.minutes` minutes (slow ramps and moderate sustained rises that no single
 *   minute shows), against the baseline at the window's midpoint.
 * Each needs the absolute floors (calls and excess), a ratio to the expectation and a z-score against the
 * larger of the minute-to-minute spread, the week-to-week spread and `relativeSpreadFloor` × expectation;
 * the one-minute check also needs the minute to exceed the largest minute of past weeks around this hour, to
 * stand out more than the key's usual batches do (`burstiness`) and to hold several of them (`minBatches`).
 */
export function detectTrafficSpike(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): AnomalyFinding | null {
  const { traffic } = config;
  const minute = window.endMinute;
  const now = seasonalExpectation(baseline.seasonal, minute + 0.5);
  if (now.weeksOfHistory < traffic.minHistoryWeeks || window.minutes.length === 0) {
    return null;
  }
  const observed = window.minutes[window.minutes.length - 1].requests;
  const expected = now.expected;
  const spread = Math.max(now.minuteSpread, now.weeklySpread, traffic.relativeSpreadFloor * expected);
  const { spike } = traffic;
  let nearPeak: number | null = null;
  const pastPeak = (): number =>
    (nearPeak ??= pastPeakNear(baseline.seasonal, minute + 0.5, spike.peakNearMinutes));
  if (minuteStandsOut(observed, now, config, spike.minRatio, spike.minPeakRatio, pastPeak)) {
    const finding = trafficFinding(
      'traffic_spike',
      'minute',
      observed,
      expected,
      spread,
      windowEnding(minute, 1),
      now.weeksOfHistory,
    );
    const burstiness = Math.round(now.burstiness * 100) / 100;
    return { ...finding, evidence: { ...finding.evidence, pastPeak: pastPeak(), burstiness } };
  }
  const persistent = persistentSpike(window, baseline, now, config);
  if (persistent !== null) {
    const finding = trafficFinding(
      'traffic_spike',
      'persistent',
      persistent.observed,
      persistent.expected,
      persistent.spread,
      windowEnding(minute, spike.persistentMinutes),
      now.weeksOfHistory,
    );
    return { ...finding, evidence: { ...finding.evidence, pastPeak: pastPeak() } };
  }
  const windowed = windowedSpike(window, baseline, config);
  if (windowed !== null) {
    const finding = trafficFinding(
      'traffic_spike',
      'windowed',
      windowed.observed,
      windowed.expected,
      windowed.spread,
      windowEnding(minute, windowed.minutes),
      now.weeksOfHistory,
    );
    return {
      ...finding,
      evidence: {
        ...finding.evidence,
        pastWindowPeak: windowed.pastWindowPeak,
        dispersion: round2(windowed.dispersion),
        tailProbability: Number(windowed.tailProbability.toPrecision(3)),
      },
    };
  }
  const { sustained } = traffic;
  const length = sustained.minutes;
  if (window.minutes.length < length) {
    return null;
  }
  const middle = seasonalExpectation(baseline.seasonal, minute - length / 2 + 1);
  const total = sumNewest(window, length, 'requests');
  const expectedTotal = length * middle.expected;
  const totalSpread = Math.max(
    Math.sqrt(length) * middle.minuteSpread,
    length * middle.weeklySpread,
    length * traffic.relativeSpreadFloor * middle.expected,
  );
  if (
    middle.weeksOfHistory >= traffic.minHistoryWeeks &&
    total - expectedTotal >= length * sustained.minExcessPerMinute &&
    total >= sustained.minRatio * expectedTotal &&
    total - expectedTotal >= sustained.minZ * totalSpread &&
    total >= sustained.minPeakRatio * middle.pastWindowPeak
  ) {
    return trafficFinding(
      'traffic_spike',
      'sustained',
      total,
      expectedTotal,
      totalSpread,
      windowEnding(minute, length),
      middle.weeksOfHistory,
    );
  }
  return null;
}

/**
 * Traffic drop: over the last `drop.minutes` minutes the key made at most `maxRatio` of the calls its baseline
 * expects, well below the quietest such window around this hour in past weeks, and it is a key expected to be
 * busy (`minExpectedPerMinute`), so quiet keys never "drop".
 */
export function detectTrafficDrop(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): AnomalyFinding | null {
  const { traffic } = config;
  const length = traffic.drop.minutes;
  if (window.minutes.length < length) {
    return null;
  }
  const middle = seasonalExpectation(baseline.seasonal, window.endMinute - length / 2 + 1);
  if (
    middle.weeksOfHistory < traffic.minHistoryWeeks ||
    middle.expected < traffic.drop.minExpectedPerMinute
  ) {
    return null;
  }
  const total = sumNewest(window, length, 'requests');
  const expectedTotal = length * middle.expected;
  const totalSpread = Math.max(
    Math.sqrt(length) * middle.minuteSpread,
    length * middle.weeklySpread,
    length * traffic.relativeSpreadFloor * middle.expected,
  );
  if (
    total <= traffic.drop.maxRatio * expectedTotal &&
    expectedTotal - total >= traffic.drop.minZ * totalSpread &&
    total * traffic.drop.minLowRatio <= middle.pastWindowLow
  ) {
    return trafficFinding(
      'traffic_drop',
      'sustained',
      total,
      expectedTotal,
      totalSpread,
      windowEnding(window.endMinute, length),
      middle.weeksOfHistory,
    );
  }
  return null;
}

function trafficFinding(
  kind: 'traffic_spike' | 'traffic_drop',
  check: 'minute' | 'persistent' | 'windowed' | 'sustained',
  observed: number,
  expected: number,
  spread: number,
  window: { startMinute: number; endMinute: number },
  weeksOfHistory: number,
): AnomalyFinding {
  const ratio = expected > 0 ? observed / expected : Number.POSITIVE_INFINITY;
  const zScore = spread > 0 ? (observed - expected) / spread : Number.POSITIVE_INFINITY;
  const minutes = window.endMinute - window.startMinute + 1;
  const severity: AnomalySeverity =
    kind === 'traffic_drop'
      ? observed === 0
        ? 'high'
        : 'medium'
      : ratio >= 10
        ? 'critical'
        : ratio >= 4
          ? 'high'
          : 'medium';
  const what = kind === 'traffic_spike' ? 'spike' : 'drop';
  return {
    kind,
    severity,
    evidence: {
      observed,
      expected: round2(expected),
      window,
      check,
      ratio: Number.isFinite(ratio) ? round2(ratio) : -1,
      zScore: Number.isFinite(zScore) ? round2(zScore) : -1,
      spread: round2(spread),
      weeksOfHistory,
    },
    summary: `Traffic ${what}: ${formatCount(observed)} calls in ${minutes} min, the same hour of past weeks suggests ${formatCount(round2(expected))}.`,
  };
}
