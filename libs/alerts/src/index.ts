export { createAlerts, type Alerts, type AlertsOptions } from './create-alerts';
export { AlertService, type AlertListQuery, type AlertPolicyView } from './alerts/alert.service';
export { AlertWriter, type KeyAlertChanges } from './alerts/alert-writer';
export { toAlertView, type AlertActionView, type AlertView } from './alerts/alert-views';
export { ALERT_POLICY_ACTOR } from './alerts/key-actions';
export {
  AlertEvaluator,
  type EvaluationCounts,
  type MinuteEvaluation,
  type RangeEvaluation,
  type RangeEvaluationOptions,
} from './evaluator/alert-evaluator';
export { EvaluationSchedule, latestDueMinute } from './evaluator/evaluation-schedule';
export { KeyBaselines } from './evaluator/key-baselines';
export {
  DEFAULT_ROTATION_DEADLINE_SECONDS,
  MAX_ROTATION_DEADLINE_SECONDS,
  parseAlertPolicy,
} from './policies/alert-policy-input';
export { ClickHouseKeyTrafficSource } from './traffic/clickhouse-key-traffic-source';
export type {
  KeyMinuteSeries,
  KeyMinuteSources,
  KeySourceHistory,
  KeyTrafficSource,
} from './traffic/key-traffic-source';
