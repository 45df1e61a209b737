import fc from 'fast-check';
import { DEFAULT_ANOMALY_CONFIG } from './anomaly-config';
import { createKeyBaseline, updateKeyBaseline, type KeyBaseline } from './key-baseline';
import { detectNewCountry, detectNewRoute, detectNewSourceNetwork } from './novelty-detector';
import type { MinuteSources } from './types';
import { MONDAY, WEEK, calls, replayUntil, startReplay, step, windowWith } from './test/series';

const HOME: MinuteSources = {
  networks: { '203.0.113.0/24': 50, '2001:db8:1::/48': 10 },
  countries: { DE: 60 },
  routes: { 'GET /v1/quotes/:symbol': 55, 'GET /v1/news': 5 },
};

/** A key used from the same networks, country and routes every minute for `days` days. */
function keyUsedFor(days: number, churnEvery?: number): KeyBaseline {
  let baseline = createKeyBaseline('key_test');
  for (let minute = MONDAY; minute < MONDAY + days * 1440; minute += 10) {
    const extra =
      churnEvery !== undefined && (minute - MONDAY) % churnEvery === 0
        ? { [`10.0.${(minute / 10) % 250}.0/24`]: 1 }
        : {};
    const sources = { ...HOME, networks: { ...HOME.networks, ...extra } };
    baseline = updateKeyBaseline(baseline, {
      keyId: 'key_test',
      endMinute: minute,
      minutes: [calls(60)],
      sources,
    });
  }
  return baseline;
}

const windowFrom = (baseline: KeyBaseline, sources: MinuteSources) => ({
  keyId: 'key_test',
  endMinute: (baseline.lastMinute ?? MONDAY) + 1,
  minutes: [calls(60)],
  sources,
});

describe('new networks, countries and routes', () => {
  const mature = keyUsedFor(10);
  const leak: MinuteSources = {
    networks: { ...HOME.networks, '192.0.2.0/24': 7 },
    countries: { DE: 60, VN: 7 },
    routes: { ...HOME.routes, 'POST /v1/orders': 7 },
  };

  it('stays silent while the key keeps to its networks, country and routes', () => {
    const window = windowFrom(mature, HOME);
    expect(detectNewSourceNetwork(window, mature)).toBeNull();
    expect(detectNewCountry(window, mature)).toBeNull();
    expect(detectNewRoute(window, mature)).toBeNull();
  });

  it('reports a leaked key used from a new network in a new country on a new route, high', () => {
    const window = windowFrom(mature, leak);
    expect(detectNewSourceNetwork(window, mature)).toMatchObject({
      kind: 'new_source_network',
      severity: 'high',
      evidence: { observed: 7, network: '192.0.2.0/24', newNetworks: 1, newCountries: 1, newRoutes: 1 },
    });
    expect(detectNewCountry(window, mature)).toMatchObject({ severity: 'high', evidence: { country: 'VN' } });
    expect(detectNewRoute(window, mature)).toMatchObject({
      severity: 'medium',
      evidence: { route: 'POST /v1/orders' },
    });
  });

  it('rates a new network alone as low: servers move', () => {
    const window = windowFrom(mature, { ...HOME, networks: { ...HOME.networks, '192.0.2.0/24': 7 } });
    expect(detectNewSourceNetwork(window, mature)?.severity).toBe('low');
    expect(
      detectNewRoute(
        windowFrom(mature, { ...HOME, routes: { ...HOME.routes, 'GET /v1/fx/:pair': 1 } }),
        mature,
      )?.severity,
    ).toBe('low');
  });

  it('says nothing during the learning period of a new key', () => {
    const young = keyUsedFor(3);
    const window = windowFrom(young, leak);
    expect(detectNewSourceNetwork(window, young)).toBeNull();
    expect(detectNewCountry(window, young)).toBeNull();
    expect(detectNewRoute(window, young)).toBeNull();
  });

  it('rates a new network with a new route lower on a key that often shows up from new networks', () => {
    const churny = keyUsedFor(10, 1440);
    const stable = mature;
    const sources = {
      ...HOME,
      networks: { ...HOME.networks, '192.0.2.0/24': 3 },
      routes: { ...HOME.routes, 'GET /v1/fx/:pair': 3 },
    };
    expect(churny.recentNew.networks).toBeGreaterThan(1.5);
    expect(detectNewSourceNetwork(windowFrom(churny, sources), churny)?.severity).toBe('medium');
    expect(detectNewSourceNetwork(windowFrom(stable, sources), stable)?.severity).toBe('high');
  });

  it('remembers a network once seen, so it is reported once', () => {
    const window = windowFrom(mature, leak);
    const after = updateKeyBaseline(mature, window);
    expect(detectNewSourceNetwork({ ...window, endMinute: window.endMinute + 1 }, after)).toBeNull();
    expect(after.networks['192.0.2.0/24']).toEqual([window.endMinute, window.endMinute]);
  });

  it('learns countries from the first call that had one: a gateway that starts sending the header reports nothing', () => {
    // Ten days of calls without a country (no header, or an external gateway), then the header appears.
    let baseline = createKeyBaseline('key_test');
    for (let minute = MONDAY; minute < MONDAY + 10 * 1440; minute += 10) {
      baseline = updateKeyBaseline(baseline, {
        keyId: 'key_test',
        endMinute: minute,
        minutes: [calls(60)],
        sources: { ...HOME, countries: {} },
      });
    }
    const withHeader = windowFrom(baseline, HOME);
    expect(detectNewCountry(withHeader, baseline)).toBeNull();
    // Not a sign of a leak either: a new network in that minute stays low.
    const moved = windowFrom(baseline, { ...HOME, networks: { ...HOME.networks, '192.0.2.0/24': 7 } });
    expect(detectNewSourceNetwork(moved, baseline)).toMatchObject({
      severity: 'low',
      evidence: { newCountries: 0 },
    });
    // A week after the first country, another country is new again.
    for (let minute = withHeader.endMinute; minute < withHeader.endMinute + 7 * 1440 + 10; minute += 10) {
      baseline = updateKeyBaseline(baseline, {
        keyId: 'key_test',
        endMinute: minute,
        minutes: [calls(60)],
        sources: HOME,
      });
    }
    const later = windowFrom(baseline, leak);
    expect(detectNewCountry(later, baseline)).toMatchObject({
      severity: 'high',
      evidence: { country: 'VN' },
    });
  });

  it('says nothing about one call from a new country in a quiet minute of a young key', () => {
    const young = keyUsedFor(6);
    const window = windowFrom(young, { ...HOME, countries: { DE: 2, FR: 1 } });
    expect(detectNewCountry(window, young)).toBeNull();
  });

  it('rates a new country seen only from known networks as low: geolocation moves, keys do not', () => {
    const relocated = { ...HOME, countries: { DE: 50, NL: 10 } };
    expect(detectNewCountry(windowFrom(mature, relocated), mature)?.severity).toBe('low');
    expect(detectNewSourceNetwork(windowFrom(mature, relocated), mature)).toBeNull();
  });

  it('raises a new network to high on a stable key when several new networks show up at once', () => {
    const two = { ...HOME, networks: { ...HOME.networks, '192.0.2.0/24': 3, '198.51.100.0/24': 2 } };
    expect(detectNewSourceNetwork(windowFrom(mature, two), mature)).toMatchObject({
      severity: 'high',
      evidence: { newNetworks: 2, recentNewNetworks: 2 },
    });
    // One now, the next a few minutes later: the second one finds the first among the recent ones.
    const first = { ...HOME, networks: { ...HOME.networks, '192.0.2.0/24': 3 } };
    const window = windowFrom(mature, first);
    expect(detectNewSourceNetwork(window, mature)?.severity).toBe('low');
    const after = updateKeyBaseline(mature, window);
    const second = { ...HOME, networks: { ...HOME.networks, '198.51.100.0/24': 2 } };
    const later = { ...windowFrom(after, second), endMinute: window.endMinute + 5 };
    expect(detectNewSourceNetwork(later, after)).toMatchObject({
      severity: 'high',
      evidence: { recentNewNetworks: 2 },
    });
    // On a key whose networks come and go all the time, several new networks are just more of the same.
    const churny = keyUsedFor(10, 1440);
    expect(detectNewSourceNetwork(windowFrom(churny, two), churny)?.severity).toBe('low');
  });
});

describe('a new network whose calls come on top of the usual traffic', () => {
  const HOME_NET = '203.0.113.0/24';
  const NEW_NET = '192.0.2.0/24';
  // Two weeks of a key making 20 calls a minute from its one network.
  const replay = replayUntil(
    startReplay(MONDAY),
    MONDAY + 2 * WEEK,
    () => calls(20),
    () => ({ networks: { [HOME_NET]: 20 }, countries: { DE: 20 }, routes: { 'GET /v1/news': 20 } }),
  );
  const sourcesWith = (home: number, added: number) => ({
    networks: { [HOME_NET]: home, [NEW_NET]: added },
    countries: { DE: home + added },
    routes: { 'GET /v1/news': home + added },
  });

  it('raises it when the key keeps its usual calls and the new network adds many more (a leak)', () => {
    const window = windowWith(replay, calls(20 + 30), sourcesWith(20, 30));
    expect(detectNewSourceNetwork(window, replay.baseline)).toMatchObject({
      severity: 'high',
      evidence: { observed: 30, expectedCalls: 20 },
    });
  });

  it('keeps it low when the new network takes over part of the usual calls (a client that moved)', () => {
    const window = windowWith(replay, calls(20), sourcesWith(10, 10));
    expect(detectNewSourceNetwork(window, replay.baseline)?.severity).toBe('low');
    // A few extra calls are within the key's noise: not evidence either way.
    const few = windowWith(replay, calls(22), sourcesWith(20, 2));
    expect(detectNewSourceNetwork(few, replay.baseline)?.severity).toBe('low');
  });
});

describe('a network first seen minutes ago whose calls become a traffic spike', () => {
  const HOME_NET = '203.0.113.0/24';
  const NEW_NET = '192.0.2.0/24';
  const dayNetwork = (minute: number) => `10.0.${Math.floor((minute - MONDAY) / 1440)}.0/24`;
  const usual = (minute: number) => ({
    networks: { [HOME_NET]: 1, [dayNetwork(minute)]: 1 },
    countries: { DE: 2 },
    routes: { 'GET /v1/news': 2 },
  });
  // Two weeks of a quiet key (2 calls a minute) that shows up from a new network every day (a churny key), and
  // two hours of the next day, so that its network of the day is not part of the episode.
  const churny = replayUntil(startReplay(MONDAY), MONDAY + 2 * WEEK + 120, () => calls(2), usual);
  const withNew = (minute: number, added: number, spread = false) => {
    const base = usual(minute);
    const batch = spread ? Math.round(added / 3) : 0;
    return {
      ...base,
      networks: spread
        ? { [HOME_NET]: 1 + batch, [dayNetwork(minute)]: 1 + batch, [NEW_NET]: added - 2 * batch }
        : { ...base.networks, [NEW_NET]: added },
    };
  };
  const firstSight = windowWith(churny, calls(2 + 3), withNew(churny.next, 3));
  const afterFirst = step(churny, calls(2 + 3), withNew(churny.next, 3));
  const later = (replay: typeof churny, minutes: number) =>
    replayUntil(replay, replay.next + minutes, () => calls(2), usual);

  it('reports the first sight on a churny key as low, and raises it when the new network carries a spike', () => {
    expect(churny.baseline.recentNew.networks).toBeGreaterThan(1.5);
    expect(detectNewSourceNetwork(firstSight, churny.baseline)?.severity).toBe('low');
    const replay = later(afterFirst, 2);
    const leak = windowWith(replay, calls(2 + 40), withNew(replay.next, 40));
    expect(detectNewSourceNetwork(leak, replay.baseline)).toMatchObject({
      severity: 'medium',
      evidence: { observed: 40, network: NEW_NET, newNetworks: 0, carriesSpike: 1 },
    });
  });

  it('says nothing in a later minute when the spike is spread over old and new networks alike (a batch)', () => {
    const replay = later(afterFirst, 2);
    const batch = windowWith(replay, calls(2 + 40), withNew(replay.next, 40, true));
    expect(detectNewSourceNetwork(batch, replay.baseline)).toBeNull();
  });

  it('says nothing in a later minute without a spike, nor once the episode is over', () => {
    const replay = later(afterFirst, 2);
    expect(
      detectNewSourceNetwork(windowWith(replay, calls(5), withNew(replay.next, 3)), replay.baseline),
    ).toBeNull();
    const hourLater = later(afterFirst, 61);
    const leak = windowWith(hourLater, calls(2 + 40), withNew(hourLater.next, 40));
    expect(detectNewSourceNetwork(leak, hourLater.baseline)).toBeNull();
  });

  it('never reports a later minute of the episode as low, nor one without the burst floor of calls (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 59 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 60 }),
        (after, added, others) => {
          const replay = later(afterFirst, after - 1);
          const sources = {
            ...usual(replay.next),
            networks: { [HOME_NET]: others, [NEW_NET]: added },
          };
          const finding = detectNewSourceNetwork(
            windowWith(replay, calls(added + others), sources),
            replay.baseline,
          );
          // A spike (20 calls) or a burst the key's traffic cannot explain (`burstMinCalls` over two minutes).
          return (
            finding === null ||
            (finding.severity !== 'low' && 2 + added + others >= DEFAULT_ANOMALY_CONFIG.novelty.burstMinCalls)
          );
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('a new network in the minute of a batch client', () => {
  const HOME_NET = '203.0.113.0/24';
  const NEW_NET = '192.0.2.0/24';
  // Two weeks of a client that sends 20 calls at once, once an hour in the first half of each UTC day.
  const batchAt = (minute: number) => (minute % 1440 < 720 && minute % 60 === 30 ? 20 : 0);
  const replay = replayUntil(
    startReplay(MONDAY),
    MONDAY + 2 * WEEK + 18 * 60,
    (minute) => calls(batchAt(minute)),
    (minute): MinuteSources =>
      batchAt(minute) > 0
        ? { networks: { [HOME_NET]: 20 }, countries: { DE: 20 }, routes: { 'GET /v1/news': 20 } }
        : { networks: {}, countries: {}, routes: {} },
  );
  const sources = (home: number, added: number) => ({
    networks: { [HOME_NET]: home, [NEW_NET]: added },
    countries: { DE: home + added },
    routes: { 'GET /v1/news': home + added },
  });

  it('keeps it low when the minute is one of the key usual batches, at an hour it sent none before', () => {
    const window = windowWith(replay, calls(20), sources(10, 10));
    expect(detectNewSourceNetwork(window, replay.baseline)?.severity).toBe('low');
  });

  it('raises it when the new network adds several batches worth of calls', () => {
    const window = windowWith(replay, calls(70), sources(0, 70));
    expect(detectNewSourceNetwork(window, replay.baseline)?.severity).toBe('high');
  });
});

describe('a new route from a new network on a quiet key', () => {
  const HOME_NET = '203.0.113.0/24';
  const NEW_NET = '192.0.2.0/24';
  const NEW_ROUTE = 'POST /v1/orders';
  // Two weeks and a day of a quiet key: one call every 83 minutes (0.012 a minute), from its one network and
  // country, on its one route; a stable key (no new network since its first day).
  const quietAt = (minute: number) => (minute % 83 === 0 ? 1 : 0);
  const quiet = replayUntil(
    startReplay(MONDAY),
    MONDAY + 2 * WEEK + 1440 + 40,
    (minute) => calls(quietAt(minute)),
    (minute): MinuteSources =>
      quietAt(minute) > 0
        ? { networks: { [HOME_NET]: 1 }, countries: { DE: 1 }, routes: { 'GET /v1/news': 1 } }
        : { networks: {}, countries: {}, routes: {} },
  );
  const fromNewNetwork = (routes: Record<string, number>, country = 'DE'): MinuteSources => {
    const total = Object.values(routes).reduce((sum, count) => sum + count, 0);
    return { networks: { [NEW_NET]: total }, countries: { [country]: total }, routes };
  };
  const single = fromNewNetwork({ [NEW_ROUTE]: 1 });

  it('keeps a single call on a new route from a new network low when nothing else stands out (benign churn)', () => {
    const window = windowWith(quiet, calls(1), single);
    expect(detectNewRoute(window, quiet.baseline)).toMatchObject({
      severity: 'low',
      evidence: { observed: 1, route: NEW_ROUTE, newRoutes: 1, fromNewNetwork: 1, otherSigns: 0 },
    });
    // The same call is no stronger as a new network: a route tried once is not a sign of someone else.
    expect(detectNewSourceNetwork(window, quiet.baseline)).toMatchObject({
      severity: 'low',
      evidence: { newRoutes: 1 },
    });
  });

  it('reports a leak-like minute (several calls on the new route from the new network) as medium', () => {
    const leak = windowWith(quiet, calls(6), fromNewNetwork({ [NEW_ROUTE]: 4, 'GET /v1/news': 2 }));
    expect(detectNewRoute(leak, quiet.baseline)).toMatchObject({
      severity: 'medium',
      evidence: { observed: 4, route: NEW_ROUTE },
    });
    expect(detectNewSourceNetwork(leak, quiet.baseline)?.severity).toBe('high');
    // Two calls on the new route stand out by themselves (no other sign: too few to be more than usual traffic).
    const two = windowWith(quiet, calls(2), fromNewNetwork({ [NEW_ROUTE]: 2 }));
    expect(detectNewRoute(two, quiet.baseline)).toMatchObject({
      severity: 'medium',
      evidence: { otherSigns: 0 },
    });
    expect(detectNewSourceNetwork(two, quiet.baseline)?.severity).toBe('high');
  });

  it('reports a stranger spreading many calls over the key routes and a new one as medium, one on the new route', () => {
    const spread = {
      networks: { [NEW_NET]: 10, '198.51.100.0/24': 8 },
      countries: { DE: 18 },
      routes: { 'GET /v1/news': 17, [NEW_ROUTE]: 1 },
    };
    expect(detectNewRoute(windowWith(quiet, calls(18), spread), quiet.baseline)?.severity).toBe('medium');
    // Two calls from the new network, one of them on the new route: the route stands out with no other sign.
    const two = fromNewNetwork({ 'GET /v1/news': 1, [NEW_ROUTE]: 1 });
    expect(detectNewRoute(windowWith(quiet, calls(2), two), quiet.baseline)).toMatchObject({
      severity: 'medium',
      evidence: { observed: 1, otherSigns: 0 },
    });
  });

  it('raises a single call when another sign holds: several new routes, a new country, refused calls', () => {
    const strict = {
      ...DEFAULT_ANOMALY_CONFIG,
      novelty: { ...DEFAULT_ANOMALY_CONFIG.novelty, newRouteMinCalls: 3 },
    };
    const routes = windowWith(quiet, calls(2), fromNewNetwork({ [NEW_ROUTE]: 1, 'GET /v1/fx/:pair': 1 }));
    expect(detectNewRoute(routes, quiet.baseline, strict)?.severity).toBe('medium');
    const abroad = windowWith(quiet, calls(1), fromNewNetwork({ [NEW_ROUTE]: 1 }, 'VN'));
    expect(detectNewRoute(abroad, quiet.baseline)).toMatchObject({
      severity: 'medium',
      evidence: { otherSigns: 1 },
    });
    const refused = windowWith(quiet, calls(1, { billable: 0, scopeRejected: 1 }), single);
    expect(detectNewRoute(refused, quiet.baseline)).toMatchObject({
      severity: 'medium',
      evidence: { refusedCalls: 1 },
    });
  });

  it('keeps a new route from the key own networks low, however many calls', () => {
    const own = {
      networks: { [HOME_NET]: 9 },
      countries: { DE: 9 },
      routes: { [NEW_ROUTE]: 9 },
    };
    expect(detectNewRoute(windowWith(quiet, calls(9), own), quiet.baseline)).toMatchObject({
      severity: 'low',
      evidence: { fromNewNetwork: 0 },
    });
  });

  it('raises the episode when the new network comes back for more on the route, and only then', () => {
    const afterFirst = step(quiet, calls(1), single);
    const later = (minutes: number) =>
      replayUntil(
        afterFirst,
        afterFirst.next + minutes,
        () => calls(0),
        () => ({ networks: {}, countries: {}, routes: {} }),
      );
    const soon = later(3);
    expect(
      detectNewRoute(windowWith(soon, calls(3), fromNewNetwork({ [NEW_ROUTE]: 3 })), soon.baseline),
    ).toMatchObject({ severity: 'medium', evidence: { observed: 3, route: NEW_ROUTE, newRoutes: 0 } });
    // The owner's next single call from the network it moved to: nothing new (the low was reported).
    expect(detectNewRoute(windowWith(soon, calls(1), single), soon.baseline)).toBeNull();
    // The route called from the key's own network: not the episode.
    const home = { networks: { [HOME_NET]: 3 }, countries: { DE: 3 }, routes: { [NEW_ROUTE]: 3 } };
    expect(detectNewRoute(windowWith(soon, calls(3), home), soon.baseline)).toBeNull();
    // Once the episode is over, the route and the network are simply known.
    const hourLater = later(61);
    expect(
      detectNewRoute(windowWith(hourLater, calls(3), fromNewNetwork({ [NEW_ROUTE]: 3 })), hourLater.baseline),
    ).toBeNull();
  });

  it('is medium from newRouteMinCalls calls on new routes, low for one call with no other sign (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 10 }),
        (routeCalls, minCalls) => {
          const config = {
            ...DEFAULT_ANOMALY_CONFIG,
            novelty: { ...DEFAULT_ANOMALY_CONFIG.novelty, newRouteMinCalls: minCalls },
          };
          const window = windowWith(quiet, calls(routeCalls), fromNewNetwork({ [NEW_ROUTE]: routeCalls }));
          const severity = detectNewRoute(window, quiet.baseline, config)?.severity;
          if (routeCalls >= minCalls) {
            return severity === 'medium';
          }
          return routeCalls > 1 || severity === 'low';
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps the previous rule with newRouteMinCalls 1: any new route from a new network is medium', () => {
    const config = {
      ...DEFAULT_ANOMALY_CONFIG,
      novelty: { ...DEFAULT_ANOMALY_CONFIG.novelty, newRouteMinCalls: 1 },
    };
    expect(detectNewRoute(windowWith(quiet, calls(1), single), quiet.baseline, config)?.severity).toBe(
      'medium',
    );
  });
});
