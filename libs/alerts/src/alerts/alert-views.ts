import type { AlertActionEntity, AlertEntity } from '@keymeter/database';

export interface AlertActionView {
  readonly id: string;
  readonly alertId: string;
  readonly keyId: string;
  readonly type: string;
  readonly status: string;
  /** The key's values before the action; a revert restores them. */
  readonly previous: Record<string, unknown>;
  /** The values the action set. */
  readonly applied: Record<string, unknown>;
  readonly appliedAt: string;
  readonly appliedBy: string;
  readonly revertedAt: string | null;
  readonly revertedBy: string | null;
}

export interface AlertView {
  readonly id: string;
  /** Null for a network alert (ops only; customers never see it). */
  readonly customerId: string | null;
  /** Null for a network alert. */
  readonly keyId: string | null;
  /** The source network of a network alert (`203.0.113.0/24`); null for a key's alert. */
  readonly network: string | null;
  readonly kind: string;
  readonly severity: string;
  readonly status: string;
  readonly summary: string;
  readonly evidence: Record<string, unknown>;
  readonly occurrences: number;
  readonly openedAt: string;
  readonly lastSeenAt: string;
  readonly conditionClearedAt: string | null;
  readonly acknowledgedAt: string | null;
  readonly acknowledgedBy: string | null;
  readonly resolvedAt: string | null;
  readonly resolvedBy: string | null;
  readonly resolutionReason: string | null;
  readonly actions: AlertActionView[];
}

const iso = (value: Date | null): string | null => value?.toISOString() ?? null;

export function toAlertActionView(action: AlertActionEntity): AlertActionView {
  return {
    id: action.id,
    alertId: action.alertId,
    keyId: action.keyId,
    type: action.type,
    status: action.status,
    previous: action.previous,
    applied: action.applied,
    appliedAt: action.appliedAt.toISOString(),
    appliedBy: action.appliedBy,
    revertedAt: iso(action.revertedAt),
    revertedBy: action.revertedBy,
  };
}

export function toAlertView(alert: AlertEntity, actions: readonly AlertActionEntity[]): AlertView {
  return {
    id: alert.id,
    customerId: alert.customerId,
    keyId: alert.keyId,
    network: alert.network,
    kind: alert.kind,
    severity: alert.severity,
    status: alert.status,
    summary: alert.summary,
    evidence: alert.evidence,
    occurrences: alert.occurrences,
    openedAt: alert.openedAt.toISOString(),
    lastSeenAt: alert.lastSeenAt.toISOString(),
    conditionClearedAt: iso(alert.conditionClearedAt),
    acknowledgedAt: iso(alert.acknowledgedAt),
    acknowledgedBy: alert.acknowledgedBy,
    resolvedAt: iso(alert.resolvedAt),
    resolvedBy: alert.resolvedBy,
    resolutionReason: alert.resolutionReason,
    actions: actions
      .filter((action) => action.alertId === alert.id)
      .sort((a, b) => a.appliedAt.getTime() - b.appliedAt.getTime())
      .map(toAlertActionView),
  };
}
