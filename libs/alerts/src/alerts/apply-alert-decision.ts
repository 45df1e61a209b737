import type { EntityManager } from 'typeorm';
import { AlertEntity } from '@keymeter/database';
import { decideAlert, type AnomalyFinding, type AnomalySeverity } from '@keymeter/domain';
import { announceAlert } from './alert-announcements';

/** Whose alert it is: a key's (customer and key set) or a network's (network set, no customer or key). */
export interface AlertSubject {
  readonly customerId: string | null;
  readonly keyId: string | null;
  readonly network: string | null;
  readonly kind: string;
}

/** What the step did to the subject's alert. */
export type AlertStep = 'opened' | 'escalated' | 'extended' | 'cleared' | 'resolved' | 'unchanged';

/**
 * One lifecycle step of one subject and kind in one evaluated minute, in `manager`'s transaction (the
 * unresolved alert locked by the caller): opens, extends (escalating severity), notes a cleared condition or
 * resolves, and records the webhook event of each announced change — `alert.updated` only on a severity rise,
 * so a condition still present refreshes the alert without announcing it again. `describe` gives the stored
 * summary and evidence of a finding. Returns the alert it touched (the new one when opened).
 */
export async function applyAlertDecision(
  manager: EntityManager,
  subject: AlertSubject,
  alert: AlertEntity | null,
  finding: AnomalyFinding | null,
  describe: (finding: AnomalyFinding) => { summary: string; evidence: Record<string, unknown> },
  minuteEnd: Date,
  autoResolveAfterMs: number,
): Promise<{ step: AlertStep; alert: AlertEntity | null }> {
  const decision = decideAlert(
    alert === null
      ? null
      : {
          severity: alert.severity as AnomalySeverity,
          conditionClearedAtMs: alert.conditionClearedAt?.getTime() ?? null,
        },
    finding,
    minuteEnd.getTime(),
    autoResolveAfterMs,
  );
  if (decision.type === 'open' && finding !== null) {
    const opened = await manager.save(
      manager.create(AlertEntity, {
        ...subject,
        ...describe(finding),
        severity: decision.severity,
        status: 'open',
        occurrences: 1,
        openedAt: minuteEnd,
        lastSeenAt: minuteEnd,
        conditionClearedAt: null,
        acknowledgedAt: null,
        acknowledgedBy: null,
        resolvedAt: null,
        resolvedBy: null,
        resolutionReason: null,
      }),
    );
    await announceAlert(manager, 'alert.opened', opened, minuteEnd);
    return { step: 'opened', alert: opened };
  }
  if (decision.type === 'extend' && alert !== null && finding !== null) {
    Object.assign(alert, describe(finding));
    alert.severity = decision.severity;
    alert.occurrences += 1;
    alert.lastSeenAt = minuteEnd;
    alert.conditionClearedAt = null;
    await manager.save(alert);
    if (!decision.escalated) return { step: 'extended', alert };
    await announceAlert(manager, 'alert.updated', alert, minuteEnd);
    return { step: 'escalated', alert };
  }
  if (decision.type === 'clear' && alert !== null) {
    alert.conditionClearedAt = new Date(decision.clearedAtMs);
    await manager.save(alert);
    return { step: 'cleared', alert };
  }
  if (decision.type === 'resolve' && alert !== null) {
    alert.status = 'resolved';
    alert.resolvedAt = minuteEnd;
    alert.resolvedBy = 'system';
    alert.resolutionReason = 'condition_cleared';
    await manager.save(alert);
    await announceAlert(manager, 'alert.resolved', alert, minuteEnd);
    return { step: 'resolved', alert };
  }
  return { step: 'unchanged', alert };
}
