import type { EntityManager } from 'typeorm';
import { AlertActionEntity, type AlertEntity } from '@keymeter/database';
import { MINUTE_MS, type AnomalyFinding } from '@keymeter/domain';
import { enqueueWebhookEvent } from '@keymeter/webhooks';
import { toAlertActionView, toAlertView } from './alert-views';

/** JSON has no Infinity or NaN (a ratio over an expectation of 0): stored as null. */
function finiteOrNull(value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

/** Evidence as stored: the finding's numbers, with the window also as instants for people. */
export function evidenceOf(finding: AnomalyFinding): Record<string, unknown> {
  const { window } = finding.evidence;
  const numbers = Object.fromEntries(
    Object.entries(finding.evidence).map(([name, value]) => [name, finiteOrNull(value)]),
  );
  return {
    ...numbers,
    window: {
      ...window,
      start: new Date(window.startMinute * MINUTE_MS).toISOString(),
      end: new Date((window.endMinute + 1) * MINUTE_MS).toISOString(),
    },
  };
}

/** Announces an alert change in the transaction that made it (webhook event recorded with it). */
export async function announceAlert(
  manager: EntityManager,
  type: 'alert.opened' | 'alert.updated' | 'alert.acknowledged' | 'alert.resolved',
  alert: AlertEntity,
  occurredAt: Date,
): Promise<void> {
  const actions = await manager.findBy(AlertActionEntity, { alertId: alert.id });
  await enqueueWebhookEvent(manager, {
    type,
    customerId: alert.customerId,
    data: { ...toAlertView(alert, actions) },
    occurredAt,
  });
}

export async function announceAction(
  manager: EntityManager,
  type: 'key.action_applied' | 'key.action_reverted',
  alert: AlertEntity,
  action: AlertActionEntity,
  occurredAt: Date,
): Promise<void> {
  const actions = await manager.findBy(AlertActionEntity, { alertId: alert.id });
  await enqueueWebhookEvent(manager, {
    type,
    customerId: alert.customerId,
    data: { action: toAlertActionView(action), alert: toAlertView(alert, actions) },
    occurredAt,
  });
}
