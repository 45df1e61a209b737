import { DEFAULT_ANOMALY_CONFIG } from './anomaly-config';
import { THRESHOLD_OVERRIDE_BOUNDS, withThresholdOverrides } from './threshold-overrides';

describe('withThresholdOverrides', () => {
  it('changes only the given thresholds', () => {
    const config = withThresholdOverrides(DEFAULT_ANOMALY_CONFIG, {
      trafficSpike: { minCalls: 500 },
      failureBursts: { minCount: 50 },
      errorBursts: { falseAlarmProbability: 1e-5 },
    });
    expect(config.traffic.spike).toEqual({ ...DEFAULT_ANOMALY_CONFIG.traffic.spike, minCalls: 500 });
    expect(config.bursts).toEqual({
      ...DEFAULT_ANOMALY_CONFIG.bursts,
      minCount: 50,
      errors: { ...DEFAULT_ANOMALY_CONFIG.bursts.errors, falseAlarmProbability: 1e-5 },
    });
    expect(config.traffic.sustained).toBe(DEFAULT_ANOMALY_CONFIG.traffic.sustained);
    expect(config.novelty).toBe(DEFAULT_ANOMALY_CONFIG.novelty);
    expect(config.seasonWeeks).toBe(DEFAULT_ANOMALY_CONFIG.seasonWeeks);
  });

  it('reaches every detector: ramp, drop, novelty, quota burn and retired keys too', () => {
    const config = withThresholdOverrides(DEFAULT_ANOMALY_CONFIG, {
      trafficRamp: { minRatio: 1.2 },
      trafficDrop: { maxRatio: 0.5 },
      trafficLowRateDrop: { falseAlarmProbability: 1e-9 },
      novelty: { churnyAt: 3 },
      quotaBurn: { minUsedFraction: 0.1 },
      retiredKey: { horizonMinutes: 60 },
    });
    expect(config.traffic.sustained.minRatio).toBe(1.2);
    expect(config.traffic.drop.maxRatio).toBe(0.5);
    expect(config.traffic.lowRateDrop).toEqual({
      ...DEFAULT_ANOMALY_CONFIG.traffic.lowRateDrop,
      falseAlarmProbability: 1e-9,
    });
    expect(config.novelty.churnyAt).toBe(3);
    expect(config.quotaBurn.minUsedFraction).toBe(0.1);
    expect(config.retiredKey.horizonMinutes).toBe(60);
    expect(config.traffic.spike).toBe(DEFAULT_ANOMALY_CONFIG.traffic.spike);
  });

  it('returns the defaults themselves without overrides', () => {
    expect(withThresholdOverrides(DEFAULT_ANOMALY_CONFIG, {})).toBe(DEFAULT_ANOMALY_CONFIG);
  });

  it('bounds every threshold so that the default lies within them', () => {
    const config = DEFAULT_ANOMALY_CONFIG;
    const defaults: Record<string, Record<string, number>> = {
      trafficSpike: { ...config.traffic.spike } as unknown as Record<string, number>,
      trafficRamp: { ...config.traffic.sustained },
      trafficDrop: { ...config.traffic.drop },
      trafficLowRateDrop: { ...config.traffic.lowRateDrop } as unknown as Record<string, number>,
      failureBursts: { ...config.bursts, errors: 0 },
      errorBursts: { ...config.bursts.errors } as unknown as Record<string, number>,
      novelty: { ...config.novelty },
      quotaBurn: { ...config.quotaBurn },
      retiredKey: { ...config.retiredKey } as unknown as Record<string, number>,
    };
    for (const [group, bounds] of Object.entries(THRESHOLD_OVERRIDE_BOUNDS)) {
      for (const [name, bound] of Object.entries(bounds as Record<string, { min: number; max: number }>)) {
        const value = defaults[group][name];
        expect([group, name, value >= bound.min && value <= bound.max]).toEqual([group, name, true]);
      }
    }
  });
});
