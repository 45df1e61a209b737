import { DEFAULT_ANOMALY_CONFIG, type AnomalyConfig } from './anomaly-config';
import type { KeyBaseline } from './key-baseline';
import { seasonalExpectation } from './seasonal-baseline';
import { type AnomalyFinding, type AnomalySeverity, type KeyTrafficWindow, windowEnding } from './types';
import { formatCount, sumNewest } from './window-sums';

/**
 * Traffic spike against the key's own seasonal baseline (same hour of week over past weeks, median/MAD).
 * Two checks, the first that fires wins:
 * - the newest minute alone (sudden spikes, reported within the minute);
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
  if (
    observed >= spike.minCalls &&
    observed - expected >= spike.minExcess &&
    observed >= spike.minRatio * expected &&
    observed - expected >= spike.minZ * spread &&
    observed >= spike.minPeakRatio * now.pastPeak &&
    observed - expected >= spike.minBurstinessMultiple * now.burstiness * Math.sqrt(Math.max(expected, 1)) &&
    observed >= spike.minBatches * (Number.isFinite(now.dispersion) ? now.dispersion : 1)
  ) {
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
    return { ...finding, evidence: { ...finding.evidence, pastPeak: now.pastPeak, burstiness } };
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
  check: 'minute' | 'sustained',
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

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
