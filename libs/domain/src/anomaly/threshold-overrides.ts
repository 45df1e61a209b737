import type {
  AnomalyConfig,
  BurstDetectorConfig,
  ErrorBurstConfig,
  NoveltyDetectorConfig,
  QuotaBurnDetectorConfig,
  RetiredKeyDetectorConfig,
  TrafficDetectorConfig,
} from './anomaly-config';

type Only<T, K extends keyof T> = { readonly [P in K]?: T[P] };

/**
 * A customer's own detection thresholds (its alert policy), over the defaults: every threshold that decides
 * whether a detector reports a finding. Not included: what the baseline remembers (seasons, EWMA memory,
 * known-source caps, the home period, churn half-life) and the window lengths, which are the same for every key
 * (one grouped read serves all keys, and a baseline folded under one setting would not fit another), so a policy
 * change never invalidates a baseline and takes effect on the next minute.
 */
export interface ThresholdOverrides {
  readonly trafficSpike?: Only<
    TrafficDetectorConfig['spike'],
    | 'minCalls'
    | 'minExcess'
    | 'minRatio'
    | 'minZ'
    | 'minPeakRatio'
    | 'minBurstinessMultiple'
    | 'minBatches'
    | 'persistentMinRatio'
    | 'persistentMinPeakRatio'
    | 'persistentPeakMarginZ'
    | 'peakNearMinutes'
    | 'windowMinRatio'
    | 'windowFalseAlarmProbability'
    | 'windowPeakMarginZ'
  >;
  readonly trafficRamp?: Only<
    TrafficDetectorConfig['sustained'],
    'minExcessPerMinute' | 'minRatio' | 'minZ' | 'minPeakRatio'
  >;
  readonly trafficDrop?: Only<
    TrafficDetectorConfig['drop'],
    'minExpectedPerMinute' | 'maxRatio' | 'minLowRatio' | 'minZ'
  >;
  readonly trafficLowRateDrop?: Only<
    TrafficDetectorConfig['lowRateDrop'],
    'minPastLow' | 'maxLowRatio' | 'falseAlarmProbability'
  >;
  readonly failureBursts?: Only<BurstDetectorConfig, 'minCount' | 'minRatio' | 'minZ'>;
  readonly errorBursts?: Only<
    ErrorBurstConfig,
    'minCount' | 'minShare' | 'minShareRatio' | 'falseAlarmProbability'
  >;
  readonly novelty?: Only<
    NoveltyDetectorConfig,
    | 'learningMinutes'
    | 'minCalls'
    | 'churnyAt'
    | 'multipleWithinMinutes'
    | 'additionZ'
    | 'burstMinCalls'
    | 'burstFalseAlarmProbability'
    | 'newRouteMinCalls'
  >;
  readonly quotaBurn?: Only<
    QuotaBurnDetectorConfig,
    'minLeadMinutes' | 'minUsedFraction' | 'rateLowerBoundZ'
  >;
  readonly retiredKey?: Only<
    RetiredKeyDetectorConfig,
    'minAttempts' | 'minZ' | 'falseAlarmProbability' | 'horizonMinutes'
  >;
}

export interface ThresholdBound {
  readonly min: number;
  readonly max: number;
}

type Bounds<T> = { readonly [P in keyof Required<T>]: ThresholdBound };

const DAY = 1440;

/**
 * Which overrides exist and the bounds they must keep (checked by the policy input). The bounds keep each
 * threshold meaningful (a ratio below 1 would fire on normal traffic, a drop ratio of 1 or more on every
 * minute); within them a customer may be as strict or as lax as it wants.
 */
export const THRESHOLD_OVERRIDE_BOUNDS: {
  readonly [G in keyof Required<ThresholdOverrides>]: Bounds<NonNullable<ThresholdOverrides[G]>>;
} = {
  trafficSpike: {
    minCalls: { min: 1, max: 1e9 },
    minExcess: { min: 1, max: 1e9 },
    minRatio: { min: 1, max: 1000 },
    minZ: { min: 1, max: 100 },
    minPeakRatio: { min: 0, max: 100 },
    minBurstinessMultiple: { min: 0, max: 100 },
    minBatches: { min: 0, max: 1000 },
    persistentMinRatio: { min: 1, max: 1000 },
    persistentMinPeakRatio: { min: 0, max: 100 },
    persistentPeakMarginZ: { min: 0, max: 100 },
    peakNearMinutes: { min: 1, max: 60 },
    windowMinRatio: { min: 1, max: 1000 },
    windowFalseAlarmProbability: { min: 1e-15, max: 0.01 },
    windowPeakMarginZ: { min: 0, max: 100 },
  },
  trafficRamp: {
    minExcessPerMinute: { min: 0, max: 1e9 },
    minRatio: { min: 1, max: 1000 },
    minZ: { min: 1, max: 100 },
    minPeakRatio: { min: 0, max: 100 },
  },
  trafficDrop: {
    minExpectedPerMinute: { min: 1, max: 1e9 },
    maxRatio: { min: 0, max: 0.99 },
    minLowRatio: { min: 0, max: 100 },
    minZ: { min: 1, max: 100 },
  },
  trafficLowRateDrop: {
    minPastLow: { min: 1, max: 1e9 },
    maxLowRatio: { min: 0, max: 0.99 },
    falseAlarmProbability: { min: 1e-15, max: 0.01 },
  },
  failureBursts: {
    minCount: { min: 1, max: 1e9 },
    minRatio: { min: 1, max: 1000 },
    minZ: { min: 1, max: 100 },
  },
  errorBursts: {
    minCount: { min: 1, max: 1e9 },
    minShare: { min: 0, max: 1 },
    minShareRatio: { min: 1, max: 1000 },
    falseAlarmProbability: { min: 1e-15, max: 0.01 },
  },
  novelty: {
    learningMinutes: { min: 0, max: 90 * DAY },
    minCalls: { min: 1, max: 1e9 },
    churnyAt: { min: 0, max: 1000 },
    multipleWithinMinutes: { min: 1, max: 7 * DAY },
    additionZ: { min: 0, max: 100 },
    burstMinCalls: { min: 1, max: 1e9 },
    burstFalseAlarmProbability: { min: 1e-15, max: 0.01 },
    newRouteMinCalls: { min: 1, max: 1e9 },
  },
  quotaBurn: {
    minLeadMinutes: { min: 0, max: 31 * DAY },
    minUsedFraction: { min: 0, max: 1 },
    rateLowerBoundZ: { min: 0, max: 10 },
  },
  retiredKey: {
    minAttempts: { min: 1, max: 1e9 },
    minZ: { min: 0, max: 100 },
    falseAlarmProbability: { min: 1e-15, max: 0.01 },
    horizonMinutes: { min: 1, max: 365 * DAY },
  },
};

function over<T>(base: T, overrides: Partial<T> | undefined): T {
  return overrides === undefined ? base : { ...base, ...overrides };
}

/** The defaults with a customer's overrides applied; the same object when there are none. */
export function withThresholdOverrides(config: AnomalyConfig, overrides: ThresholdOverrides): AnomalyConfig {
  if (Object.keys(overrides).length === 0) return config;
  const { traffic, bursts } = config;
  return {
    ...config,
    traffic: {
      ...traffic,
      spike: over(traffic.spike, overrides.trafficSpike),
      sustained: over(traffic.sustained, overrides.trafficRamp),
      drop: over(traffic.drop, overrides.trafficDrop),
      lowRateDrop: over(traffic.lowRateDrop, overrides.trafficLowRateDrop),
    },
    bursts: { ...over(bursts, overrides.failureBursts), errors: over(bursts.errors, overrides.errorBursts) },
    novelty: over(config.novelty, overrides.novelty),
    quotaBurn: over(config.quotaBurn, overrides.quotaBurn),
    retiredKey: over(config.retiredKey, overrides.retiredKey),
  };
}
