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
  type KeyQuotaUsage,
  type MinuteSources,
  type ThresholdOverrides,
} from '@keymeter/domain';
import { keysWithUnresolvedAlerts, type AlertWriter } from '../alerts/alert-writer';
import type { NetworkAlertWriter } from '../alerts/network-alert-writer';
import type {
  KeyMinuteSeries,
  KeyMinuteSources,
  KeyRef,
  KeyTrafficSource,
} from '../traffic/key-traffic-source';
import { KeyBaselines, denseWindow, networksOf } from './key-baselines';
import { readKeyFacts, type KeyFacts } from './key-lifecycles';
import { NetworkBurstBaselines } from './network-bursts';
import { readQuotaUsage } from './quota-usage';
import { readRangeInputs } from './range-inputs';

/** What an evaluation did, counted over its minutes. */
export interface EvaluationCounts {
  /** Keys evaluated (key-minutes, over a range). */
  readonly keys: number;
  readonly findings: number;
  readonly opened: number;
  readonly escalated: number;
  readonly resolved: number;
  readonly actions: number;
  /** Keys whose baseline was built from ClickHouse history in this evaluation. */
  readonly warmedUp: number;
}

/** The outcome of evaluating one minute. */
export interface MinuteEvaluation extends EvaluationCounts {
  readonly minute: EpochMinute;
  /** False when the minute had been evaluated before: nothing was done. */
  readonly evaluated: boolean;
  readonly elapsedMs: number;
}

/** The outcome of evaluating a range of minutes (`evaluateRange`). */
export interface RangeEvaluation extends EvaluationCounts {
  readonly fromMinute: EpochMinute;
  readonly toMinute: EpochMinute;
  /** Minutes claimed and evaluated. */
  readonly evaluated: number;
  /** Minutes evaluated before (claimed by someone else): left alone. */
  readonly skipped: number;
  readonly elapsedMs: number;
}

export interface RangeEvaluationOptions {
  /** Minutes read per round of grouped queries (default 240): bounds what one round holds in memory. */
  readonly chunkMinutes?: number;
  /** Called after each evaluated minute (progress). */
  readonly onMinute?: (evaluation: MinuteEvaluation) => void;
}

/**
 * Everything one minute's evaluation reads. The live path reads it per minute (`evaluate`); a range
 * (`evaluateRange`) reads it for many minutes at once and hands out each minute's share. Either way the same
 * step (`evaluateMinute`) runs on it, so both give the same alerts on the same data.
 */
export interface MinuteInputs {
  /**
   * Every key with a call in the look-back window ending at the minute (its minutes may cover more). The live
   * path reads the window's older minutes with their calls only (`KeyMinuteSeries.countsFrom`).
   */
  readonly active: readonly KeyMinuteSeries[];
  /** The minute's client IPs and routes per key. */
  readonly sources: ReadonlyMap<string, KeyMinuteSources>;
  /** Keys with an unresolved alert (evaluated even without traffic, so their alerts can resolve). */
  readonly unresolved: readonly KeyRef[];
  /** The minute's rejected authentications per client IP (per-network bursts). */
  readonly authFailures: Readonly<Record<string, number>>;
  /** Facts as of the minute's end of the active and unresolved keys (issued keys only). */
  readonly facts: ReadonlyMap<string, KeyFacts>;
  /** Detection configs of customers whose policy overrides thresholds. */
  readonly configs: ReadonlyMap<string, AnomalyConfig>;
  /** Quota usage as of the minute's end of the given keys with a quota. */
  readonly quotas: (keyIds: readonly string[]) => Promise<Map<string, KeyQuotaUsage>>;
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

/**
 * Minutes of the look-back the detectors read more than calls of: the look-back without the low-rate drop
 * check's windows, which sum calls only (`detectLowRateTrafficDrop`); what is left (every other detector's
 * window) is the same for every customer, as overrides do not change window lengths.
 */
function detailWindowMinutes(config: AnomalyConfig): number {
  const { traffic } = config;
  return requiredWindowMinutes({
    ...config,
    traffic: { ...traffic, lowRateDrop: { ...traffic.lowRateDrop, windowsMinutes: [] } },
  });
}

function sourcesOf(sources: KeyMinuteSources | undefined): MinuteSources {
  if (sources === undefined) return NO_SOURCES;
  return {
    networks: networksOf(sources.clientIps),
    countries: sources.countries ?? NO_SOURCES.countries,
    routes: sources.routes,
  };
}

/**
 * Evaluates minutes: reads the per-key minute series of every key active in the look-back window (one grouped
 * ClickHouse query; full counts for the newest `detailWindowMinutes`, calls only before them), the newest
 * minute's sources (one more) and its auth failures per client IP (one more, for
 * the per-network burst), the keys' facts from Postgres (one query) and
 * the quota use of keys with a quota (two grouped ClickHouse queries), runs
 * the detectors against each key's baseline, folds the minute into it, and applies the findings to the alerts.
 * A baseline that folds minutes read with calls only (the evaluator skipped half an hour or more while the
 * process kept its baselines, or calls arrived late) gets those minutes read again in full first, so the folds
 * and findings are those of a full read.
 * A minute is claimed in `alert_evaluations` first: evaluating it again (a retry, a second instance, an
 * explicit call) changes nothing. `evaluateRange` catches up many minutes (after the billing app was down)
 * with the same reads made once per chunk of minutes, then the same step minute by minute.
 */
export class AlertEvaluator {
  private readonly config: AnomalyConfig;
  private readonly clock: () => number;
  private readonly windowLength: number;
  /** The newest minutes of the look-back read with all their counts on the live path (the rest: calls only). */
  private readonly detailLength: number;
  private readonly networks: NetworkBurstBaselines;

  constructor(private readonly options: AlertEvaluatorOptions) {
    this.config = options.config ?? DEFAULT_ANOMALY_CONFIG;
    this.clock = options.clock ?? Date.now;
    this.windowLength = requiredWindowMinutes(this.config);
    this.detailLength = Math.min(this.windowLength, detailWindowMinutes(this.config));
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
    if (claimed.length === 0) return { minute, evaluated: false, ...NONE, elapsedMs: this.clock() - began };
    const totals = await this.evaluateMinute(minute, await this.readMinute(minute));
    await this.options.dataSource.manager.update(
      AlertEvaluationEntity,
      { minute: String(minute) },
      { finishedAt: new Date(this.clock()), keys: totals.keys, findings: totals.findings },
    );
    return { minute, evaluated: true, ...totals, elapsedMs: this.clock() - began };
  }

  /** The newest minute at or before `atOrBefore` that was claimed for evaluation, or null (one query). */
  async latestEvaluatedMinute(atOrBefore: EpochMinute): Promise<EpochMinute | null> {
    const [row]: { minute: string | null }[] = await this.options.dataSource.query(
      'SELECT max(minute) AS minute FROM alert_evaluations WHERE minute <= $1',
      [atOrBefore],
    );
    return row?.minute === null || row?.minute === undefined ? null : Number(row.minute);
  }

  /**
   * Evaluates every minute of `[fromMinute, toMinute]` not evaluated yet, oldest first: per chunk of minutes,
   * claims them in one statement, reads the keys' minute series, sources, auth failures, facts and quota
   * use with a few grouped queries for the whole chunk, then runs the same step as `evaluate` minute by
   * minute. Gives the alerts `evaluate` would have given minute after minute on the same data.
   */
  async evaluateRange(
    fromMinute: EpochMinute,
    toMinute: EpochMinute,
    options: RangeEvaluationOptions = {},
  ): Promise<RangeEvaluation> {
    const began = this.clock();
    const chunkMinutes = Math.max(1, Math.floor(options.chunkMinutes ?? DEFAULT_CHUNK_MINUTES));
    const totals = { ...NONE, evaluated: 0, skipped: 0 };
    const { dataSource } = this.options;
    for (let chunkStart = fromMinute; chunkStart <= toMinute; chunkStart += chunkMinutes) {
      const chunkEnd = Math.min(toMinute, chunkStart + chunkMinutes - 1);
      const claimedRows: { minute: string }[] = await dataSource.query(
        `INSERT INTO alert_evaluations (minute, started_at)
         SELECT m, $3 FROM generate_series($1::bigint, $2::bigint) AS m
         ON CONFLICT (minute) DO NOTHING RETURNING minute`,
        [chunkStart, chunkEnd, new Date(this.clock())],
      );
      const claimed = claimedRows.map((row) => Number(row.minute)).sort((a, b) => a - b);
      totals.skipped += chunkEnd - chunkStart + 1 - claimed.length;
      if (claimed.length === 0) continue;
      const inputs = await readRangeInputs({
        dataSource,
        traffic: this.options.traffic,
        fromMinute: chunkStart,
        toMinute: chunkEnd,
        windowLength: this.windowLength,
        configs: await this.customerConfigs(),
      });
      const finished: { minute: number; keys: number; findings: number }[] = [];
      for (const minute of claimed) {
        const minuteBegan = this.clock();
        const result = await this.evaluateMinute(minute, await inputs.at(minute));
        inputs.afterMinute(result);
        finished.push({ minute, keys: result.keys, findings: result.findings });
        totals.evaluated += 1;
        for (const name of COUNTED) totals[name] += result[name];
        options.onMinute?.({ minute, evaluated: true, ...result, elapsedMs: this.clock() - minuteBegan });
      }
      await dataSource.query(
        `UPDATE alert_evaluations e SET finished_at = $1, keys = v.keys, findings = v.findings
           FROM unnest($2::bigint[], $3::integer[], $4::integer[]) AS v(minute, keys, findings)
          WHERE e.minute = v.minute`,
        [
          new Date(this.clock()),
          finished.map((row) => row.minute),
          finished.map((row) => row.keys),
          finished.map((row) => row.findings),
        ],
      );
    }
    return { fromMinute, toMinute, ...totals, elapsedMs: this.clock() - began };
  }

  /**
   * The live path's reads for one minute: five ClickHouse and three Postgres queries, whatever the keys (one
   * more when baselines fold minutes read with calls only, see `withFoldedCounts`).
   */
  private async readMinute(minute: EpochMinute): Promise<MinuteInputs> {
    const { traffic, dataSource } = this.options;
    const [active, sources, unresolved, authFailures] = await Promise.all([
      traffic.activeKeys(minute - this.windowLength + 1, minute, minute - this.detailLength + 1),
      traffic.minuteSources(minute),
      keysWithUnresolvedAlerts(dataSource),
      traffic.authFailuresByIp(minute),
    ]);
    const facts = await readKeyFacts(
      dataSource,
      [...new Set([...active.map((series) => series.keyId), ...unresolved.map((row) => row.keyId)])],
      new Date((minute + 1) * MINUTE_MS),
    );
    return {
      active,
      sources,
      unresolved,
      authFailures,
      facts,
      configs: await this.customerConfigs(),
      quotas: (keyIds) => readQuotaUsage(traffic, facts, keyIds, minute),
    };
  }

  /**
   * The series whose baseline folds minutes with calls that were read with calls only (before the series'
   * `countsFrom`), read again with all their counts over those minutes (one grouped query for all of them):
   * the folds need every counter of every minute they add. A key whose baseline is up to date folds only the
   * minute itself; one silent for the rest of the look-back folds silent minutes (zero whatever was read), so
   * this reads only after the evaluator skipped `detailLength` minutes or more while it kept its baselines,
   * or when calls arrived late.
   */
  private async withFoldedCounts(
    series: readonly KeyMinuteSeries[],
    minute: EpochMinute,
  ): Promise<readonly KeyMinuteSeries[]> {
    /** Per key: the minutes to read again, `[first folded, countsFrom)`. */
    const stale = new Map<string, readonly [EpochMinute, EpochMinute]>();
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const entry of series) {
      if (entry.countsFrom === undefined) continue;
      const lastMinute = this.options.baselines.get(entry.keyId)?.lastMinute ?? null;
      const folded = firstFolded(lastMinute, minute, this.windowLength);
      if (folded >= entry.countsFrom) continue;
      for (const [at, counts] of entry.minutes) {
        if (at >= folded && at < entry.countsFrom && counts.requests > 0) {
          stale.set(entry.keyId, [folded, entry.countsFrom]);
          from = Math.min(from, folded);
          to = Math.max(to, entry.countsFrom - 1);
          break;
        }
      }
    }
    if (stale.size === 0) return series;
    const full = new Map(
      (await this.options.traffic.activeKeys(from, to)).map((entry) => [entry.keyId, entry.minutes]),
    );
    return series.map((entry) => {
      const span = stale.get(entry.keyId);
      if (span === undefined) return entry;
      const [first, countsFrom] = span;
      const within = (at: EpochMinute): boolean => at >= first && at < countsFrom;
      const minutes = new Map([...entry.minutes].filter(([at]) => !within(at)));
      for (const [at, counts] of full.get(entry.keyId) ?? []) {
        if (within(at)) minutes.set(at, counts);
      }
      return { keyId: entry.keyId, customerId: entry.customerId, minutes, countsFrom: first };
    });
  }

  /** One minute's step on its inputs: detect and fold per key, then the alert lifecycle and network bursts. */
  private async evaluateMinute(minute: EpochMinute, inputs: MinuteInputs): Promise<MinuteTotals> {
    const { baselines, writer } = this.options;
    const { active, sources, unresolved, authFailures, facts, configs } = inputs;
    const activeKnown = active.filter((series) => facts.has(series.keyId));
    const warmedUp = await baselines.warmUp(
      activeKnown.map((series) => ({ keyId: series.keyId, customerId: series.customerId })),
      minute,
    );
    const known = await this.withFoldedCounts(activeKnown, minute);
    const quotas = await inputs.quotas(known.map((series) => series.keyId));
    const totals: MinuteTotals = { ...NONE, warmedUp };
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
    return totals;
  }
}

/** The first minute `updateKeyBaseline` folds for this window: after the last one folded, within the window. */
function firstFolded(lastMinute: EpochMinute | null, minute: EpochMinute, windowLength: number): EpochMinute {
  return lastMinute === null ? minute : Math.max(lastMinute + 1, minute - windowLength + 1);
}

type MinuteTotals = { -readonly [K in keyof EvaluationCounts]: number };

const NONE: Readonly<MinuteTotals> = {
  keys: 0,
  findings: 0,
  opened: 0,
  escalated: 0,
  resolved: 0,
  actions: 0,
  warmedUp: 0,
};

const COUNTED = Object.keys(NONE) as (keyof MinuteTotals)[];

const DEFAULT_CHUNK_MINUTES = 240;
