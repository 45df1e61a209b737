export {
  ANOMALY_KINDS,
  ANOMALY_SEVERITIES,
  MINUTES_PER_DAY,
  MINUTES_PER_HOUR,
  MINUTES_PER_WEEK,
  MINUTE_MS,
  NO_SOURCES,
  ZERO_MINUTE,
  severityAt,
  windowEnding,
  type AnomalyFinding,
  type AnomalyKind,
  type AnomalySeverity,
  type EpochMinute,
  type EvidenceWindow,
  type FindingEvidence,
  type KeyTrafficWindow,
  type MinuteCounts,
  type MinuteSources,
  type SourceCounts,
} from './types';
export {
  DEFAULT_ANOMALY_CONFIG,
  requiredWindowMinutes,
  type AnomalyConfig,
  type BurstDetectorConfig,
  type ErrorBurstConfig,
  type NoveltyDetectorConfig,
  type QuotaBurnDetectorConfig,
  type RetiredKeyDetectorConfig,
  type TrafficDetectorConfig,
} from './anomaly-config';
export { sourceNetwork } from './network-prefix';
export { logFactorial, poissonLowerTailBound, poissonUpperTailBound } from './poisson-tail';
export { ewmaAfter, median, medianAbsoluteDeviation, MAD_TO_SD } from './robust-stats';
export {
  HOURS_PER_WEEK,
  createSeasonalBaseline,
  foldSeasonalMinute,
  hourOfWeek,
  seasonalExpectation,
  pastPeakNear,
  type SeasonalBaseline,
  type SeasonalExpectation,
  type SlotStats,
} from './seasonal-baseline';
export {
  authenticatedCalls,
  createKeyBaseline,
  expectedFailures,
  unknownSources,
  updateKeyBaseline,
  type BackgroundRates,
  type KeyBaseline,
  type KnownSources,
  type RecentNovelty,
  type SeenSpan,
} from './key-baseline';
export { detectTrafficDrop, detectTrafficSpike } from './traffic-detector';
export { detectLowRateTrafficDrop, pastLowOver } from './traffic-drop-detector';
export {
  createNetworkBurstBaseline,
  detectAuthFailureBurst,
  detectCountBurst,
  detectErrorBurst,
  detectNetworkAuthFailureBurst,
  detectRateLimitBurst,
  updateNetworkBurstBaseline,
  type BurstKind,
  type NetworkBurstBaseline,
} from './burst-detector';
export { detectNewCountry, detectNewRoute, detectNewSourceNetwork } from './novelty-detector';
export { detectQuotaBurn, type KeyQuotaUsage, type QuotaUsage } from './quota-burn-detector';
export { detectRetiredKeyUse, type KeyLifecycle } from './retired-key-detector';
export { detectKeyAnomalies, type KeyAnomalyInput } from './detect-key-anomalies';
export {
  ALERT_ACTION_TYPES,
  ALERT_STATUSES,
  actionsDue,
  decideAlert,
  higherSeverity,
  severityRank,
  tightenedRateLimit,
  type AlertActionSpec,
  type AlertActionType,
  type AlertDecision,
  type AlertPolicyRule,
  type AlertStatus,
  type UnresolvedAlertState,
} from './alert-lifecycle';
export {
  THRESHOLD_OVERRIDE_BOUNDS,
  withThresholdOverrides,
  type ThresholdOverrides,
} from './threshold-overrides';
