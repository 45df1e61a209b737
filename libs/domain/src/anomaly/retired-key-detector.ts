import { round2 } from './window-sums';
import { DEFAULT_ANOMALY_CONFIG, type AnomalyConfig } from './anomaly-config';
import { authenticatedCalls, type KeyBaseline } from './key-baseline';
import { poissonUpperTailBound } from './poisson-tail';
import { MINUTE_MS, type AnomalyFinding, type KeyTrafficWindow, windowEnding } from './types';

/** When the key's secrets stopped being valid; null or absent when that has not happened. */
export interface KeyLifecycle {
  /** End of the grace period of the secret replaced by the latest rotation. */
  readonly rotationGraceEndedAtMs?: number | null;
  readonly revokedAtMs?: number | null;
}

interface WindowCount {
  readonly minutes: number;
  readonly attempts: number;
  readonly expected: number;
}

/**
 * Use of a key after its revocation or after the grace period of its rotated-out secret, seen as
 * `rejected_auth` calls carrying the key id in minutes that started after that instant, counted over each of
 * `windowsMinutes` (only minutes after the retirement). After a revocation no call is legitimate, so
 * `minAttempts` in a window is enough. After a rotation the same key id also collects ordinary wrong-secret
 * failures, so the count must also stand `minZ` Poisson deviations above the key's usual share of 401s per
 * authenticated call times the window's authenticated calls, and its Poisson upper tail be at most
 * `falseAlarmProbability`. The longer window lets a stale client of a few calls an hour add up (a fixed floor
 * per minute made a client failing a few times every ten minutes wait for a chance cluster). The shortest
 * window that fires is reported. Watched for `horizonMinutes`.
 */
export function detectRetiredKeyUse(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  lifecycle: KeyLifecycle,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): AnomalyFinding | null {
  const { horizonMinutes } = config.retiredKey;
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
  const fired = firingWindow(window, baseline, cause, firstMinute, config);
  if (fired === null) {
    return null;
  }
  const { attempts, expected, minutes } = fired;
  const minutesSince = Math.floor((minute * MINUTE_MS - sinceMs) / MINUTE_MS);
  return {
    kind: 'retired_key_use',
    severity: cause === 'revoked' || attempts >= 100 ? 'high' : 'medium',
    evidence: {
      observed: attempts,
      expected: round2(expected),
      window: windowEnding(minute, minutes),
      cause,
      retiredAt: new Date(sinceMs).toISOString(),
      minutesSinceRetired: Math.max(0, minutesSince),
    },
    summary:
      cause === 'revoked'
        ? `Revoked key still in use: ${attempts} rejected calls in the last ${minutes} min.`
        : `Rotated-out secret still in use after its grace period: ${attempts} rejected calls in the last ${minutes} min.`,
  };
}

/**
 * The shortest of the windows (newest minutes, none before `firstMinute`) whose rejected calls pass the tests,
 * or null. After a rotation the expectation is the key's usual share of 401s per authenticated call (at least
 * `floorShare`) times the window's authenticated calls: a busy hour has proportionally more mistyped secrets.
 */
function firingWindow(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  cause: 'revoked' | 'rotated',
  firstMinute: number,
  config: AnomalyConfig,
): WindowCount | null {
  const { windowsMinutes, minAttempts, minZ, falseAlarmProbability, floorShare } = config.retiredKey;
  const { authRejected: rejectedRate, calls: callRate } = baseline.rates;
  const usualShare = Math.max(floorShare, callRate > 0 ? rejectedRate / callRate : 0);
  const { minutes } = window;
  const available = Math.min(minutes.length, window.endMinute - firstMinute + 1);
  let attempts = 0;
  let authenticated = 0;
  let length = 0;
  for (const size of windowsMinutes) {
    const previous = length;
    while (length < size && length < available) {
      const counts = minutes[minutes.length - 1 - length];
      attempts += counts.authRejected;
      authenticated += authenticatedCalls(counts);
      length += 1;
    }
    if (length === previous && previous > 0) {
      break; // the retirement is more recent than this window: the same minutes as the shorter one
    }
    if (attempts < minAttempts) {
      continue;
    }
    if (cause === 'revoked') {
      return { minutes: length, attempts, expected: 0 };
    }
    // Without calls to scale by, the key's usual 401s per minute.
    const expected =
      callRate > 0 ? usualShare * authenticated : Math.max(rejectedRate * length, floorShare * authenticated);
    if (
      attempts - expected >= minZ * Math.sqrt(Math.max(expected, 1)) &&
      poissonUpperTailBound(attempts, expected) <= falseAlarmProbability
    ) {
      return { minutes: length, attempts, expected };
    }
  }
  return null;
}
