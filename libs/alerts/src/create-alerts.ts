import type { DataSource } from 'typeorm';
import type { ClickHouseHandle } from '@keymeter/clickhouse';
import { DEFAULT_ANOMALY_CONFIG, MINUTES_PER_DAY, type AnomalyConfig } from '@keymeter/domain';
import type { ApiKeyService } from '@keymeter/keys';
import { AlertService } from './alerts/alert.service';
import { AlertWriter } from './alerts/alert-writer';
import { NetworkAlertWriter } from './alerts/network-alert-writer';
import { AlertEvaluator } from './evaluator/alert-evaluator';
import { EvaluationSchedule, type EvaluationScheduleLogger } from './evaluator/evaluation-schedule';
import { KeyBaselines } from './evaluator/key-baselines';
import { ClickHouseKeyTrafficSource } from './traffic/clickhouse-key-traffic-source';
import type { KeyTrafficSource } from './traffic/key-traffic-source';

export interface AlertsOptions {
  readonly dataSource: DataSource;
  /** ClickHouse, or any other source of per-key minute traffic. */
  readonly traffic: ClickHouseHandle | KeyTrafficSource;
  readonly apiKeys: ApiKeyService;
  /** config.alerts */
  readonly settings: {
    readonly evaluationIntervalMs: number;
    readonly evaluationDelayMs: number;
    readonly autoResolveAfterMinutes: number;
    readonly baselineWarmupDays: number;
  };
  readonly logger: EvaluationScheduleLogger;
  readonly anomalyConfig?: AnomalyConfig;
  readonly clock?: () => number;
}

export interface Alerts {
  readonly service: AlertService;
  readonly evaluator: AlertEvaluator;
  readonly schedule: EvaluationSchedule;
}

function isTrafficSource(value: ClickHouseHandle | KeyTrafficSource): value is KeyTrafficSource {
  return 'activeKeys' in value;
}

/** Alerts over one database and one traffic source; `schedule.start()` runs the evaluator on its own. */
export function createAlerts(options: AlertsOptions): Alerts {
  const clock = options.clock ?? Date.now;
  const traffic = isTrafficSource(options.traffic)
    ? options.traffic
    : new ClickHouseKeyTrafficSource(options.traffic);
  const config = options.anomalyConfig ?? DEFAULT_ANOMALY_CONFIG;
  const writer = new AlertWriter(
    options.dataSource,
    options.apiKeys,
    options.settings.autoResolveAfterMinutes * 60_000,
  );
  const evaluator = new AlertEvaluator({
    dataSource: options.dataSource,
    traffic,
    writer,
    networkWriter: new NetworkAlertWriter(
      options.dataSource,
      options.settings.autoResolveAfterMinutes * 60_000,
    ),
    baselines: new KeyBaselines(traffic, options.settings.baselineWarmupDays * MINUTES_PER_DAY, config),
    config,
    clock,
  });
  return {
    service: new AlertService(options.dataSource, options.apiKeys, () => new Date(clock())),
    evaluator,
    schedule: new EvaluationSchedule({
      evaluator,
      intervalMs: options.settings.evaluationIntervalMs,
      delayMs: options.settings.evaluationDelayMs,
      logger: options.logger,
      clock,
    }),
  };
}
