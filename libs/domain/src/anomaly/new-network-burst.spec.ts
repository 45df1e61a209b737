import fc from 'fast-check';
import { DEFAULT_ANOMALY_CONFIG, type AnomalyConfig } from './anomaly-config';
import { newNetworksCarryBurst } from './new-network-burst';
import { detectNewSourceNetwork } from './novelty-detector';
import type { MinuteSources } from './types';
import { MINUTES_PER_DAY } from './types';
import { MONDAY, WEEK, calls, replayUntil, startReplay, step, windowWith, type Replay } from './test/series';

const HOME_NET = '203.0.113.0/24';
const LEAK_NETS = ['192.0.2.0/24', '198.51.100.0/24'];
/** The key's network of the day: a new one every day (a churny key: it changes servers daily). */
const dayNetwork = (minute: number) => `10.0.${Math.floor((minute - MONDAY) / MINUTES_PER_DAY)}.0/24`;
/** A quiet key: a call every five minutes from its home network, one more from its network of the day. */
const quietCalls = (minute: number) => (minute % 5 === 0 ? 2 : 0);
const usual = (minute: number): MinuteSources =>
  quietCalls(minute) > 0
    ? {
        networks: { [HOME_NET]: 1, [dayNetwork(minute)]: 1 },
        countries: { CA: 2 },
        routes: { 'GET /v1/news': 2 },
      }
    : { networks: {}, countries: {}, routes: {} };
const withLeak = (minute: number, perNetwork: number): MinuteSources => {
  const base = usual(minute);
  const networks: Record<string, number> = { ...base.networks };
  for (const network of LEAK_NETS) {
    networks[network] = perNetwork;
  }
  const total = quietCalls(minute) + perNetwork * LEAK_NETS.length;
  return { networks, countries: { CA: total }, routes: { 'GET /v1/news': total } };
};

describe('a burst of calls from new networks in a leak’s first minutes', () => {
  // Two weeks and two hours of the churny quiet key (0.4 calls a minute); the leak starts at a minute with no
  // usual call.
  let before: Replay;
  beforeAll(() => {
    before = replayUntil(
      startReplay(MONDAY),
      MONDAY + 2 * WEEK + 121,
      (minute) => calls(quietCalls(minute)),
      usual,
    );
  });

  it('reports the leak by its second minute on a churny key, below the spike checks’ 20-call floor', () => {
    expect(before.baseline.recentNew.networks).toBeGreaterThan(1.5);
    // First minute: 2 calls from each of two new networks: low (a churny key shows new networks every day).
    const first = windowWith(before, calls(4), withLeak(before.next, 2));
    expect(detectNewSourceNetwork(first, before.baseline)?.severity).toBe('low');
    // Second minute: 6 from each: 16 calls in two minutes where the key makes less than one.
    const afterFirst = step(before, calls(4), withLeak(before.next, 2));
    const second = windowWith(afterFirst, calls(12), withLeak(afterFirst.next, 6));
    expect(newNetworksCarryBurst(second, afterFirst.baseline, 12)).toBe(true);
    expect(detectNewSourceNetwork(second, afterFirst.baseline)).toMatchObject({
      severity: 'medium',
      evidence: { carriesSpike: 1, observed: 12 },
    });
    // Without the burst sign the same minute says nothing (the spike checks need 20 calls a minute).
    const noBurst: AnomalyConfig = {
      ...DEFAULT_ANOMALY_CONFIG,
      novelty: { ...DEFAULT_ANOMALY_CONFIG.novelty, burstMinutes: 0 },
    };
    expect(detectNewSourceNetwork(second, afterFirst.baseline, noBurst)).toBeNull();
  });

  it('says nothing when the new networks carry the key’s usual calls (a client that moved)', () => {
    const moved: MinuteSources = { networks: { [LEAK_NETS[0]]: 2 }, countries: { CA: 2 }, routes: {} };
    const replay = replayUntil(before, before.next + 4, (minute) => calls(quietCalls(minute)), usual);
    expect(newNetworksCarryBurst(windowWith(replay, calls(2), moved), replay.baseline, 2)).toBe(false);
  });

  it('says nothing when the burst is spread over old and new networks alike (the key’s own batch)', () => {
    const spread: MinuteSources = {
      networks: { [HOME_NET]: 10, [LEAK_NETS[0]]: 10 },
      countries: { CA: 20 },
      routes: {},
    };
    expect(newNetworksCarryBurst(windowWith(before, calls(20), spread), before.baseline, 10)).toBe(false);
  });

  it('says nothing about a daily cron whose client moved to a new network', () => {
    // A quiet key whose cron sends 25 calls a minute at 09:00 for 3 minutes; today from a new network.
    const cronCalls = (minute: number) =>
      quietCalls(minute) + (minute % MINUTES_PER_DAY >= 540 && minute % MINUTES_PER_DAY < 543 ? 25 : 0);
    const cronSources = (minute: number): MinuteSources => ({
      networks: cronCalls(minute) > 0 ? { [HOME_NET]: cronCalls(minute) } : {},
      countries: {},
      routes: {},
    });
    let replay = replayUntil(
      startReplay(MONDAY),
      MONDAY + 2 * WEEK + 540,
      (minute) => calls(cronCalls(minute)),
      cronSources,
    );
    for (let index = 0; index < 3; index++) {
      const count = cronCalls(replay.next);
      const moved: MinuteSources = { networks: { [LEAK_NETS[0]]: count }, countries: {}, routes: {} };
      expect(newNetworksCarryBurst(windowWith(replay, calls(count), moved), replay.baseline, count)).toBe(
        false,
      );
      replay = step(replay, calls(count), moved);
    }
  });

  it('never fires without the call floor, nor on calls the key usually makes in place of its own (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 3 }),
        (offset, added, own) => {
          const replay = replayUntil(
            before,
            before.next + offset,
            (minute) => calls(quietCalls(minute)),
            usual,
          );
          const total = added + own;
          const sources: MinuteSources = {
            networks: { [HOME_NET]: own, [LEAK_NETS[0]]: added },
            countries: {},
            routes: {},
          };
          const fires = newNetworksCarryBurst(
            windowWith(replay, calls(total), sources),
            replay.baseline,
            added,
          );
          const previous = replay.minutes[replay.minutes.length - 1]?.requests ?? 0;
          if (fires) {
            expect(total + previous).toBeGreaterThanOrEqual(DEFAULT_ANOMALY_CONFIG.novelty.burstMinCalls);
          }
          // Up to the key's busiest minute (2 calls), whoever sends them, is never a burst.
          if (total <= 2) {
            expect(fires).toBe(false);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
