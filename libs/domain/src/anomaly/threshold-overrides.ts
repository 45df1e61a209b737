import type { AnomalyConfig } from './anomaly-config';

/**
 * A customer's own detection thresholds (its alert policy), over the defaults. Only thresholds that decide
 * whether a finding is reported: what the baseline remembers (seasons, EWMA memory, known-source caps) is the
 * same for every key, so a policy change never invalidates a baseline.
 */
export interface ThresholdOverrides {
  readonly trafficSpike?: { readonly minCalls?: number; readonly minRatio?: number; readonly minZ?: number };
  readonly failureBursts?: { readonly minCount?: number; readonly minRatio?: number; readonly minZ?: number };
  readonly novelty?: { readonly learningMinutes?: number };
  readonly quotaBurn?: { readonly minLeadMinutes?: number };
  readonly retiredKey?: { readonly minAttempts?: number };
}

/** Which overrides exist and the bounds they must keep (checked by the policy input). */
export const THRESHOLD_OVERRIDE_BOUNDS: Readonly<
  Record<keyof ThresholdOverrides, Readonly<Record<string, { readonly min: number; readonly max: number }>>>
> = {
  trafficSpike: {
    minCalls: { min: 1, max: 1e9 },
    minRatio: { min: 1, max: 1000 },
    minZ: { min: 1, max: 100 },
  },
  failureBursts: {
    minCount: { min: 1, max: 1e9 },
    minRatio: { min: 1, max: 1000 },
    minZ: { min: 1, max: 100 },
  },
  novelty: { learningMinutes: { min: 0, max: 90 * 1440 } },
  quotaBurn: { minLeadMinutes: { min: 0, max: 31 * 1440 } },
  retiredKey: { minAttempts: { min: 1, max: 1e9 } },
};

/** The defaults with a customer's overrides applied; the same object when there are none. */
export function withThresholdOverrides(config: AnomalyConfig, overrides: ThresholdOverrides): AnomalyConfig {
  if (Object.keys(overrides).length === 0) return config;
  const { trafficSpike, failureBursts, novelty, quotaBurn, retiredKey } = overrides;
  return {
    ...config,
    traffic: { ...config.traffic, spike: { ...config.traffic.spike, ...trafficSpike } },
    bursts: { ...config.bursts, ...failureBursts },
    novelty: { ...config.novelty, ...novelty },
    quotaBurn: { ...config.quotaBurn, ...quotaBurn },
    retiredKey: { ...config.retiredKey, ...retiredKey },
  };
}
