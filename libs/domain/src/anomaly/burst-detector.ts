import { DEFAULT_ANOMALY_CONFIG, type AnomalyConfig, type BurstDetectorConfig } from './anomaly-config';
import { authenticatedCalls, expectedFailures, type KeyBaseline } from './key-baseline';
import { ewmaAfter } from './robust-stats';
import {
  ZERO_MINUTE,
  type AnomalyFinding,
  type AnomalySeverity,
  type EpochMinute,
  type KeyTrafficWindow,
  windowEnding,
} from './types';
import { formatCount } from './window-sums';

// 5xx bursts are judged over several windows against the key's error share: see error-burst-detector.ts.
export { detectErrorBurst } from './error-burst-detector';

export type BurstKind = 'auth_failure_burst' | 'rate_limit_burst' | 'error_burst';

const WHAT: Record<BurstKind, string> = {
  auth_failure_burst: 'auth failures (401/403)',
  rate_limit_burst: 'rate-limited calls (429)',
  error_burst: 'upstream errors (5xx)',
};

/**
 * Whether `observed` failures in one minute are a burst over a background rate λ (per minute, at least
 * `floorPerMinute`): at least `minCount`, at least `minRatio` × λ, and at least `minZ` Poisson standard
 * deviations (√λ) above λ. Returns the finding or null. `subject` names a source network when the counts are
 * per network rather than per key.
 */
export function detectCountBurst(
  kind: BurstKind,
  minute: EpochMinute,
  observed: number,
  backgroundRate: number,
  config: BurstDetectorConfig = DEFAULT_ANOMALY_CONFIG.bursts,
  subject?: { readonly network: string },
): AnomalyFinding | null {
  const expected = Math.max(backgroundRate, config.floorPerMinute);
  if (
    observed < config.minCount ||
    observed < config.minRatio * expected ||
    observed - expected < config.minZ * Math.sqrt(expected)
  ) {
    return null;
  }
  const ratio = observed / expected;
  const severity: AnomalySeverity =
    observed >= 1000 ? 'critical' : observed >= 100 && ratio >= 20 ? 'high' : 'medium';
  const where = subject === undefined ? '' : ` from ${subject.network}`;
  return {
    kind,
    severity,
    evidence: {
      observed,
      expected: Math.round(expected * 1000) / 1000,
      window: windowEnding(minute, 1),
      ratio: Math.round(ratio * 100) / 100,
      ...(subject === undefined ? {} : { network: subject.network }),
    },
    summary: `Burst of ${WHAT[kind]}${where}: ${formatCount(observed)} in one minute, usually ${formatCount(Math.round(expected * 100) / 100)}.`,
  };
}

/** Auth failures (401 + 403 carrying the key id) in the newest minute against the key's usual share of them. */
export function detectAuthFailureBurst(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): AnomalyFinding | null {
  const newest = window.minutes[window.minutes.length - 1] ?? ZERO_MINUTE;
  const { authFailures, calls } = baseline.rates;
  const expected = expectedFailures(authFailures, calls, authenticatedCalls(newest), config);
  const observed = newest.authRejected + newest.scopeRejected;
  return detectCountBurst('auth_failure_burst', window.endMinute, observed, expected, config.bursts);
}

/** 429s in the newest minute against the key's usual share of them. */
export function detectRateLimitBurst(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): AnomalyFinding | null {
  const newest = window.minutes[window.minutes.length - 1] ?? ZERO_MINUTE;
  const { rateLimited, calls } = baseline.rates;
  const expected = expectedFailures(rateLimited, calls, authenticatedCalls(newest), config);
  return detectCountBurst('rate_limit_burst', window.endMinute, newest.rateLimited, expected, config.bursts);
}

/**
 * Background failure rate of one source network across all keys (including calls whose key could not be
 * identified): what credential stuffing from one network is judged against. Keep one per network that had
 * failures recently; a network whose rate decayed below the floor can be forgotten.
 */
export interface NetworkBurstBaseline {
  readonly network: string;
  readonly rate: number;
  readonly lastMinute: EpochMinute | null;
}

export function createNetworkBurstBaseline(network: string): NetworkBurstBaseline {
  return { network, rate: 0, lastMinute: null };
}

/** Auth failures from one network in one minute (across keys) against the network's background. */
export function detectNetworkAuthFailureBurst(
  baseline: NetworkBurstBaseline,
  minute: EpochMinute,
  failures: number,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): AnomalyFinding | null {
  return detectCountBurst(
    'auth_failure_burst',
    minute,
    failures,
    decayedRate(baseline, minute, config.bursts),
    { ...config.bursts, minCount: config.bursts.networkMinCount },
    {
      network: baseline.network,
    },
  );
}

/** Folds one minute of the network's failures in (bursts clipped, as for keys). */
export function updateNetworkBurstBaseline(
  baseline: NetworkBurstBaseline,
  minute: EpochMinute,
  failures: number,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): NetworkBurstBaseline {
  if (baseline.lastMinute !== null && minute <= baseline.lastMinute) {
    return baseline;
  }
  const { alpha, floorPerMinute, minCount, minRatio } = config.bursts;
  const clipped = Math.min(failures, Math.max(minCount, minRatio * Math.max(baseline.rate, floorPerMinute)));
  const gap = baseline.lastMinute === null ? 1 : minute - baseline.lastMinute;
  return {
    network: baseline.network,
    rate: ewmaAfter(baseline.rate, clipped, alpha, gap),
    lastMinute: minute,
  };
}

/** The background rate as of the minute before `minute` (silent minutes since the last update decay it). */
function decayedRate(
  baseline: NetworkBurstBaseline,
  minute: EpochMinute,
  config: BurstDetectorConfig,
): number {
  if (baseline.lastMinute === null) {
    return 0;
  }
  const silent = Math.max(0, minute - baseline.lastMinute - 1);
  return baseline.rate * Math.pow(1 - config.alpha, silent);
}
