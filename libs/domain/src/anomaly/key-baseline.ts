import { DEFAULT_ANOMALY_CONFIG, type AnomalyConfig } from './anomaly-config';
import { ewmaAfter } from './robust-stats';
import { createSeasonalBaseline, foldSeasonalMinute, type SeasonalBaseline } from './seasonal-baseline';
import {
  ZERO_MINUTE,
  type EpochMinute,
  type KeyTrafficWindow,
  type MinuteCounts,
  type SourceCounts,
} from './types';

/** `[firstSeenMinute, lastSeenMinute]` of a source; the last-seen minute is refreshed at most hourly. */
export type SeenSpan = readonly [number, number];
export type KnownSources = Readonly<Record<string, SeenSpan>>;

/** Background rates per minute (EWMA, bursts clipped so an attack does not become the norm). */
export interface BackgroundRates {
  /** Calls that passed authentication (requests − 401 − 403): what the failure shares are relative to. */
  readonly calls: number;
  /** 401 + 403. */
  readonly authFailures: number;
  /** 401 only: what a retired secret produces. */
  readonly authRejected: number;
  readonly rateLimited: number;
  readonly serverErrors: number;
}

/** Recently first-seen sources, as counts decaying with `novelty.churnHalfLifeMinutes` (at `lastMinute`). */
export interface RecentNovelty {
  readonly networks: number;
  readonly countries: number;
  readonly routes: number;
}

/**
 * Everything the detectors remember about one key, updated once a minute by `updateKeyBaseline` in O(1)
 * (amortised; an hour's close copies the seasonal arrays) and stored as JSON between runs.
 */
export interface KeyBaseline {
  readonly version: 1;
  readonly keyId: string;
  /** First minute with a call, or null for a key never seen. */
  readonly firstMinute: EpochMinute | null;
  /** Last minute folded in, or null. */
  readonly lastMinute: EpochMinute | null;
  readonly seasonal: SeasonalBaseline;
  readonly rates: BackgroundRates;
  readonly networks: KnownSources;
  readonly countries: KnownSources;
  readonly routes: KnownSources;
  readonly recentNew: RecentNovelty;
}

export function createKeyBaseline(
  keyId: string,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): KeyBaseline {
  return {
    version: 1,
    keyId,
    firstMinute: null,
    lastMinute: null,
    seasonal: createSeasonalBaseline(config.seasonWeeks, config.traffic.spike.windowsMinutes.length),
    rates: { calls: 0, authFailures: 0, authRejected: 0, rateLimited: 0, serverErrors: 0 },
    networks: {},
    countries: {},
    routes: {},
    recentNew: { networks: 0, countries: 0, routes: 0 },
  };
}

/**
 * Folds the window's newest minute (and any minutes of the window not folded yet) into the baseline and
 * returns the new baseline; the old one is left as it was. Run the detectors on a minute before folding it,
 * so a minute is never judged against itself. Minutes at or before `lastMinute` are ignored (replays).
 */
export function updateKeyBaseline(
  baseline: KeyBaseline,
  window: KeyTrafficWindow,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): KeyBaseline {
  const minute = window.endMinute;
  if (baseline.lastMinute !== null && minute <= baseline.lastMinute) {
    return baseline;
  }
  const windowStart = minute - window.minutes.length + 1;
  const from = baseline.lastMinute === null ? minute : Math.max(baseline.lastMinute + 1, windowStart);
  // The minutes of the window (those of an hour the fold closes, for where its peak's run began).
  const callsAt = (at: EpochMinute): number | undefined =>
    at >= windowStart && at <= minute
      ? (window.minutes[at - windowStart] ?? ZERO_MINUTE).requests
      : undefined;
  let seasonal = baseline.seasonal;
  let rates = baseline.rates;
  let previous = baseline.lastMinute ?? minute - 1;
  for (let current = from; current <= minute; current++) {
    const counts = window.minutes[current - windowStart] ?? ZERO_MINUTE;
    seasonal = foldSeasonalMinute(
      seasonal,
      current,
      counts.requests,
      trailingRequests(window, current, config.traffic.sustained.minutes),
      shortTrailingRequests(window, current, config),
      callsAt,
    );
    rates = updateRates(rates, counts, current - previous, config);
    previous = current;
  }
  const hasCalls = window.minutes[window.minutes.length - 1]?.requests > 0;
  const firstMinute = baseline.firstMinute ?? (hasCalls ? minute : null);
  const decay =
    baseline.lastMinute === null
      ? 1
      : Math.pow(0.5, (minute - baseline.lastMinute) / config.novelty.churnHalfLifeMinutes);
  const countsAsChurn = firstMinute !== null && minute - firstMinute >= config.novelty.homeMinutes;
  const networks = rememberSources(
    baseline.networks,
    window.sources.networks,
    minute,
    config.novelty.maxKnown,
  );
  const countries = rememberSources(
    baseline.countries,
    window.sources.countries,
    minute,
    config.novelty.maxKnown,
  );
  const routes = rememberSources(baseline.routes, window.sources.routes, minute, config.novelty.maxKnown);
  const churn = (added: number): number => (countsAsChurn ? added : 0);
  return {
    ...baseline,
    firstMinute,
    lastMinute: minute,
    seasonal,
    rates,
    networks: networks.known,
    countries: countries.known,
    routes: routes.known,
    recentNew: {
      networks: baseline.recentNew.networks * decay + churn(networks.added),
      countries: baseline.recentNew.countries * decay + churn(countries.added),
      routes: baseline.recentNew.routes * decay + churn(routes.added),
    },
  };
}

/** Calls in the `length` minutes of the window ending at `minute`. */
function trailingRequests(window: KeyTrafficWindow, minute: EpochMinute, length: number): number {
  const windowStart = window.endMinute - window.minutes.length + 1;
  const last = minute - windowStart;
  let total = 0;
  for (let index = Math.max(0, last - length + 1); index <= last; index++) {
    total += window.minutes[index]?.requests ?? 0;
  }
  return total;
}

/** Calls in each of the spike check's short windows (`traffic.spike.windowsMinutes`) ending at `minute`. */
function shortTrailingRequests(
  window: KeyTrafficWindow,
  minute: EpochMinute,
  config: AnomalyConfig,
): readonly number[] {
  return config.traffic.spike.windowsMinutes.map((length) => trailingRequests(window, minute, length));
}

function updateRates(
  rates: BackgroundRates,
  counts: MinuteCounts,
  gap: number,
  config: AnomalyConfig,
): BackgroundRates {
  const { alpha, minCount, minRatio } = config.bursts;
  const calls = authenticatedCalls(counts);
  // A burst is clipped to what would not have been one: the background stays the background.
  const clipped = (rate: number, value: number): number => {
    const expected = expectedFailures(rate, rates.calls, calls, config);
    return ewmaAfter(rate, Math.min(value, Math.max(minCount, minRatio * expected)), alpha, gap);
  };
  return {
    calls: ewmaAfter(rates.calls, calls, alpha, gap),
    authFailures: clipped(rates.authFailures, counts.authRejected + counts.scopeRejected),
    authRejected: clipped(rates.authRejected, counts.authRejected),
    rateLimited: clipped(rates.rateLimited, counts.rateLimited),
    serverErrors: clipped(rates.serverErrors, counts.serverErrors),
  };
}

/** Calls of a minute that passed authentication. */
export function authenticatedCalls(counts: MinuteCounts): number {
  return Math.max(0, counts.requests - counts.authRejected - counts.scopeRejected);
}

/**
 * Failures expected in a minute with `callsNow` authenticated calls: the key's usual share of failures per
 * call times this minute's calls (without history, its usual failures per minute), at least the floor.
 */
export function expectedFailures(
  failureRate: number,
  callRate: number,
  callsNow: number,
  config: AnomalyConfig,
): number {
  const expected = callRate > 0 ? (failureRate / callRate) * callsNow : failureRate;
  return Math.max(config.bursts.floorPerMinute, expected);
}

/** Sources in `seen` not known yet (with at least one call). */
export function unknownSources(known: KnownSources, seen: SourceCounts, minCalls = 1): string[] {
  const unknown: string[] = [];
  for (const source in seen) {
    if (seen[source] >= minCalls && !Object.prototype.hasOwnProperty.call(known, source)) {
      unknown.push(source);
    }
  }
  return unknown;
}

function rememberSources(
  known: KnownSources,
  seen: SourceCounts,
  minute: EpochMinute,
  maxKnown: number,
): { known: KnownSources; added: number } {
  let next: Record<string, SeenSpan> | undefined;
  let added = 0;
  for (const source in seen) {
    if (!(seen[source] > 0)) {
      continue;
    }
    const span = Object.prototype.hasOwnProperty.call(known, source) ? known[source] : undefined;
    if (span !== undefined && minute - span[1] < 60) {
      continue;
    }
    next ??= { ...known };
    next[source] = span === undefined ? [minute, minute] : [span[0], minute];
    added += span === undefined ? 1 : 0;
  }
  if (next === undefined) {
    return { known, added };
  }
  const merged = next;
  const names = Object.keys(merged);
  if (names.length > maxKnown) {
    names.sort((a, b) => merged[a][1] - merged[b][1]);
    for (const name of names.slice(0, names.length - maxKnown)) {
      delete merged[name];
    }
  }
  return { known: merged, added };
}
