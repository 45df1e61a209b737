import { DEFAULT_ANOMALY_CONFIG, type AnomalyConfig } from './anomaly-config';
import type { KeyBaseline } from './key-baseline';
import { seasonalExpectation } from './seasonal-baseline';
import {
  MINUTE_MS,
  type AnomalyFinding,
  type AnomalySeverity,
  type KeyTrafficWindow,
  windowEnding,
} from './types';
import { formatCount, sumNewest } from './window-sums';

/** One quota of a key and how much of its current window is used (including the window's newest minute). */
export interface QuotaUsage {
  readonly limit: number;
  readonly used: number;
  /** The quota window `[startMs, endMs)` (a day or month in the customer's timezone). */
  readonly window: { readonly startMs: number; readonly endMs: number };
}

/** The key's quotas; absent or null: no quota of that kind. */
export interface KeyQuotaUsage {
  /** Counts billable calls. */
  readonly requestsPerDay?: QuotaUsage | null;
  /** Counts credits of billable calls. */
  readonly creditsPerMonth?: QuotaUsage | null;
}

/**
 * Quota burn: at the current rate the key exhausts a quota before its window ends. The current rate is that of
 * the quietest of `rateParts` equal parts of the last `rateMinutes` minutes (a batch shorter than a part, such as
 * a daily cron, cannot raise every part), taken at its lower bound (calls − z·√(calls × dispersion), the key's
 * own overdispersion from its seasonal baseline: batches make a rate less certain), deseasonalised: multiplied
 * by (the key's weekly average rate ÷ the rate its baseline expects now), clamped, so a key at its usual daily
 * peak is projected at its usual average (no alarm every morning) while a key running at 5× its norm is
 * projected at 5× its average. Reports the quota that runs out first, with the projected exhaustion time.
 */
export function detectQuotaBurn(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  quotas: KeyQuotaUsage,
  nowMs: number,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): AnomalyFinding | null {
  const {
    rateMinutes,
    rateParts,
    rateLowerBoundZ,
    minSeasonalFactor,
    maxSeasonalFactor,
    minLeadMinutes,
    minUsedFraction,
  } = config.quotaBurn;
  if (window.minutes.length === 0) {
    return null;
  }
  const now = seasonalExpectation(baseline.seasonal, window.endMinute + 0.5);
  const seasonalFactor =
    now.weeksOfHistory >= config.traffic.minHistoryWeeks && now.weeklyMeanRate > 0
      ? clamp(now.weeklyMeanRate / Math.max(now.expected, 1e-9), minSeasonalFactor, maxSeasonalFactor)
      : 1;
  const minutes = Math.min(rateMinutes, window.minutes.length);
  // Every part of the window must burn: a batch (a daily cron, a client's burst) shorter than a part cannot raise
  // all of them, however it falls across their boundaries. The rate is the quietest part's.
  const parts = Math.max(1, Math.min(rateParts, minutes));
  const partLength = Math.floor(minutes / parts);
  const spanned = parts * partLength;
  let quietestPart = Number.POSITIVE_INFINITY;
  for (let part = 0; part < parts; part++) {
    const newer = sumNewest(window, part * partLength, 'billable');
    quietestPart = Math.min(quietestPart, sumNewest(window, (part + 1) * partLength, 'billable') - newer);
  }
  const spannedCalls = sumNewest(window, spanned, 'billable');
  const calls = parts * quietestPart;
  const creditsPerCall = (sumNewest(window, spanned, 'credits') || 0) / Math.max(1, spannedCalls);
  // The lower bound of the recent calls: a handful of calls is not a burn rate. Calls that come in batches
  // vary `dispersion` times more than independent ones, so two batches are not a rate either.
  const dispersion =
    now.weeksOfHistory >= config.traffic.minHistoryWeeks && Number.isFinite(now.dispersion)
      ? Math.max(1, now.dispersion)
      : 1;
  const confidence =
    calls > 0 ? Math.max(0, calls - rateLowerBoundZ * Math.sqrt(calls * dispersion)) / calls : 0;
  const candidates = [
    { name: 'requestsPerDay', usage: quotas.requestsPerDay, rate: (calls * confidence) / spanned },
    {
      name: 'creditsPerMonth',
      usage: quotas.creditsPerMonth,
      rate: (calls * creditsPerCall * confidence) / spanned,
    },
  ];
  let worst: AnomalyFinding | null = null;
  let worstMinutesLeft = Number.POSITIVE_INFINITY;
  for (const { name, usage, rate } of candidates) {
    if (usage === null || usage === undefined || usage.limit <= 0 || nowMs >= usage.window.endMs) {
      continue;
    }
    const remaining = usage.limit - usage.used;
    const projectedRate = rate * seasonalFactor;
    if (remaining <= 0 || projectedRate <= 0 || usage.used < minUsedFraction * usage.limit) {
      continue;
    }
    const minutesLeft = remaining / projectedRate;
    const exhaustionMs = nowMs + minutesLeft * MINUTE_MS;
    if (exhaustionMs > usage.window.endMs - minLeadMinutes * MINUTE_MS || minutesLeft >= worstMinutesLeft) {
      continue;
    }
    worstMinutesLeft = minutesLeft;
    const sustainableRate = remaining / ((usage.window.endMs - nowMs) / MINUTE_MS);
    const severity: AnomalySeverity = minutesLeft < 60 ? 'critical' : minutesLeft < 360 ? 'high' : 'medium';
    worst = {
      kind: 'quota_burn',
      severity,
      evidence: {
        observed: round3(projectedRate),
        expected: round3(sustainableRate),
        window: windowEnding(window.endMinute, spanned),
        quota: name,
        limit: usage.limit,
        used: round3(usage.used),
        currentRatePerMinute: round3(rate / Math.max(confidence, 1e-9)),
        rateLowerBound: round3(rate),
        seasonalFactor: round3(seasonalFactor),
        dispersion: round3(dispersion),
        minutesToExhaustion: Math.round(minutesLeft),
        projectedExhaustionAt: new Date(Math.round(exhaustionMs)).toISOString(),
        windowEndsAt: new Date(usage.window.endMs).toISOString(),
      },
      summary: `Quota ${name} (${formatCount(usage.limit)}) projected to run out at ${new Date(Math.round(exhaustionMs)).toISOString()}, ${Math.round(minutesLeft)} min from now, before its window ends; ${formatCount(round3(usage.used))} used.`,
    };
  }
  return worst;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
