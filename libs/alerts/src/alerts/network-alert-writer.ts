import { IsNull, Not, type DataSource } from 'typeorm';
import { AlertEntity } from '@keymeter/database';
import {
  MINUTE_MS,
  decideAlert,
  type AnomalyFinding,
  type AnomalySeverity,
  type EpochMinute,
} from '@keymeter/domain';
import { announceAlert, evidenceOf, type KeyAlertChanges } from './alert-writer';

/** The only kind a network alert has today: auth failures from one network across keys. */
const NETWORK_KIND = 'auth_failure_burst';

/**
 * Applies one evaluated minute's per-network findings to the network alerts (no customer, no key, the
 * network named), in one transaction with the unresolved network alerts locked: the same lifecycle as a key's
 * alerts (open, extend, clear, resolve after the configured quiet time). No policy actions: policies belong to
 * customers and such a burst belongs to none. Announced to global webhook endpoints only (no customer).
 */
export class NetworkAlertWriter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly autoResolveAfterMs: number,
  ) {}

  async applyMinute(
    minute: EpochMinute,
    findings: ReadonlyMap<string, AnomalyFinding>,
  ): Promise<KeyAlertChanges> {
    const minuteEnd = new Date((minute + 1) * MINUTE_MS);
    const changes = { opened: 0, escalated: 0, resolved: 0, actions: 0 };
    await this.dataSource.transaction(async (manager) => {
      const unresolved = await manager.find(AlertEntity, {
        where: { network: Not(IsNull()), kind: NETWORK_KIND, status: Not('resolved') },
        lock: { mode: 'pessimistic_write' },
      });
      if (unresolved.length === 0 && findings.size === 0) return;
      const byNetwork = new Map(unresolved.map((alert) => [alert.network!, alert]));
      for (const network of new Set([...byNetwork.keys(), ...findings.keys()])) {
        const alert = byNetwork.get(network) ?? null;
        const finding = findings.get(network) ?? null;
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
              customerId: null,
              keyId: null,
              network,
              kind: NETWORK_KIND,
              severity: decision.severity,
              status: 'open',
              summary: `${finding.summary} from ${network}`,
              evidence: { ...evidenceOf(finding), network },
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
        } else if (decision.type === 'extend' && alert !== null && finding !== null) {
          alert.severity = decision.severity;
          alert.summary = `${finding.summary} from ${network}`;
          alert.evidence = { ...evidenceOf(finding), network };
          alert.occurrences += 1;
          alert.lastSeenAt = minuteEnd;
          alert.conditionClearedAt = null;
          await manager.save(alert);
          if (decision.escalated) {
            changes.escalated += 1;
            await announceAlert(manager, 'alert.updated', alert, minuteEnd);
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
    });
    return changes;
  }
}
