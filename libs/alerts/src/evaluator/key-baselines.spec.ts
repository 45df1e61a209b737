import {
  DEFAULT_ANOMALY_CONFIG,
  MINUTES_PER_DAY,
  ZERO_MINUTE,
  type EpochMinute,
  type MinuteCounts,
} from '@keymeter/domain';
import type { KeyMinuteSeries, KeySourceHistory, KeyTrafficSource } from '../traffic/key-traffic-source';
import { KeyBaselines } from './key-baselines';

const START = 29_000_000;
const BEFORE = START + 8 * MINUTES_PER_DAY;

/** History as ClickHouse would answer it: a call every ten minutes, and when each client IP was first seen. */
function historySource(firstSeen: Record<string, EpochMinute>): KeyTrafficSource {
  const minutes = new Map<EpochMinute, MinuteCounts>();
  for (let minute = START; minute < BEFORE; minute += 10) {
    minutes.set(minute, { ...ZERO_MINUTE, requests: 1, billable: 1, credits: 1 });
  }
  const series: KeyMinuteSeries = { keyId: 'k1', customerId: 'c1', minutes };
  const sources: KeySourceHistory = {
    clientIps: Object.fromEntries(Object.entries(firstSeen).map(([ip, first]) => [ip, [first, BEFORE - 1]])),
    routes: { 'GET /v1/quotes': [START, BEFORE - 1] },
  };
  const unused = (): never => {
    throw new Error('not read by the warm-up');
  };
  return {
    history: () => Promise.resolve([series]),
    sourceHistory: () => Promise.resolve(new Map([['k1', sources]])),
    activeKeys: unused,
    minuteSources: unused,
    quotaUse: unused,
    authFailuresByIp: unused,
    sourcesOverRange: unused,
    authFailuresOverRange: unused,
  };
}

async function warmedUp(firstSeen: Record<string, EpochMinute>) {
  const baselines = new KeyBaselines(historySource(firstSeen), 8 * MINUTES_PER_DAY, DEFAULT_ANOMALY_CONFIG);
  await baselines.warmUp([{ keyId: 'k1', customerId: 'c1' }], BEFORE);
  return baselines.get('k1')!;
}

describe('KeyBaselines warm-up', () => {
  it('remembers how often a key changed networks lately, as the live folds would have', async () => {
    const day = MINUTES_PER_DAY;
    const baseline = await warmedUp({
      '203.0.113.7': START,
      '198.51.100.1': START + 3 * day,
      '192.0.2.1': START + 5 * day,
      '100.64.0.1': START + 7 * day,
    });
    const halfLife = DEFAULT_ANOMALY_CONFIG.novelty.churnHalfLifeMinutes;
    const last = BEFORE - 1;
    const expected = [3, 5, 7]
      .map((days) => Math.pow(0.5, (last - (START + days * day)) / halfLife))
      .reduce((a, b) => a + b, 0);
    expect(baseline.recentNew.networks).toBeCloseTo(expected, 9);
    // Three networks within the week make the key churny: one sign is then not enough for a high alert.
    expect(baseline.recentNew.networks).toBeGreaterThan(DEFAULT_ANOMALY_CONFIG.novelty.churnyAt);
    expect(baseline.recentNew.routes).toBe(0);
  });

  it('counts networks of the key’s first day as its home, not as churn', async () => {
    const baseline = await warmedUp({ '203.0.113.7': START, '198.51.100.1': START + 600 });
    expect(baseline.recentNew).toEqual({ networks: 0, countries: 0, routes: 0 });
  });
});
