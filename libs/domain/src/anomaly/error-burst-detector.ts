import { DEFAULT_ANOMALY_CONFIG, type AnomalyConfig } from './anomaly-config';
import { authenticatedCalls, type KeyBaseline } from './key-baseline';
import { poissonUpperTailBound } from './poisson-tail';
import { type AnomalyFinding, type AnomalySeverity, type KeyTrafficWindow, windowEnding } from './types';
import { formatCount } from './window-sums';

/**
 * Upstream 5xx for a key, judged over the newest 1, 5 and 10 minutes (`bursts.errors.windowsMinutes`) against
 * the key's own error share: in some window, errors must be at least `minCount`, a share of the window's calls
 * of at least `minShare` and `minShareRatio` × the usual share, and improbable as chance — the Poisson upper
 * tail at the expected count (usual share × the window's calls) at most `falseAlarmProbability`. The shortest
 * window that fires is reported, so a large outage is reported in its first minute and a quiet key's outage once
 * its errors add up. Cost: one pass over the longest window.
 */
export function detectErrorBurst(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): AnomalyFinding | null {
  const thresholds = config.bursts.errors;
  const { serverErrors: errorRate, calls: callRate } = baseline.rates;
  const usualShare = Math.max(thresholds.floorShare, callRate > 0 ? errorRate / callRate : 0);
  const requiredShare = Math.max(thresholds.minShare, thresholds.minShareRatio * usualShare);
  const { minutes } = window;
  const windows = thresholds.windowsMinutes;
  let errors = 0;
  let calls = 0;
  let length = 0;
  for (const size of windows) {
    while (length < size && length < minutes.length) {
      const counts = minutes[minutes.length - 1 - length];
      errors += counts.serverErrors;
      calls += authenticatedCalls(counts);
      length += 1;
    }
    if (errors < thresholds.minCount || calls <= 0 || errors < requiredShare * calls) {
      continue;
    }
    const expected = usualShare * calls;
    const tail = poissonUpperTailBound(errors, expected);
    if (tail <= thresholds.falseAlarmProbability) {
      return finding(window, size, errors, calls, expected, usualShare, tail);
    }
  }
  return null;
}

function finding(
  window: KeyTrafficWindow,
  minutes: number,
  errors: number,
  calls: number,
  expected: number,
  usualShare: number,
  tail: number,
): AnomalyFinding {
  const share = errors / calls;
  const severity: AnomalySeverity =
    errors >= 1000 ? 'critical' : errors >= 100 && share >= 0.2 ? 'high' : 'medium';
  const span = minutes === 1 ? 'one minute' : `${minutes} minutes`;
  return {
    kind: 'error_burst',
    severity,
    evidence: {
      observed: errors,
      expected: Math.round(expected * 1000) / 1000,
      window: windowEnding(window.endMinute, minutes),
      calls,
      share: Math.round(share * 1000) / 1000,
      usualShare: Math.round(usualShare * 10000) / 10000,
      tailProbability: Number(tail.toPrecision(3)),
    },
    summary:
      `Burst of upstream errors (5xx): ${formatCount(errors)} of ${formatCount(calls)} calls in ${span} ` +
      `(${formatCount(Math.round(share * 1000) / 10)} %), usually ${formatCount(Math.round(usualShare * 10000) / 100)} %.`,
  };
}
