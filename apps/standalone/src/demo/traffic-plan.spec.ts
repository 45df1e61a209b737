import { planDemoTraffic, seededRandom } from './traffic-plan';

describe('planDemoTraffic', () => {
  const plan = planDemoTraffic({ durationMs: 20_000, seed: 7 });

  it('is the same for the same seed', () => {
    expect(planDemoTraffic({ durationMs: 20_000, seed: 7 })).toEqual(plan);
    expect(planDemoTraffic({ durationMs: 20_000, seed: 8 })).not.toEqual(plan);
  });

  it('keeps every call inside the duration, in time order', () => {
    expect(plan.every((call) => call.atMs >= 0 && call.atMs < 20_000)).toBe(true);
    expect(plan.map((call) => call.atMs)).toEqual([...plan.map((call) => call.atMs)].sort((a, b) => a - b));
  });

  it('has the steady key at about its rate, and the misbehaving key episodes', () => {
    const steady = plan.filter((call) => call.key === 'steady');
    expect(steady.length).toBeGreaterThan(8 * 20 * 0.8);
    expect(steady.length).toBeLessThan(8 * 20 * 1.2);
    const kinds = (kind: string) => plan.filter((call) => call.kind === kind);
    expect(kinds('burst')).toHaveLength(30);
    expect(new Set(kinds('burst').map((call) => call.atMs))).toEqual(new Set([8000])); // all at once
    expect(kinds('scope_violation')).toHaveLength(4);
    expect(kinds('scope_violation').every((call) => call.path.startsWith('/v1/history/'))).toBe(true);
    expect(kinds('new_network')).toHaveLength(4);
    expect(
      plan.filter((call) => call.key === 'misbehaving' && call.kind === 'normal').length,
    ).toBeGreaterThan(10);
  });

  it('only plans paths of the sample API', () => {
    for (const call of plan) {
      expect(call.path).toMatch(/^\/v1\/(quotes\/[A-Z]+(,[A-Z]+)*|history\/[A-Z]+\?points=\d+)$/);
    }
  });

  it('leaves the new-network calls out when no second address can be used', () => {
    const without = planDemoTraffic({ durationMs: 20_000, seed: 7, newNetwork: false });
    expect(without.filter((call) => call.kind === 'new_network')).toHaveLength(0);
  });

  it('draws from a uniform generator in [0, 1)', () => {
    const random = seededRandom(1);
    const values = Array.from({ length: 10_000 }, () => random());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((a, b) => a + b, 0) / values.length).toBeCloseTo(0.5, 1);
  });
});
