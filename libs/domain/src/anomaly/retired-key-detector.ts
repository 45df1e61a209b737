import { DEFAULT_ANOMALY_CONFIG, type AnomalyConfig } from './anomaly-config';
import { authenticatedCalls, expectedFailures, type KeyBaseline } from './key-baseline';
import { MINUTE_MS, type AnomalyFinding, type KeyTrafficWindow, windowEnding } from './types';

/** When the key's secrets stopped being valid; null or absent when that has not happened. */
export interface KeyLifecycle {
  /** End of the grace period of the secret replaced by the latest rotation. */
  readonly rotationGraceEndedAtMs?: number | null;
  readonly revokedAtMs?: number | null;
}

/**
 * Use of a key after its revocation or after the grace period of its rotated-out secret, seen as
 * `rejected_auth` calls carrying the key id in minutes that started after that instant. After a revocation
 * no call is legitimate, so `minAttempts` in the window is enough. After a rotation the same key id also
 * collects ordinary wrong-secret failures, so the count must also stand `minZ` Poisson deviations above the
 * key's usual share of 401s per authenticated call times the window's authenticated calls. Watched for `horizonMinutes`.
 */
export function detectRetiredKeyUse(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  lifecycle: KeyLifecycle,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): AnomalyFinding | null {
  const { windowMinutes, minAttempts, minZ, horizonMinutes } = config.retiredKey;
  const revoked = lifecycle.revokedAtMs ?? null;
  const graceEnded = lifecycle.rotationGraceEndedAtMs ?? null;
  const cause = revoked !== null ? 'revoked' : graceEnded !== null ? 'rotated' : null;
  const sinceMs = revoked ?? graceEnded;
  if (cause === null || sinceMs === null) {
    return null;
  }
  const firstMinute = Math.ceil(sinceMs / MINUTE_MS);
  const minute = window.endMinute;
  if (minute < firstMinute || minute - firstMinute > horizonMinutes) {
    return null;
  }
  const windowStart = minute - window.minutes.length + 1;
  const from = Math.max(firstMinute, minute - windowMinutes + 1, windowStart);
  let attempts = 0;
  let authenticated = 0;
  for (let current = from; current <= minute; current++) {
    const counts = window.minutes[current - windowStart];
    attempts += counts.authRejected;
    authenticated += authenticatedCalls(counts);
  }
  const counted = minute - from + 1;
  // After a rotation: the key's usual share of wrong-secret 401s per authenticated call, times the calls of
  // the window (a busy hour has more of them), at least the floor per minute.
  const expected =
    cause === 'revoked'
      ? 0
      : Math.max(
          expectedFailures(baseline.rates.authRejected, baseline.rates.calls, authenticated, config),
          config.bursts.floorPerMinute * counted,
        );
  if (
    attempts < minAttempts ||
    (cause === 'rotated' && attempts - expected < minZ * Math.sqrt(Math.max(expected, 1)))
  ) {
    return null;
  }
  const minutesSince = Math.floor((minute * MINUTE_MS - sinceMs) / MINUTE_MS);
  return {
    kind: 'retired_key_use',
    severity: cause === 'revoked' || attempts >= 100 ? 'high' : 'medium',
    evidence: {
      observed: attempts,
      expected: Math.round(expected * 100) / 100,
      window: windowEnding(minute, counted),
      cause,
      retiredAt: new Date(sinceMs).toISOString(),
      minutesSinceRetired: Math.max(0, minutesSince),
    },
    summary:
      cause === 'revoked'
        ? `Revoked key still in use: ${attempts} rejected calls in the last ${counted} min.`
        : `Rotated-out secret still in use after its grace period: ${attempts} rejected calls in the last ${counted} min.`,
  };
}
