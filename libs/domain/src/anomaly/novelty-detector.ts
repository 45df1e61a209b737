import { DEFAULT_ANOMALY_CONFIG, type AnomalyConfig } from './anomaly-config';
import { unknownSources, type KeyBaseline } from './key-baseline';
import {
  severityAt,
  type AnomalyFinding,
  type KeyTrafficWindow,
  type SourceCounts,
  windowEnding,
} from './types';

interface Novelty {
  readonly unknown: readonly string[];
  readonly calls: number;
}

/** Whether the key is past its learning period at the window's newest minute. */
function isLearning(window: KeyTrafficWindow, baseline: KeyBaseline, config: AnomalyConfig): boolean {
  return (
    baseline.firstMinute === null || window.endMinute - baseline.firstMinute < config.novelty.learningMinutes
  );
}

function novelty(known: KeyBaseline['networks'], seen: SourceCounts, minCalls: number): Novelty {
  const unknown = unknownSources(known, seen, minCalls).sort();
  return { unknown, calls: unknown.reduce((sum, source) => sum + seen[source], 0) };
}

/** Recently first-seen sources of a kind, decayed to the newest minute. */
function recentNew(baseline: KeyBaseline, count: number, minute: number, config: AnomalyConfig): number {
  const elapsed = baseline.lastMinute === null ? 0 : Math.max(0, minute - baseline.lastMinute);
  return count * Math.pow(0.5, elapsed / config.novelty.churnHalfLifeMinutes);
}

/**
 * Calls from a source network (/24, /48) the key never used, after its learning period. A new network alone
 * is low severity: servers move, scale out and change providers. It rises one step for each other sign of a
 * leaked key in the same minute (a new country, a new route) and one more when the key's set of networks is
 * stable (fewer than `churnyAt` recent new networks), capped at high.
 */
export function detectNewSourceNetwork(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): AnomalyFinding | null {
  if (isLearning(window, baseline, config)) {
    return null;
  }
  const { minCalls, churnyAt } = config.novelty;
  const networks = novelty(baseline.networks, window.sources.networks, minCalls);
  if (networks.unknown.length === 0) {
    return null;
  }
  const churn = recentNew(baseline, baseline.recentNew.networks, window.endMinute, config);
  const newCountries = unknownSources(baseline.countries, window.sources.countries, minCalls);
  const newRoutes = unknownSources(baseline.routes, window.sources.routes, minCalls);
  const corroboration = (newCountries.length > 0 ? 1 : 0) + (newRoutes.length > 0 ? 1 : 0);
  const level = corroboration + (corroboration > 0 && churn < churnyAt ? 1 : 0);
  return {
    kind: 'new_source_network',
    severity: severityAt(Math.min(level, 2)),
    evidence: {
      observed: networks.calls,
      expected: 0,
      window: windowEnding(window.endMinute, 1),
      network: networks.unknown[0],
      newNetworks: networks.unknown.length,
      knownNetworks: Object.keys(baseline.networks).length,
      recentNewNetworks: Math.round(churn * 100) / 100,
      newCountries: newCountries.length,
      newRoutes: newRoutes.length,
    },
    summary: `Key used from ${networks.unknown.length === 1 ? 'a new network' : `${networks.unknown.length} new networks`} (${networks.unknown.slice(0, 3).join(', ')}): ${networks.calls} calls in one minute.`,
  };
}

/** Calls from a country the key was never used from, after its learning period (medium; high with a new network). */
export function detectNewCountry(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): AnomalyFinding | null {
  if (isLearning(window, baseline, config)) {
    return null;
  }
  const { minCalls, churnyAt } = config.novelty;
  const countries = novelty(baseline.countries, window.sources.countries, minCalls);
  if (countries.unknown.length === 0) {
    return null;
  }
  const churn = recentNew(baseline, baseline.recentNew.countries, window.endMinute, config);
  const withNewNetwork = unknownSources(baseline.networks, window.sources.networks, minCalls).length > 0;
  const level = 1 + (withNewNetwork ? 1 : 0) - (churn >= churnyAt ? 1 : 0);
  return {
    kind: 'new_country',
    severity: severityAt(level),
    evidence: {
      observed: countries.calls,
      expected: 0,
      window: windowEnding(window.endMinute, 1),
      country: countries.unknown[0],
      newCountries: countries.unknown.length,
      knownCountries: Object.keys(baseline.countries).length,
    },
    summary: `Key used from a new country (${countries.unknown.join(', ')}): ${countries.calls} calls in one minute.`,
  };
}

/** Calls on routes the key never called, after its learning period (low; medium with a new network). */
export function detectNewRoute(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): AnomalyFinding | null {
  if (isLearning(window, baseline, config)) {
    return null;
  }
  const routes = novelty(baseline.routes, window.sources.routes, config.novelty.minCalls);
  if (routes.unknown.length === 0) {
    return null;
  }
  const withNewNetwork =
    unknownSources(baseline.networks, window.sources.networks, config.novelty.minCalls).length > 0;
  return {
    kind: 'new_route',
    severity: withNewNetwork ? 'medium' : 'low',
    evidence: {
      observed: routes.calls,
      expected: 0,
      window: windowEnding(window.endMinute, 1),
      route: routes.unknown[0],
      newRoutes: routes.unknown.length,
      knownRoutes: Object.keys(baseline.routes).length,
    },
    summary: `Key called ${routes.unknown.length === 1 ? 'a route' : 'routes'} it never used before (${routes.unknown.slice(0, 3).join(', ')}): ${routes.calls} calls in one minute.`,
  };
}
