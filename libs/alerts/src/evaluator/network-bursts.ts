import {
  MINUTES_PER_DAY,
  createNetworkBurstBaseline,
  detectNetworkAuthFailureBurst,
  updateNetworkBurstBaseline,
  type AnomalyConfig,
  type AnomalyFinding,
  type EpochMinute,
  type NetworkBurstBaseline,
} from '@keymeter/domain';
import { networksOf } from './key-baselines';

/**
 * The per-network auth-failure burst across keys (credential stuffing, mostly with keys that do not exist):
 * each network's background failure rate in memory, fed one evaluated minute at a time. Unlike key baselines
 * it is not rebuilt from ClickHouse after a start: a network starts with no background, so the detector's
 * absolute floor (`networkMinCount`) alone decides until the network has a history. A network silent for a day
 * is forgotten (memory stays bounded by the networks that failed recently).
 */
export class NetworkBurstBaselines {
  private readonly baselines = new Map<string, NetworkBurstBaseline>();

  constructor(private readonly config: AnomalyConfig) {}

  /** The minute's findings per network; folds the minute into each network's background. */
  evaluate(minute: EpochMinute, failuresByIp: Readonly<Record<string, number>>): Map<string, AnomalyFinding> {
    const findings = new Map<string, AnomalyFinding>();
    for (const [network, failures] of Object.entries(networksOf(failuresByIp))) {
      const baseline = this.baselines.get(network) ?? createNetworkBurstBaseline(network);
      if (baseline.lastMinute !== null && baseline.lastMinute >= minute) continue;
      const finding = detectNetworkAuthFailureBurst(baseline, minute, failures, this.config);
      if (finding !== null) findings.set(network, finding);
      this.baselines.set(network, updateNetworkBurstBaseline(baseline, minute, failures, this.config));
    }
    for (const [network, baseline] of this.baselines) {
      if (baseline.lastMinute !== null && minute - baseline.lastMinute > MINUTES_PER_DAY) {
        this.baselines.delete(network);
      }
    }
    return findings;
  }
}
