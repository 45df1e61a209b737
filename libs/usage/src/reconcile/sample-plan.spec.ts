import { cleanSampleBound, planSample, sampleSize } from './sample-plan';

describe('sampled reconciliation plan', () => {
  it('draws enough windows to catch a discrepancy in 1 % of them with 99 % confidence', () => {
    expect(sampleSize(100_000, 0.99, 0.01)).toBe(459);
    expect(sampleSize(100_000, 0.95, 0.05)).toBe(59);
    // Never more windows than there are.
    expect(sampleSize(40, 0.99, 0.01)).toBe(40);
  });

  it('states what a clean sample proves', () => {
    // 459 clean windows of many: fewer than 1 % of windows are bad, with 99 % confidence.
    expect(cleanSampleBound(459, 100_000, 0.99)).toBeLessThan(0.01);
    expect(cleanSampleBound(459, 100_000, 0.99)).toBeGreaterThan(0.0099);
    expect(cleanSampleBound(40, 40, 0.99)).toBe(0);
  });

  it('cuts partitions into windows and draws distinct ones, the same for the same seed', () => {
    const ranges = [
      { partition: 0, from: 0n, to: 25n },
      { partition: 1, from: 100n, to: 130n },
    ];
    const plan = planSample(ranges, 10, () => 4, 7);
    expect(plan.windows).toBe(6); // 0-9, 10-19, 20-24 and 100-109, 110-119, 120-129
    expect(plan.sampled).toHaveLength(4);
    const keys = plan.sampled.map((w) => `${w.partition}:${w.from}-${w.to}`);
    expect(new Set(keys).size).toBe(4);
    for (const w of plan.sampled) {
      const range = ranges[w.partition];
      expect(w.from >= range.from && w.to <= range.to && w.to > w.from).toBe(true);
    }
    expect(planSample(ranges, 10, () => 4, 7)).toEqual(plan);
    expect(planSample(ranges, 10, () => 99, 7).sampled).toHaveLength(6);
    expect(planSample([{ partition: 0, from: 5n, to: 5n }], 10, () => 3, 1)).toEqual({
      windows: 0,
      sampled: [],
    });
  });
});
