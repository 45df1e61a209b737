import {
  ANOMALY_KINDS,
  ANOMALY_SEVERITIES,
  THRESHOLD_OVERRIDE_BOUNDS,
  type ThresholdOverrides,
  validateRateLimit,
  type AlertActionSpec,
  type AlertPolicyRule,
  type AnomalyKind,
  type AnomalySeverity,
} from '@keymeter/domain';
import { ApiError, type FieldIssue } from '@keymeter/platform';

/** Rules per policy: one per kind and action type is all that makes sense; this bounds the document. */
export const MAX_POLICY_RULES = 64;
/** A required rotation gives the key's users at most 30 days (the longest rotation grace). */
export const MAX_ROTATION_DEADLINE_SECONDS = 30 * 86_400;
/** When a require_rotation rule does not say: 24 hours, like a rotation's default grace. */
export const DEFAULT_ROTATION_DEADLINE_SECONDS = 86_400;

const RULE_FIELDS = ['kind', 'minSeverity', 'action'];
const ACTION_FIELDS: Record<AlertActionSpec['type'], readonly string[]> = {
  tighten_rate_limit: ['type', 'factor', 'limit'],
  suspend_key: ['type'],
  require_rotation: ['type', 'deadlineSeconds'],
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

function unknownFields(value: Record<string, unknown>, allowed: readonly string[], at: string): FieldIssue[] {
  return Object.keys(value)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({
      field: `${at}.${key}`,
      reason: `is not a known property; expected one of ${allowed.join(', ')}`,
    }));
}

function readAction(value: unknown, at: string, issues: FieldIssue[]): AlertActionSpec | undefined {
  if (!isObject(value)) {
    issues.push({ field: at, reason: `must be an object { type, … }, got ${describe(value)}` });
    return undefined;
  }
  const type = value.type as AlertActionSpec['type'];
  if (!(type in ACTION_FIELDS)) {
    issues.push({
      field: `${at}.type`,
      reason: `must be one of ${Object.keys(ACTION_FIELDS).join(', ')}, got ${describe(value.type)}`,
    });
    return undefined;
  }
  issues.push(...unknownFields(value, ACTION_FIELDS[type], at));
  if (type === 'suspend_key') return { type };
  if (type === 'require_rotation') {
    const deadline = value.deadlineSeconds ?? DEFAULT_ROTATION_DEADLINE_SECONDS;
    if (
      typeof deadline !== 'number' ||
      !Number.isSafeInteger(deadline) ||
      deadline < 0 ||
      deadline > MAX_ROTATION_DEADLINE_SECONDS
    ) {
      issues.push({
        field: `${at}.deadlineSeconds`,
        reason: `must be a whole number of seconds from 0 to ${MAX_ROTATION_DEADLINE_SECONDS}, got ${describe(value.deadlineSeconds)}`,
      });
      return undefined;
    }
    return { type, deadlineSeconds: deadline };
  }
  const factor = value.factor ?? null;
  if (factor !== null && (typeof factor !== 'number' || !(factor > 0 && factor < 1))) {
    issues.push({
      field: `${at}.factor`,
      reason: `must be a number between 0 and 1 (exclusive), got ${describe(value.factor)}`,
    });
    return undefined;
  }
  let limit = null;
  if (value.limit !== undefined && value.limit !== null) {
    const result = validateRateLimit(value.limit, `${at}.limit`);
    if (!result.ok) {
      issues.push(...result.issues);
      return undefined;
    }
    limit = result.value;
  }
  if (factor === null && limit === null) {
    issues.push({ field: `${at}.factor`, reason: 'a factor, a limit { rate, burst }, or both are required' });
    return undefined;
  }
  return { type, factor, limit };
}

/**
 * Checks a policy document `{ rules: [{ kind, minSeverity?, action }] }`; every problem is reported, each
 * naming its field (`rules[2].action.factor`). `minSeverity` defaults to `high`: only a strong signal changes a
 * key on its own.
 */
export function parseAlertPolicy(body: unknown): AlertPolicyRule[] {
  return parseAlertPolicyDocument(body).rules;
}

/**
 * Checks the optional `thresholds` of a policy: per detector group (`trafficSpike`, `trafficRamp`, `trafficDrop`,
 * `failureBursts`, `errorBursts`, `novelty`, `quotaBurn`, `retiredKey`) the thresholds of
 * `THRESHOLD_OVERRIDE_BOUNDS`, each number within its bounds.
 */
function readThresholds(value: unknown, issues: FieldIssue[]): ThresholdOverrides {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) {
    issues.push({ field: 'thresholds', reason: `must be an object, got ${describe(value)}` });
    return {};
  }
  const out: Record<string, Record<string, number>> = {};
  for (const [group, fields] of Object.entries(value)) {
    const bounds = (
      THRESHOLD_OVERRIDE_BOUNDS as Record<string, Record<string, { min: number; max: number }>>
    )[group];
    if (bounds === undefined) {
      issues.push({
        field: `thresholds.${group}`,
        reason: `is not a known detector; expected one of ${Object.keys(THRESHOLD_OVERRIDE_BOUNDS).join(', ')}`,
      });
      continue;
    }
    if (!isObject(fields)) {
      issues.push({ field: `thresholds.${group}`, reason: `must be an object, got ${describe(fields)}` });
      continue;
    }
    out[group] = {};
    for (const [name, number] of Object.entries(fields)) {
      const bound = bounds[name];
      if (bound === undefined) {
        issues.push({
          field: `thresholds.${group}.${name}`,
          reason: `is not a known threshold; expected one of ${Object.keys(bounds).join(', ')}`,
        });
      } else if (
        typeof number !== 'number' ||
        !Number.isFinite(number) ||
        number < bound.min ||
        number > bound.max
      ) {
        issues.push({
          field: `thresholds.${group}.${name}`,
          reason: `must be a number from ${bound.min} to ${bound.max}, got ${describe(number)}`,
        });
      } else {
        out[group][name] = number;
      }
    }
  }
  return out;
}

/** The whole policy document: rules and threshold overrides. */
export function parseAlertPolicyDocument(body: unknown): {
  rules: AlertPolicyRule[];
  thresholds: ThresholdOverrides;
} {
  const issues: FieldIssue[] = [];
  if (!isObject(body))
    throw ApiError.validation([{ field: 'body', reason: `must be a JSON object, got ${describe(body)}` }]);
  issues.push(
    ...Object.keys(body)
      .filter((key) => key !== 'rules' && key !== 'thresholds')
      .map((key) => ({ field: key, reason: 'is not a known property; expected rules, thresholds' })),
  );
  const rules: AlertPolicyRule[] = [];
  if (!Array.isArray(body.rules) || body.rules.length > MAX_POLICY_RULES) {
    issues.push({
      field: 'rules',
      reason: `must be an array of at most ${MAX_POLICY_RULES} rules, got ${describe(body.rules)}`,
    });
  } else {
    body.rules.forEach((rule: unknown, index: number) => {
      const at = `rules[${index}]`;
      if (!isObject(rule)) {
        issues.push({
          field: at,
          reason: `must be an object { kind, minSeverity, action }, got ${describe(rule)}`,
        });
        return;
      }
      issues.push(...unknownFields(rule, RULE_FIELDS, at));
      const kind = rule.kind as AnomalyKind;
      if (!ANOMALY_KINDS.includes(kind)) {
        issues.push({
          field: `${at}.kind`,
          reason: `must be one of ${ANOMALY_KINDS.join(', ')}, got ${describe(rule.kind)}`,
        });
      }
      const minSeverity = (rule.minSeverity ?? 'high') as AnomalySeverity;
      if (!ANOMALY_SEVERITIES.includes(minSeverity)) {
        issues.push({
          field: `${at}.minSeverity`,
          reason: `must be one of ${ANOMALY_SEVERITIES.join(', ')}, got ${describe(rule.minSeverity)}`,
        });
      }
      const action = readAction(rule.action, `${at}.action`, issues);
      if (action !== undefined) rules.push({ kind, minSeverity, action });
    });
  }
  const thresholds = readThresholds(body.thresholds, issues);
  if (issues.length > 0) throw ApiError.validation(issues);
  return { rules, thresholds };
}
