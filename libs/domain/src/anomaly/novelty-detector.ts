import { round2 } from './window-sums';
import { DEFAULT_ANOMALY_CONFIG, type AnomalyConfig } from './anomaly-config';
import { unknownSources, type KeyBaseline } from './key-baseline';
import { newNetworksCarryBurst } from './new-network-burst';
import { seasonalExpectation, type SeasonalExpectation } from './seasonal-baseline';
import { detectTrafficSpike } from './traffic-detector';
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

/**
 * Whether the key's countries are still being learnt: the learning period counts from the first call that had
 * a country, not from the key's first call. A gateway that starts sending the country header, or a key whose
 * calls came through an external gateway without one, then learns its usual countries instead of reporting them
 * all as new.
 */
function isLearningCountries(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  config: AnomalyConfig,
): boolean {
  let firstCountryMinute = Number.POSITIVE_INFINITY;
  for (const country in baseline.countries) {
    firstCountryMinute = Math.min(firstCountryMinute, baseline.countries[country][0]);
  }
  return window.endMinute - firstCountryMinute < config.novelty.learningMinutes;
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

/** Known networks first seen in the last `minutes` minutes, after the key's home period (its own churn excluded). */
function networksFirstSeenWithin(
  baseline: KeyBaseline,
  minute: number,
  minutes: number,
  config: AnomalyConfig,
): number {
  const homeUntil = (baseline.firstMinute ?? minute) + config.novelty.homeMinutes;
  let count = 0;
  for (const network in baseline.networks) {
    const first = baseline.networks[network][0];
    if (first > minute - minutes && first >= homeUntil) {
      count += 1;
    }
  }
  return count;
}

/**
 * The newest minute's calls from known networks first seen in the last `minutes` minutes after the key's home
 * period: the networks of the episode being judged, which were new a few minutes ago.
 */
function episodeNetworkCalls(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  minutes: number,
  config: AnomalyConfig,
): { readonly networks: readonly string[]; readonly calls: number } {
  const minute = window.endMinute;
  const homeUntil = (baseline.firstMinute ?? minute) + config.novelty.homeMinutes;
  const seen = window.sources.networks;
  const networks: string[] = [];
  let calls = 0;
  for (const network in seen) {
    const span = Object.prototype.hasOwnProperty.call(baseline.networks, network)
      ? baseline.networks[network]
      : undefined;
    if (span !== undefined && seen[network] > 0 && span[0] > minute - minutes && span[0] >= homeUntil) {
      networks.push(network);
      calls += seen[network];
    }
  }
  return { networks: networks.sort((a, b) => seen[b] - seen[a]), calls };
}

/**
 * Whether the minute is a traffic spike (the spike detector's one-minute or two-minute check) that the new
 * networks carry: without their calls the minute would be within the key's usual traffic (at most `additionZ`
 * spreads above its expectation). A client that moved or scaled out spreads the key's calls, a batch included,
 * over old and new networks alike; a stranger's burst of calls comes only from the stranger's networks.
 */
function carriesTrafficSpike(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  newCalls: number,
  config: AnomalyConfig,
): boolean {
  if (newCalls <= 0) {
    return false;
  }
  const spike = detectTrafficSpike(window, baseline, config);
  const check = spike?.evidence.check;
  if (spike === null || (check !== 'minute' && check !== 'persistent')) {
    return false;
  }
  const { now, total, spread } = newestMinute(window, baseline, config);
  return total - newCalls - now.expected < config.novelty.additionZ * spread;
}

/** The newest minute's calls, the key's seasonal expectation for it, and the spread the novelty tests use. */
function newestMinute(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  config: AnomalyConfig,
): { readonly now: SeasonalExpectation; readonly total: number; readonly spread: number } {
  const now = seasonalExpectation(baseline.seasonal, window.endMinute + 0.5);
  const total = window.minutes[window.minutes.length - 1]?.requests ?? 0;
  const spread = Math.max(
    1,
    Math.sqrt(now.expected),
    now.minuteSpread,
    now.weeklySpread,
    config.traffic.relativeSpreadFloor * now.expected,
  );
  return { now, total, spread };
}

/**
 * Whether the calls from the new networks come on top of the key's usual traffic (a leaked key: someone
 * else's calls) rather than in place of part of it (a client that moved or scaled out: the same calls from
 * more places). Under "in place", the minute's total stays at the seasonal expectation μ; under "on top", it
 * is μ plus the new networks' calls. Decided only when the test has power: the total exceeds μ by
 * `additionZ` spreads and the largest minute of past weeks around this hour, holds at least `minBatches` of
 * the key's usual batches, and the new networks carry at least that excess.
 */
function addsToUsualTraffic(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  newCalls: number,
  config: AnomalyConfig,
): { readonly adds: boolean; readonly expected: number; readonly excess: number } {
  const { now, total, spread } = newestMinute(window, baseline, config);
  if (now.weeksOfHistory < config.traffic.minHistoryWeeks) {
    return { adds: false, expected: now.expected, excess: 0 };
  }
  const excess = total - now.expected;
  const margin = config.novelty.additionZ * spread;
  // Above the busiest minute of past weeks around this hour too, and at least `minBatches` of the key's usual
  // batches (as the spike check asks): a batch or a cron minute is not a stranger, nor is one batch of a client
  // that sends 20 calls at once at an hour it sent none in past weeks.
  return {
    adds:
      excess >= margin &&
      newCalls >= margin &&
      total > now.pastPeak &&
      total >= config.traffic.spike.minBatches * now.dispersion,
    expected: now.expected,
    excess,
  };
}

interface NetworkAssessment {
  /** Networks the key never used, in the newest minute. */
  readonly networks: Novelty;
  /** The newest minute's calls from networks first seen in the last `multipleWithinMinutes` (the episode). */
  readonly episode: { readonly networks: readonly string[]; readonly calls: number };
  readonly firstSeen: boolean;
  readonly justSeen: number;
  readonly churn: number;
  readonly stable: boolean;
  readonly carried: number;
  readonly spikeCarried: boolean;
}

/**
 * The newest minute's new networks (first seen now, or in the episode of the last `multipleWithinMinutes`), the
 * key's own churn before them and whether they carry a spike or a burst; null without calls from such networks.
 */
function assessNewNetworks(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  config: AnomalyConfig,
): NetworkAssessment | null {
  const { minCalls, churnyAt, multipleWithinMinutes } = config.novelty;
  const networks = novelty(baseline.networks, window.sources.networks, minCalls);
  const episode = episodeNetworkCalls(window, baseline, multipleWithinMinutes, config);
  const firstSeen = networks.unknown.length > 0;
  if (!firstSeen && episode.calls === 0) {
    return null;
  }
  const justSeen = networksFirstSeenWithin(baseline, window.endMinute, multipleWithinMinutes, config);
  // The key's own churn before this episode: networks that appeared in the last minutes are part of what is
  // being judged, not evidence that the key is churny.
  const churn = Math.max(
    0,
    recentNew(baseline, baseline.recentNew.networks, window.endMinute, config) - justSeen,
  );
  const carried = networks.calls + episode.calls;
  const spikeCarried =
    carriesTrafficSpike(window, baseline, carried, config) ||
    newNetworksCarryBurst(window, baseline, carried, config);
  return { networks, episode, firstSeen, justSeen, churn, stable: churn < churnyAt, carried, spikeCarried };
}

/**
 * Calls from a source network (/24, /48) the key never used, after its learning period. A new network alone
 * is low severity: servers move, scale out and change providers. It rises one step for each other sign of a
 * leaked key (a new country in the same minute, calls on new routes that stand out by themselves (at least
 * `newRouteMinCalls`, or several new routes: see `detectNewRoute`), several new networks within
 * `multipleWithinMinutes`, calls that come on top of the key's usual traffic rather than in place of part of
 * it, a traffic spike the new networks carry) and one more when the key's set of networks is stable (fewer
 * than `churnyAt` recent new networks), capped at high. On a churny key the signs that are themselves churn
 * (several new networks, more traffic than usual) do not count; a spike carried by the new networks does.
 *
 * For `multipleWithinMinutes` after a network is first seen, its calls are judged again each minute: a leak
 * often starts with a few calls and reaches its rate minutes later, when the traffic it adds becomes a spike.
 * Such a later minute is reported only when it raises the episode above low (the low was reported when the
 * network was first seen).
 */
export function detectNewSourceNetwork(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): AnomalyFinding | null {
  if (isLearning(window, baseline, config)) {
    return null;
  }
  const { minCalls, multipleWithinMinutes } = config.novelty;
  const assessed = assessNewNetworks(window, baseline, config);
  if (assessed === null) {
    return null;
  }
  const { networks, episode, firstSeen, justSeen, churn, stable, carried, spikeCarried } = assessed;
  const level = firstSeen
    ? firstSightLevel(window, baseline, assessed, config)
    : // A later minute of the episode: only the traffic it carries is new evidence.
      spikeCarried
      ? 1 + (stable ? 1 : 0)
      : 0;
  if (!firstSeen && level === 0) {
    return null;
  }
  const named = firstSeen ? networks.unknown : episode.networks;
  const addition = addsToUsualTraffic(window, baseline, carried, config);
  return {
    kind: 'new_source_network',
    severity: severityAt(Math.min(level, 2)),
    evidence: {
      observed: firstSeen ? networks.calls : episode.calls,
      expected: 0,
      window: windowEnding(window.endMinute, 1),
      network: named[0],
      newNetworks: networks.unknown.length,
      recentNewNetworks: networks.unknown.length + justSeen,
      knownNetworks: Object.keys(baseline.networks).length,
      networkChurn: round2(churn),
      newCountries: firstSeen ? newCountriesOf(window, baseline, config).length : 0,
      newRoutes: firstSeen ? unknownSources(baseline.routes, window.sources.routes, minCalls).length : 0,
      expectedCalls: round2(addition.expected),
      excessCalls: round2(addition.excess),
      carriedCalls: carried,
      carriesSpike: spikeCarried ? 1 : 0,
    },
    summary: firstSeen
      ? `Key used from ${networks.unknown.length === 1 ? 'a new network' : `${networks.unknown.length} new networks`} (${networks.unknown.slice(0, 3).join(', ')}): ${networks.calls} calls in one minute.`
      : `Traffic spike from networks first seen in the last ${multipleWithinMinutes} min (${episode.networks.slice(0, 3).join(', ')}): ${episode.calls} calls in one minute.`,
  };
}

function newCountriesOf(window: KeyTrafficWindow, baseline: KeyBaseline, config: AnomalyConfig): string[] {
  return isLearningCountries(window, baseline, config)
    ? []
    : unknownSources(baseline.countries, window.sources.countries, config.novelty.minCalls);
}

/**
 * Whether the newest minute's calls on routes the key never used are a sign of someone else by themselves: several
 * new routes at once, or at least `newRouteMinCalls` calls on them or, at first sight, from the networks first
 * seen with them (`newNetworkCalls`: a stranger spreads calls over the key's routes and a new one, so the new
 * route may carry one of many). A single call on one new route from a new network that made no other call is what
 * the owner's client trying a route makes as much as a stranger's first try; it needs another sign.
 */
function newRoutesStandOut(routes: Novelty, newNetworkCalls: number, config: AnomalyConfig): boolean {
  if (routes.unknown.length === 0) {
    return false;
  }
  return (
    routes.unknown.length >= 2 || Math.max(routes.calls, newNetworkCalls) >= config.novelty.newRouteMinCalls
  );
}

/**
 * The first-sight signs of someone else other than a new route (each counted once): a new country in the same
 * minute, several new networks within `multipleWithinMinutes` on a stable key, and more calls than usual (on top of
 * the usual traffic on a stable key; a spike or a burst the new networks carry on any key).
 */
function otherFirstSightSigns(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  assessed: NetworkAssessment,
  config: AnomalyConfig,
): number {
  const { networks, justSeen, stable, spikeCarried } = assessed;
  const newCountries = newCountriesOf(window, baseline, config);
  const recentNetworks = networks.unknown.length + justSeen;
  const addition = addsToUsualTraffic(window, baseline, networks.calls, config);
  return (
    (newCountries.length > 0 ? 1 : 0) +
    (stable && recentNetworks >= 2 ? 1 : 0) +
    // More traffic than usual: on a churny key only as a spike the new networks carry.
    ((stable && addition.adds) || spikeCarried ? 1 : 0)
  );
}

/** The severity step (0 low, 1 medium, 2 high) of the minute a network is first seen. */
function firstSightLevel(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  assessed: NetworkAssessment,
  config: AnomalyConfig,
): number {
  const newRoutes = novelty(baseline.routes, window.sources.routes, config.novelty.minCalls);
  const signs =
    otherFirstSightSigns(window, baseline, assessed, config) +
    (newRoutesStandOut(newRoutes, assessed.networks.calls, config) ? 1 : 0);
  return Math.min(signs, 1) + (signs > 0 && assessed.stable ? 1 : 0) + (signs > 1 ? 1 : 0);
}

/**
 * Calls from a country the key was never used from, after its learning period (and the learning period of its
 * countries, see `isLearningCountries`): high together with a new network (medium on a key that often shows new
 * countries), low from its known networks only.
 */
export function detectNewCountry(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): AnomalyFinding | null {
  if (isLearning(window, baseline, config) || isLearningCountries(window, baseline, config)) {
    return null;
  }
  const { minCalls, churnyAt } = config.novelty;
  const countries = novelty(baseline.countries, window.sources.countries, minCalls);
  if (countries.unknown.length === 0) {
    return null;
  }
  const churn = recentNew(baseline, baseline.recentNew.countries, window.endMinute, config);
  // A known network placed in another country is usually the geolocation database moving it (a cloud range
  // reassigned, a mobile carrier's gateway): informational. From a new network it is someone else.
  const withNewNetwork = unknownSources(baseline.networks, window.sources.networks, minCalls).length > 0;
  const level = withNewNetwork ? 2 - (churn >= churnyAt ? 1 : 0) : 0;
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

/**
 * Calls on routes the key never called, after its learning period. Low (informational) alone or from the key's
 * known networks: clients start using routes the key's scopes allow. From a network the key never used (first seen
 * in the same minute) it is medium when the route stands out by itself (at least `newRouteMinCalls` calls on new
 * routes in the minute, or several new routes) or another sign of someone else holds in the minute: a new country,
 * several new networks, calls on top of the usual traffic or a spike or burst the new networks carry (the signs of
 * `detectNewSourceNetwork`), or refused calls (401/403). A single call on one new route from a new network with
 * none of these stays low: a quiet key's client that moved and started using a route shows exactly that, and so does
 * nothing else a stranger would do.
 *
 * For `multipleWithinMinutes` after such a first sight, the route is judged again in each minute with calls on it
 * from networks first seen in the same minute as it (the episode): such a minute is reported, medium, when the
 * route's calls stand out, the new networks carry a spike or burst, or calls are refused (a stranger who tried one
 * call and came back for more). Otherwise a later minute reports nothing (the low was reported at first sight).
 */
export function detectNewRoute(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): AnomalyFinding | null {
  if (isLearning(window, baseline, config)) {
    return null;
  }
  const { minCalls, multipleWithinMinutes } = config.novelty;
  const routes = novelty(baseline.routes, window.sources.routes, minCalls);
  const firstSeen = routes.unknown.length > 0;
  let episode = routes;
  if (!firstSeen) {
    // A later minute: only routes first seen with a network of an episode that calls in this minute.
    const networks = episodeNetworkCalls(window, baseline, multipleWithinMinutes, config);
    if (networks.calls === 0) {
      return null;
    }
    episode = episodeRoutes(window, baseline, networks.networks, config);
    if (episode.unknown.length === 0) {
      return null;
    }
  }
  const fromNewNetwork = firstSeen
    ? unknownSources(baseline.networks, window.sources.networks, minCalls).length > 0
    : true;
  const assessed = fromNewNetwork ? assessNewNetworks(window, baseline, config) : null;
  const newest = window.minutes[window.minutes.length - 1];
  const refused = newest === undefined ? 0 : newest.authRejected + newest.scopeRejected;
  const otherSigns =
    assessed === null
      ? 0
      : firstSeen
        ? otherFirstSightSigns(window, baseline, assessed, config)
        : // A later minute: only the traffic it carries is new evidence (as for its networks).
          assessed.spikeCarried
          ? 1
          : 0;
  // At first sight the new networks' calls count too; in a later minute only the calls on the episode's routes.
  const newNetworkCalls = firstSeen && assessed !== null ? assessed.networks.calls : 0;
  const raised =
    fromNewNetwork && (newRoutesStandOut(episode, newNetworkCalls, config) || otherSigns > 0 || refused > 0);
  if (!firstSeen && !raised) {
    return null;
  }
  return {
    kind: 'new_route',
    severity: raised ? 'medium' : 'low',
    evidence: {
      observed: episode.calls,
      expected: 0,
      window: windowEnding(window.endMinute, 1),
      route: episode.unknown[0],
      newRoutes: firstSeen ? routes.unknown.length : 0,
      knownRoutes: Object.keys(baseline.routes).length,
      newNetworks: assessed === null ? 0 : assessed.networks.unknown.length,
      fromNewNetwork: fromNewNetwork ? 1 : 0,
      otherSigns,
      refusedCalls: refused,
    },
    summary: firstSeen
      ? `Key called ${routes.unknown.length === 1 ? 'a route' : 'routes'} it never used before (${routes.unknown.slice(0, 3).join(', ')}): ${routes.calls} calls in one minute.`
      : `Key called again ${episode.unknown.length === 1 ? 'a route' : 'routes'} first seen in the last ${multipleWithinMinutes} min with a new network (${episode.unknown.slice(0, 3).join(', ')}): ${episode.calls} calls in one minute.`,
  };
}

/**
 * The newest minute's calls on routes first seen in the same minute as one of the episode's networks that call in
 * it (networks first seen in the last `multipleWithinMinutes`, after the key's home period).
 */
function episodeRoutes(
  window: KeyTrafficWindow,
  baseline: KeyBaseline,
  networks: readonly string[],
  config: AnomalyConfig,
): Novelty {
  const firstMinutes = new Set<number>();
  for (const network of networks) {
    firstMinutes.add(baseline.networks[network][0]);
  }
  const seen = window.sources.routes;
  const unknown: string[] = [];
  let calls = 0;
  for (const route in seen) {
    const span = Object.prototype.hasOwnProperty.call(baseline.routes, route)
      ? baseline.routes[route]
      : undefined;
    if (span !== undefined && seen[route] >= config.novelty.minCalls && firstMinutes.has(span[0])) {
      unknown.push(route);
      calls += seen[route];
    }
  }
  return { unknown: unknown.sort(), calls };
}
