import { Not, type DataSource, type EntityManager } from 'typeorm';
import { AlertActionEntity, AlertEntity, AlertPolicyEntity } from '@keymeter/database';
import {
  MINUTE_MS,
  actionsDue,
  decideAlert,
  type AlertActionType,
  type AlertPolicyRule,
  type AnomalyFinding,
  type AnomalyKind,
  type AnomalySeverity,
  type EpochMinute,
} from '@keymeter/domain';
import type { ApiKeyService } from '@keymeter/keys';
import { enqueueWebhookEvent } from '@keymeter/webhooks';
import { applyKeyAction } from './key-actions';
import { toAlertActionView, toAlertView } from './alert-views';

/** What changed for one key in one evaluated minute. */
export interface KeyAlertChanges {
  readonly opened: number;
  readonly escalated: number;
  readonly resolved: number;
  readonly actions: number;
}

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

export async function policyRules(manager: EntityManager, customerId: string): Promise<AlertPolicyRule[]> {
  const policy = await manager.findOneBy(AlertPolicyEntity, { customerId });
  return (policy?.rules ?? []) as AlertPolicyRule[];
}

/**
 * Applies one evaluated minute's findings to the alerts of one key, in one transaction with the key's
 * unresolved alerts locked: opens, extends (escalating severity), notes a cleared condition or resolves, takes
 * the policy's actions on open and escalation, and records the webhook events. Only `alert.updated` for a
 * severity change: a still-present condition refreshes the alert without announcing it again (no floods).
 */
export class AlertWriter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly keys: ApiKeyService,
    private readonly autoResolveAfterMs: number,
  ) {}

  async applyMinute(
    keyId: string,
    customerId: string,
    minute: EpochMinute,
    findings: readonly AnomalyFinding[],
  ): Promise<KeyAlertChanges> {
    const minuteEnd = new Date((minute + 1) * MINUTE_MS);
    const changes = { opened: 0, escalated: 0, resolved: 0, actions: 0 };
    let tookAction = false;
    await this.dataSource.transaction(async (manager) => {
      const unresolved = await manager.find(AlertEntity, {
        where: { keyId, status: Not('resolved') },
        lock: { mode: 'pessimistic_write' },
      });
      const byKind = new Map(unresolved.map((alert) => [alert.kind, alert]));
      const findingsByKind = new Map(findings.map((finding) => [finding.kind, finding]));
      const kinds = new Set<string>([...byKind.keys(), ...findingsByKind.keys()]);
      let rules: AlertPolicyRule[] | undefined;
      const rulesOnce = async (): Promise<AlertPolicyRule[]> =>
        (rules ??= await policyRules(manager, customerId));
      for (const kind of kinds) {
        const alert = byKind.get(kind) ?? null;
        const finding = findingsByKind.get(kind as AnomalyKind) ?? null;
        const decision = decideAlert(
          alert === null
            ? null
            : {
                severity: alert.severity as AnomalySeverity,
                conditionClearedAtMs: alert.conditionClearedAt?.getTime() ?? null,
              },
          finding,
          minuteEnd.getTime(),
          this.autoResolveAfterMs,
        );
        if (decision.type === 'open' && finding !== null) {
          const opened = await manager.save(
            manager.create(AlertEntity, {
              customerId,
              keyId,
              kind,
              severity: decision.severity,
              status: 'open',
              summary: finding.summary,
              evidence: evidenceOf(finding),
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
          changes.opened += 1;
          await announceAlert(manager, 'alert.opened', opened, minuteEnd);
          changes.actions += await this.takeActions(manager, opened, await rulesOnce(), minuteEnd);
        } else if (decision.type === 'extend' && alert !== null && finding !== null) {
          alert.severity = decision.severity;
          alert.summary = finding.summary;
          alert.evidence = evidenceOf(finding);
          alert.occurrences += 1;
          alert.lastSeenAt = minuteEnd;
          alert.conditionClearedAt = null;
          await manager.save(alert);
          if (decision.escalated) {
            changes.escalated += 1;
            await announceAlert(manager, 'alert.updated', alert, minuteEnd);
            changes.actions += await this.takeActions(manager, alert, await rulesOnce(), minuteEnd);
          }
        } else if (decision.type === 'clear' && alert !== null) {
          alert.conditionClearedAt = new Date(decision.clearedAtMs);
          await manager.save(alert);
        } else if (decision.type === 'resolve' && alert !== null) {
          alert.status = 'resolved';
          alert.resolvedAt = minuteEnd;
          alert.resolvedBy = 'system';
          alert.resolutionReason = 'condition_cleared';
          await manager.save(alert);
          changes.resolved += 1;
          await announceAlert(manager, 'alert.resolved', alert, minuteEnd);
        }
      }
      tookAction = changes.actions > 0;
    });
    if (tookAction) this.keys.notifyCommitted();
    return changes;
  }

  private async takeActions(
    manager: EntityManager,
    alert: AlertEntity,
    rules: readonly AlertPolicyRule[],
    now: Date,
  ): Promise<number> {
    if (rules.length === 0) return 0;
    const taken = await manager.findBy(AlertActionEntity, { alertId: alert.id });
    const due = actionsDue(
      rules,
      alert.kind as AnomalyKind,
      alert.severity as AnomalySeverity,
      new Set(taken.map((action) => action.type as AlertActionType)),
    );
    let count = 0;
    for (const spec of due) {
      const action = await applyKeyAction(manager, this.keys, alert, spec, now);
      if (action === null) continue;
      count += 1;
      await announceAction(manager, 'key.action_applied', alert, action, now);
    }
    return count;
  }
}

/** Keys with an unresolved alert: evaluated every minute even without traffic, so their alerts can resolve. */
export async function keysWithUnresolvedAlerts(
  dataSource: DataSource,
): Promise<{ keyId: string; customerId: string }[]> {
  const rows = await dataSource.manager
    .createQueryBuilder(AlertEntity, 'a')
    .select(['a.keyId', 'a.customerId'])
    .where('a.status <> :resolved', { resolved: 'resolved' })
    .andWhere('a.key_id IS NOT NULL')
    .getMany();
  return rows.map((row) => ({ keyId: row.keyId!, customerId: row.customerId! }));
}
