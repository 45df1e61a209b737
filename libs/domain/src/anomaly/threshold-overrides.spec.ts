import { DEFAULT_ANOMALY_CONFIG } from './anomaly-config';
import { withThresholdOverrides } from './threshold-overrides';

describe('withThresholdOverrides', () => {
  it('changes only the given thresholds', () => {
    const config = withThresholdOverrides(DEFAULT_ANOMALY_CONFIG, {
      trafficSpike: { minCalls: 500 },
      failureBursts: { minCount: 50 },
    });
    expect(config.traffic.spike).toEqual({ ...DEFAULT_ANOMALY_CONFIG.traffic.spike, minCalls: 500 });
    expect(config.bursts).toEqual({ ...DEFAULT_ANOMALY_CONFIG.bursts, minCount: 50 });
    expect(config.traffic.sustained).toBe(DEFAULT_ANOMALY_CONFIG.traffic.sustained);
    expect(config.seasonWeeks).toBe(DEFAULT_ANOMALY_CONFIG.seasonWeeks);
  });

  it('returns the defaults themselves without overrides', () => {
    expect(withThresholdOverrides(DEFAULT_ANOMALY_CONFIG, {})).toBe(DEFAULT_ANOMALY_CONFIG);
  });
});
