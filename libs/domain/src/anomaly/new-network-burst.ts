import { DEFAULT_ANOMALY_CONFIG, type AnomalyConfig } from './anomaly-config';
import type { KeyBaseline } from './key-baseline';
import { poissonUpperTailBound } from './poisson-tail';
import { pastPeakNear, seasonalExpectation } from './seasonal-baseline';
import type { KeyTrafficWindow } from './types';

/**
 * Whether the newest minutes hold a burst of calls that the key's usual traffic cannot explain and that the
 * networks first seen in this episode carry: a leaked key's first minutes, before they are large enough for the
 * spike checks' absolute floors (20 calls a minute). `newCalls` is the newest minute's calls from those networks.
 *
 * For each window of the newest 1 … `novelty.burstMinutes` (2) minutes, with `X` the window's calls and
 * `λ` the larger of its seasonal expectation and the key's average rate over as many minutes, the window is a
 * burst when `X ≥ burstMinCalls`, `X − E ≥ additionZ × minutes × max(weeklySpread, relativeSpreadFloor × μ)` (the
 * expectation `E` itself is uncertain by the key's level moving week to week) and
 * `P(Poisson(λ / D) ≥ X / D) ≤ burstFalseAlarmProbability`, counting in the
 * key's usual batches (`D`, the dispersion: a client that sends 20 calls at once makes one event of them). The
 * newest minute must also be above the busiest minute of past weeks around this hour (`pastPeakNear`: a daily
 * cron whose client moved to a new network is not a stranger), and without the new networks' calls it must be
 * within the key's usual traffic (at most `additionZ` spreads above its expectation): a client that moved or
 * scaled out spreads the key's calls over old and new networks alike and keeps their total; a stranger adds to it.
 * Cost: only for a minute with calls from new networks, two or three interpolated expectations and one
 * logarithm per window.
 */
export function newNetworksCarryBurst(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  newCalls: number,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): boolean {
  const { novelty, traffic } = config;
  if (newCalls <= 0 || window.minutes.length === 0) {
    return false;
  }
  const end = window.endMinute;
  const now = seasonalExpectation(baseline.seasonal, end + 0.5);
  if (now.weeksOfHistory < traffic.minHistoryWeeks) {
    return false;
  }
  const newest = window.minutes[window.minutes.length - 1].requests;
  const spread = Math.max(
    1,
    Math.sqrt(now.expected),
    now.minuteSpread,
    now.weeklySpread,
    traffic.relativeSpreadFloor * now.expected,
  );
  if (newest - newCalls - now.expected >= novelty.additionZ * spread) {
    return false;
  }
  const dispersion = Number.isFinite(now.dispersion) ? Math.max(1, now.dispersion) : 1;
  // The expectation's own error: the key's level moves from week to week (at least `relativeSpreadFloor` of it),
  // and a level 25 % above last weeks' on a busy key is thousands of "improbable" calls to a Poisson test alone.
  const levelSpread = Math.max(now.weeklySpread, traffic.relativeSpreadFloor * now.expected);
  let observed = 0;
  let expected = 0;
  let fires = false;
  const longest = Math.min(novelty.burstMinutes, window.minutes.length);
  for (let length = 1; length <= longest && !fires; length++) {
    observed += window.minutes[window.minutes.length - length].requests;
    expected +=
      length === 1 ? now.expected : seasonalExpectation(baseline.seasonal, end - length + 1.5).expected;
    if (observed < novelty.burstMinCalls || observed - expected < novelty.additionZ * length * levelSpread) {
      continue;
    }
    const mean = Math.max(expected, length * now.weeklyMeanRate);
    fires =
      poissonUpperTailBound(Math.floor(observed / dispersion), mean / dispersion) <=
      novelty.burstFalseAlarmProbability;
  }
  return fires && newest > pastPeakNear(baseline.seasonal, end + 0.5, traffic.spike.peakNearMinutes);
}
