import { Not, type DataSource, type EntityManager } from 'typeorm';
import { AlertActionEntity, AlertEntity, AlertPolicyEntity } from '@keymeter/database';
import {
  MINUTE_MS,
  actionsDue,
  type AlertActionType,
  type AlertPolicyRule,
  type AnomalyFinding,
  type AnomalyKind,
  type AnomalySeverity,
  type EpochMinute,
} from '@keymeter/domain';
import type { ApiKeyService } from '@keymeter/keys';
import { announceAction, evidenceOf } from './alert-announcements';
import { applyAlertDecision } from './apply-alert-decision';
import { applyKeyAction } from './key-actions';

/** What changed for one key in one evaluated minute. */
export interface KeyAlertChanges {
  readonly opened: number;
  readonly escalated: number;
  readonly resolved: number;
  readonly actions: number;
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
        const { step, alert: touched } = await applyAlertDecision(
          manager,
          { customerId, keyId, network: null, kind },
          byKind.get(kind) ?? null,
          findingsByKind.get(kind as AnomalyKind) ?? null,
          (finding) => ({ summary: finding.summary, evidence: evidenceOf(finding) }),
          minuteEnd,
          this.autoResolveAfterMs,
        );
        if (step === 'opened') changes.opened += 1;
        if (step === 'escalated') changes.escalated += 1;
        if (step === 'resolved') changes.resolved += 1;
        if ((step === 'opened' || step === 'escalated') && touched !== null) {
          changes.actions += await this.takeActions(manager, touched, await rulesOnce(), minuteEnd);
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
