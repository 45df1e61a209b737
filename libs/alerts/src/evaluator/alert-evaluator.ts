import type { DataSource } from 'typeorm';
import { AlertEvaluationEntity } from '@keymeter/database';
import {
  DEFAULT_ANOMALY_CONFIG,
  MINUTE_MS,
  NO_SOURCES,
  detectKeyAnomalies,
  requiredWindowMinutes,
  updateKeyBaseline,
  withThresholdOverrides,
  type AnomalyConfig,
  type AnomalyFinding,
  type EpochMinute,
  type MinuteSources,
  type ThresholdOverrides,
} from '@keymeter/domain';
import { keysWithUnresolvedAlerts, type AlertWriter } from '../alerts/alert-writer';
import type { NetworkAlertWriter } from '../alerts/network-alert-writer';
import type { KeyMinuteSources, KeyTrafficSource } from '../traffic/key-traffic-source';
import { KeyBaselines, denseWindow, networksOf } from './key-baselines';
import { readKeyFacts } from './key-lifecycles';
import { NetworkBurstBaselines } from './network-bursts';
import { readQuotaUsage } from './quota-usage';

/** The outcome of evaluating one minute. */
export interface MinuteEvaluation {
  readonly minute: EpochMinute;
  /** False when the minute had been evaluated before: nothing was done. */
  readonly evaluated: boolean;
  readonly keys: number;
  readonly findings: number;
  readonly opened: number;
  readonly escalated: number;
  readonly resolved: number;
  readonly actions: number;
  /** Keys whose baseline was built from ClickHouse history in this evaluation. */
  readonly warmedUp: number;
  readonly elapsedMs: number;
}

export interface AlertEvaluatorOptions {
  readonly dataSource: DataSource;
  readonly traffic: KeyTrafficSource;
  readonly writer: AlertWriter;
  readonly networkWriter: NetworkAlertWriter;
  readonly baselines: KeyBaselines;
  readonly config?: AnomalyConfig;
  readonly clock?: () => number;
}

function sourcesOf(sources: KeyMinuteSources | undefined): MinuteSources {
  if (sources === undefined) return NO_SOURCES;
  // Countries are not recorded in ClickHouse, so `new_country` is not evaluated here.
  return { networks: networksOf(sources.clientIps), countries: {}, routes: sources.routes };
}

/**
 * Evaluates minutes: reads the per-key minute series of every key active in the look-back window (one grouped
 * ClickHouse query), the newest minute's sources (one more) and its auth failures per client IP (one more, for
 * the per-network burst), the keys' facts from Postgres (one query) and
 * the quota use of keys with a quota (two grouped ClickHouse queries), runs
 * the detectors against each key's baseline, folds the minute into it, and applies the findings to the alerts.
 * A minute is claimed in `alert_evaluations` first: evaluating it again (a retry, a second instance, an
 * explicit call) changes nothing.
 */
export class AlertEvaluator {
  private readonly config: AnomalyConfig;
  private readonly clock: () => number;
  private readonly windowLength: number;
  private readonly networks: NetworkBurstBaselines;

  constructor(private readonly options: AlertEvaluatorOptions) {
    this.config = options.config ?? DEFAULT_ANOMALY_CONFIG;
    this.clock = options.clock ?? Date.now;
    this.windowLength = requiredWindowMinutes(this.config);
    this.networks = new NetworkBurstBaselines(this.config);
  }

  /** The detection config of each customer whose policy overrides thresholds (one query). */
  private async customerConfigs(): Promise<Map<string, AnomalyConfig>> {
    const rows: { customer_id: string; thresholds: ThresholdOverrides }[] =
      await this.options.dataSource.query(
        `SELECT customer_id, thresholds FROM alert_policies WHERE thresholds <> '{}'::jsonb`,
      );
    return new Map(rows.map((row) => [row.customer_id, withThresholdOverrides(this.config, row.thresholds)]));
  }

  async evaluate(minute: EpochMinute): Promise<MinuteEvaluation> {
    const began = this.clock();
    const claimed: unknown[] = await this.options.dataSource.query(
      `INSERT INTO alert_evaluations (minute, started_at) VALUES ($1, $2)
       ON CONFLICT (minute) DO NOTHING RETURNING minute`,
      [minute, new Date(began)],
    );
    const none = { keys: 0, findings: 0, opened: 0, escalated: 0, resolved: 0, actions: 0, warmedUp: 0 };
    if (claimed.length === 0) return { minute, evaluated: false, ...none, elapsedMs: this.clock() - began };
    const { traffic, baselines, writer, dataSource } = this.options;
    const [active, sources, unresolved, authFailures] = await Promise.all([
      traffic.activeKeys(minute - this.windowLength + 1, minute),
      traffic.minuteSources(minute),
      keysWithUnresolvedAlerts(dataSource),
      traffic.authFailuresByIp(minute),
    ]);
    const facts = await readKeyFacts(
      dataSource,
      [...new Set([...active.map((series) => series.keyId), ...unresolved.map((row) => row.keyId)])],
      new Date((minute + 1) * MINUTE_MS),
    );
    const known = active.filter((series) => facts.has(series.keyId));
    const warmedUp = await baselines.warmUp(
      known.map((series) => ({ keyId: series.keyId, customerId: series.customerId })),
      minute,
    );
    const quotas = await readQuotaUsage(
      traffic,
      facts,
      known.map((series) => series.keyId),
      minute,
    );
    const configs = await this.customerConfigs();
    const totals = { ...none, warmedUp };
    const findingsByKey = new Map<string, AnomalyFinding[]>();
    for (const series of known) {
      const baseline = baselines.get(series.keyId)!;
      const window = denseWindow(
        series.keyId,
        series.minutes,
        minute,
        this.windowLength,
        sourcesOf(sources.get(series.keyId)),
      );
      if (baseline.lastMinute === null || baseline.lastMinute < minute) {
        const findings = detectKeyAnomalies(
          {
            window,
            baseline,
            lifecycle: facts.get(series.keyId)!.lifecycle,
            quotas: quotas.get(series.keyId),
            nowMs: (minute + 1) * MINUTE_MS,
          },
          configs.get(series.customerId) ?? this.config,
        );
        if (findings.length > 0) findingsByKey.set(series.keyId, findings);
        totals.findings += findings.length;
      }
      baselines.set(series.keyId, updateKeyBaseline(baseline, window, this.config));
    }
    totals.keys = known.length;
    const toWrite = new Set([...findingsByKey.keys(), ...unresolved.map((row) => row.keyId)]);
    for (const keyId of toWrite) {
      const customerId = facts.get(keyId)?.customerId;
      if (customerId === undefined) continue;
      const changes = await writer.applyMinute(keyId, customerId, minute, findingsByKey.get(keyId) ?? []);
      totals.opened += changes.opened;
      totals.escalated += changes.escalated;
      totals.resolved += changes.resolved;
      totals.actions += changes.actions;
    }
    // Auth-failure bursts per source network, across keys and including unknown keys (credential stuffing).
    const networkFindings = this.networks.evaluate(minute, authFailures);
    totals.findings += networkFindings.size;
    const networkChanges = await this.options.networkWriter.applyMinute(minute, networkFindings);
    totals.opened += networkChanges.opened;
    totals.escalated += networkChanges.escalated;
    totals.resolved += networkChanges.resolved;
    await dataSource.manager.update(
      AlertEvaluationEntity,
      { minute: String(minute) },
      { finishedAt: new Date(this.clock()), keys: totals.keys, findings: totals.findings },
    );
    return { minute, evaluated: true, ...totals, elapsedMs: this.clock() - began };
  }
}
