import { DEFAULT_ANOMALY_CONFIG, type AnomalyConfig } from './anomaly-config';
import { detectAuthFailureBurst, detectErrorBurst, detectRateLimitBurst } from './burst-detector';
import type { KeyBaseline } from './key-baseline';
import { detectNewCountry, detectNewRoute, detectNewSourceNetwork } from './novelty-detector';
import { detectQuotaBurn, type KeyQuotaUsage } from './quota-burn-detector';
import { detectRetiredKeyUse, type KeyLifecycle } from './retired-key-detector';
import { detectLowRateTrafficDrop } from './traffic-drop-detector';
import { detectTrafficDrop, detectTrafficSpike } from './traffic-detector';
import type { AnomalyFinding, KeyTrafficWindow } from './types';

export interface KeyAnomalyInput {
  readonly window: KeyTrafficWindow;
  /** The key's baseline as of the minute before the window's newest minute. */
  readonly baseline: KeyBaseline;
  readonly quotas?: KeyQuotaUsage;
  readonly lifecycle?: KeyLifecycle;
  /** The evaluation clock (usually the end of the window's newest minute). */
  readonly nowMs: number;
}

/**
 * Runs every per-key detector on the window's newest minute: at most one finding per kind. Cost per key and
 * minute: a few dozen arithmetic operations plus a pass over the window (30 minutes by default) and over the
 * newest minute's sources. Afterwards fold the minute in with `updateKeyBaseline`.
 */
export function detectKeyAnomalies(
  input: KeyAnomalyInput,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): AnomalyFinding[] {
  const { window, baseline } = input;
  const findings = [
    detectTrafficSpike(window, baseline, config),
    // A revoked key's traffic is expected to stop.
    isRevoked(input)
      ? null
      : (detectTrafficDrop(window, baseline, config) ?? detectLowRateTrafficDrop(window, baseline, config)),
    detectAuthFailureBurst(window, baseline, config),
    detectRateLimitBurst(window, baseline, config),
    detectErrorBurst(window, baseline, config),
    detectNewSourceNetwork(window, baseline, config),
    detectNewCountry(window, baseline, config),
    detectNewRoute(window, baseline, config),
    input.quotas === undefined ? null : detectQuotaBurn(window, baseline, input.quotas, input.nowMs, config),
    input.lifecycle === undefined ? null : detectRetiredKeyUse(window, baseline, input.lifecycle, config),
  ];
  return findings.filter((finding): finding is AnomalyFinding => finding !== null);
}

function isRevoked(input: KeyAnomalyInput): boolean {
  const revokedAtMs = input.lifecycle?.revokedAtMs ?? null;
  return revokedAtMs !== null && revokedAtMs <= input.nowMs;
}
