import { IsNull, Not, type DataSource } from 'typeorm';
import { AlertEntity } from '@keymeter/database';
import { MINUTE_MS, type AnomalyFinding, type EpochMinute } from '@keymeter/domain';
import { evidenceOf } from './alert-announcements';
import type { KeyAlertChanges } from './alert-writer';
import { applyAlertDecision } from './apply-alert-decision';

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
        const { step } = await applyAlertDecision(
          manager,
          { customerId: null, keyId: null, network, kind: NETWORK_KIND },
          byNetwork.get(network) ?? null,
          findings.get(network) ?? null,
          (finding) => ({
            summary: `${finding.summary} from ${network}`,
            evidence: { ...evidenceOf(finding), network },
          }),
          minuteEnd,
          this.autoResolveAfterMs,
        );
        if (step === 'opened') changes.opened += 1;
        if (step === 'escalated') changes.escalated += 1;
        if (step === 'resolved') changes.resolved += 1;
      }
    });
    return changes;
  }
}
