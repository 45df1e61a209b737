import type { RateLimit } from '../limits/token-bucket';
import { ANOMALY_SEVERITIES, type AnomalyFinding, type AnomalyKind, type AnomalySeverity } from './types';

/** open → acknowledged → resolved; an alert that is not resolved is "unresolved". */
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

export const ALERT_STATUSES: readonly AlertStatus[] = ['open', 'acknowledged', 'resolved'];

/** What the evaluator needs to know about the unresolved alert of one key and kind. */
export interface UnresolvedAlertState {
  readonly severity: AnomalySeverity;
  /** Since when the condition has not been seen (epoch ms); null while it is. */
  readonly conditionClearedAtMs: number | null;
}

/**
 * What to do with one key and kind after a minute was evaluated:
 * - `open`: no unresolved alert and a finding: open one;
 * - `extend`: an unresolved alert and a finding: refresh evidence and last-seen; `escalated` when the finding's
 *   severity is above the alert's (severity never goes down while the alert lives);
 * - `clear`: the condition is not seen any more: remember since when (first clear minute only);
 * - `resolve`: the condition has been clear for `autoResolveAfterMs`;
 * - `none`: nothing changes (no alert and no finding, or still clear but not for long enough).
 */
export type AlertDecision =
  | { readonly type: 'open'; readonly severity: AnomalySeverity }
  | { readonly type: 'extend'; readonly severity: AnomalySeverity; readonly escalated: boolean }
  | { readonly type: 'clear'; readonly clearedAtMs: number }
  | { readonly type: 'resolve' }
  | { readonly type: 'none' };

export function severityRank(severity: AnomalySeverity): number {
  return ANOMALY_SEVERITIES.indexOf(severity);
}

export function higherSeverity(a: AnomalySeverity, b: AnomalySeverity): AnomalySeverity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

/**
 * The lifecycle step for one key and kind. `clearedAtMs` is when the evaluated minute ended: a condition
 * absent from that minute has been clear since then at the latest.
 */
export function decideAlert(
  current: UnresolvedAlertState | null,
  finding: Pick<AnomalyFinding, 'severity'> | null,
  evaluatedMinuteEndMs: number,
  autoResolveAfterMs: number,
): AlertDecision {
  if (finding !== null) {
    if (current === null) return { type: 'open', severity: finding.severity };
    const severity = higherSeverity(current.severity, finding.severity);
    return { type: 'extend', severity, escalated: severity !== current.severity };
  }
  if (current === null) return { type: 'none' };
  if (current.conditionClearedAtMs === null) {
    // The condition was seen until the start of this minute.
    return { type: 'clear', clearedAtMs: evaluatedMinuteEndMs - 60_000 };
  }
  if (evaluatedMinuteEndMs - current.conditionClearedAtMs >= autoResolveAfterMs) return { type: 'resolve' };
  return { type: 'none' };
}

/** The protective actions a policy can take on a key. */
export type AlertActionType = 'tighten_rate_limit' | 'suspend_key' | 'require_rotation';

export const ALERT_ACTION_TYPES: readonly AlertActionType[] = [
  'tighten_rate_limit',
  'suspend_key',
  'require_rotation',
];

export type AlertActionSpec =
  | {
      readonly type: 'tighten_rate_limit';
      /** Multiplies the key's current rate and burst (0 < factor < 1). */
      readonly factor: number | null;
      /** The limit to set when the key has none, or the ceiling when it has one. */
      readonly limit: RateLimit | null;
    }
  | { readonly type: 'suspend_key' }
  | {
      readonly type: 'require_rotation';
      /** The current secret keeps working this long; after it only a rotated secret does. */
      readonly deadlineSeconds: number;
    };

/** One rule of a customer's alert policy: alerts of `kind` from `minSeverity` on take `action`. */
export interface AlertPolicyRule {
  readonly kind: AnomalyKind;
  readonly minSeverity: AnomalySeverity;
  readonly action: AlertActionSpec;
}

/**
 * The actions due for an alert of `kind` at `severity`, in rule order, one per action type, without those
 * already taken for the alert (an escalation can add an action, never repeat one).
 */
export function actionsDue(
  rules: readonly AlertPolicyRule[],
  kind: AnomalyKind,
  severity: AnomalySeverity,
  alreadyTaken: ReadonlySet<AlertActionType>,
): AlertActionSpec[] {
  const due: AlertActionSpec[] = [];
  const seen = new Set(alreadyTaken);
  for (const rule of rules) {
    if (rule.kind !== kind || severityRank(severity) < severityRank(rule.minSeverity)) continue;
    if (seen.has(rule.action.type)) continue;
    seen.add(rule.action.type);
    due.push(rule.action);
  }
  return due;
}

/**
 * The rate limit a `tighten_rate_limit` action sets, or null when it would not tighten anything (no factor
 * applies and no limit is given, or the key's limit is already at least as tight). Rates keep 3 decimals and
 * bursts stay whole, at least 1 (what a key's rate limit accepts).
 */
export function tightenedRateLimit(
  current: RateLimit | null,
  spec: Extract<AlertActionSpec, { type: 'tighten_rate_limit' }>,
): RateLimit | null {
  let next: RateLimit | null = null;
  if (current !== null && spec.factor !== null) {
    next = {
      rate: Math.max(0.001, Math.floor(current.rate * spec.factor * 1000) / 1000),
      burst: Math.max(1, Math.floor(current.burst * spec.factor)),
    };
  }
  if (spec.limit !== null) {
    next =
      next === null
        ? current === null
          ? spec.limit
          : {
              rate: Math.min(current.rate, spec.limit.rate),
              burst: Math.min(current.burst, spec.limit.burst),
            }
        : { rate: Math.min(next.rate, spec.limit.rate), burst: Math.min(next.burst, spec.limit.burst) };
  }
  if (next === null) return null;
  if (current !== null && next.rate >= current.rate && next.burst >= current.burst) return null;
  return next;
}
