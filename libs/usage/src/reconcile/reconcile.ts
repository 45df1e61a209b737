import type { ClickHouseClient } from '@clickhouse/client';
import { NOT_A_LANDING_MARK } from '@keymeter/clickhouse';
import { decodeUsageEvent } from '@keymeter/contracts';
import type { EventLog } from '@keymeter/event-log';
import { partitionRanges, readPartitionRanges } from '../topic-range';
import { UsageQueryInputError } from '../usage-query-error';
import { reconcileSample, type SampleReport, type SampledReconcileSettings } from './reconcile-sampled';

/**
 * `exact` reads and checks every record of the log window (refused above maxRecords); `sampled` checks
 * the events of randomly drawn offset windows with a stated confidence; `auto` (the default) is exact
 * when the window holds at most maxRecords records and sampled above.
 */
export type ReconcileMode = 'auto' | 'exact' | 'sampled';

export interface ReconcileOptions {
  readonly eventLog: EventLog;
  readonly client: ClickHouseClient;
  readonly topic: string;
  /** Event-time range to check, [from, to). */
  readonly from: Date;
  readonly to: Date;
  /**
   * How long after `to` an event of the range may still reach the log (gateway buffering, external
   * re-posts). The log is read up to `to + lateWindowMs` by append time. Default 1 day.
   */
  readonly lateWindowMs?: number;
  /** How long before `from` a record of the range may have been appended (clock skew). Default 5 min. */
  readonly skewMs?: number;
  /** Exact mode reads at most this many log records (auto mode samples above it). Default 5 000 000. */
  readonly maxRecords?: number;
  readonly mode?: ReconcileMode;
  /** Window size, confidence, tolerance and seed of the sampled mode. */
  readonly sample?: SampledReconcileSettings;
  /** Most ids listed per category in the report. Default 1000. */
  readonly maxListedIds?: number;
  readonly groupId?: string;
  /** Called after each batch of log records read: records read so far, records in the log window. */
  readonly onProgress?: (read: number, total: number) => void;
}

export interface PartitionReport {
  partition: number;
  /** Offsets read: [fromOffset, toOffset). */
  fromOffset: string;
  toOffset: string;
  records: number;
  /** Valid events whose occurredAt is in the range. */
  eventsInRange: number;
  distinctIdsInRange: number;
  /** Records that are not valid UsageEvents (the ingestor dead-letters them). */
  invalid: number;
}

export interface ReconciliationReport {
  /** exact: every record of the log window checked; sampled: the drawn windows (see `sample`). */
  mode: 'exact' | 'sampled';
  from: string;
  to: string;
  topic: string;
  /** Log append-time window read. */
  logWindow: { from: string; to: string };
  partitions: PartitionReport[];
  log: { records: number; eventsInRange: number; distinctIds: number; resentIds: number; invalid: number };
  clickhouse: {
    /** Rows of usage_events_raw with occurred_at in the range. */
    rawRows: number;
    distinctIds: number;
    /** sum(events) of the minute rollup over the range (equals rawRows when the rollups agree); null when from/to are not whole minutes. */
    rollupEvents: number | null;
  };
  /** Ids in the log (in range) that ClickHouse does not hold. */
  missing: { count: number; ids: string[] };
  /** Ids ClickHouse holds more than once. */
  duplicates: { count: number; ids: string[] };
  /** Ids ClickHouse holds in the range that the log window read does not contain (late beyond the window, or retention). */
  unknownToLog: { count: number; ids: string[] };
  /**
   * Sampled mode only. There `partitions` and `log` describe the drawn windows, `missing` and
   * `duplicates` the ids found in them, `clickhouse` the whole range; `unknownToLog` is not looked for
   * (it needs every id of the log window).
   */
  sample?: SampleReport;
  clean: boolean;
}

/**
 * Compares what the event log holds for an event-time range with what ClickHouse counted. Exact mode
 * reads every record of the log window (bounded by maxRecords), decodes it, and checks its id against
 * usage_events_raw; then lists ids ClickHouse holds twice, ids it lacks, and ids it holds that the log
 * window does not explain. Sampled mode (long ranges) checks the events of randomly drawn offset windows
 * by id and counts duplicate rows over the whole range (reconcile-sampled.ts; docs/usage-queries.md).
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconciliationReport> {
  const { eventLog, client, topic, from, to } = options;
  if (Number.isNaN(from.getTime())) throw UsageQueryInputError.of('from', 'must be a valid date-time');
  if (Number.isNaN(to.getTime())) throw UsageQueryInputError.of('to', 'must be a valid date-time');
  if (to <= from) throw UsageQueryInputError.of('to', 'must be after from');
  const lateWindowMs = options.lateWindowMs ?? 86_400_000;
  const skewMs = options.skewMs ?? 300_000;
  const maxRecords = options.maxRecords ?? 5_000_000;
  const maxListed = options.maxListedIds ?? 1000;
  const logFromMs = from.getTime() - skewMs;
  const logToMs = to.getTime() + lateWindowMs;

  const ranges = await partitionRanges(
    eventLog,
    topic,
    logFromMs,
    logToMs > Date.now() ? undefined : logToMs,
  );
  const total = ranges.reduce((sum, r) => sum + Number(r.to - r.from), 0);
  const mode = options.mode ?? 'auto';
  const groupId = options.groupId ?? `keymeter-reconcile-${Date.now().toString(36)}`;
  const logWindow = {
    from: new Date(logFromMs).toISOString(),
    to: new Date(Math.min(logToMs, Date.now())).toISOString(),
  };
  if (mode === 'sampled' || (mode === 'auto' && total > maxRecords)) {
    checkSampleSettings(options.sample ?? {});
    const found = await reconcileSample({
      eventLog,
      client,
      topic,
      from,
      to,
      ranges,
      groupId,
      settings: options.sample ?? {},
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const { rawRows, rollupEvents } = await clickHouseTotals(client, from, to);
    const missing = [...found.idsInRange].filter((id) => !found.held.has(id)).sort();
    const duplicates = [...found.held]
      .filter(([, n]) => n > 1)
      .map(([id]) => id)
      .sort();
    const partitions = ranges.map((range) => {
      const stats = found.partitionEvents.get(range.partition);
      return {
        partition: range.partition,
        fromOffset: range.from.toString(),
        toOffset: range.to.toString(),
        records: found.partitionRecords.get(range.partition) ?? 0,
        eventsInRange: stats?.events ?? 0,
        distinctIdsInRange: stats?.ids.size ?? 0,
        invalid: stats?.invalid ?? 0,
      };
    });
    return {
      mode: 'sampled',
      from: from.toISOString(),
      to: to.toISOString(),
      topic,
      logWindow,
      partitions,
      log: {
        records: partitions.reduce((s, p) => s + p.records, 0),
        eventsInRange: partitions.reduce((s, p) => s + p.eventsInRange, 0),
        distinctIds: found.idsInRange.size,
        resentIds: found.resent,
        invalid: partitions.reduce((s, p) => s + p.invalid, 0),
      },
      clickhouse: { rawRows, distinctIds: rawRows - found.sample.duplicateRowsInRange, rollupEvents },
      missing: { count: missing.length, ids: missing.slice(0, maxListed) },
      duplicates: { count: duplicates.length, ids: duplicates.slice(0, maxListed) },
      unknownToLog: { count: 0, ids: [] },
      sample: found.sample,
      clean:
        missing.length === 0 &&
        duplicates.length === 0 &&
        found.sample.duplicateRowsInRange === 0 &&
        (rollupEvents === null || rawRows === rollupEvents),
    };
  }
  if (total > maxRecords) {
    throw UsageQueryInputError.of(
      'to',
      `the log window holds ${total} records, more than the limit of ${maxRecords}: reconcile a shorter range, or in sampled mode`,
    );
  }

  const fromMs = from.getTime();
  const toMs = to.getTime();
  const seenOffsets = new Map<number, Set<string>>();
  const reports = new Map<number, PartitionReport>();
  const idsInRange = new Set<string>();
  let resent = 0;
  for (const range of ranges) {
    seenOffsets.set(range.partition, new Set());
    reports.set(range.partition, {
      partition: range.partition,
      fromOffset: range.from.toString(),
      toOffset: range.to.toString(),
      records: 0,
      eventsInRange: 0,
      distinctIdsInRange: 0,
      invalid: 0,
    });
  }
  const partitionIds = new Map<number, Set<string>>();
  let read = 0;
  options.onProgress?.(0, total);
  await readPartitionRanges(eventLog, topic, ranges, groupId, (partition, records) => {
    const seen = seenOffsets.get(partition) as Set<string>;
    const report = reports.get(partition) as PartitionReport;
    const ids = partitionIds.get(partition) ?? new Set<string>();
    partitionIds.set(partition, ids);
    for (const record of records) {
      if (seen.has(record.offset)) continue; // redelivered after a rebalance
      seen.add(record.offset);
      report.records += 1;
      read += 1;
      const decoded = decodeUsageEvent(record.value);
      if (!decoded.ok) {
        report.invalid += 1;
        continue;
      }
      const event = decoded.event;
      const at = Date.parse(event.occurredAt);
      if (at < fromMs || at >= toMs) continue;
      report.eventsInRange += 1;
      if (idsInRange.has(event.id)) resent += 1;
      idsInRange.add(event.id);
      ids.add(event.id);
    }
    options.onProgress?.(read, total);
  });
  for (const [partition, ids] of partitionIds)
    (reports.get(partition) as PartitionReport).distinctIdsInRange = ids.size;

  // ClickHouse side: what it holds in the range, per id.
  const held = new Map<string, number>();
  const stream = await client.query({
    query: `SELECT event_id, toString(count()) AS n FROM usage_events_raw
            WHERE occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')}
              AND ${NOT_A_LANDING_MARK}
            GROUP BY event_id`,
    query_params: { from, to },
    format: 'JSONEachRow',
  });
  for (const row of await stream.json<{ event_id: string; n: string }>())
    held.set(row.event_id, Number(row.n));

  const { rawRows, rollupEvents } = await clickHouseTotals(client, from, to);

  const missing = [...idsInRange].filter((id) => !held.has(id)).sort();
  const duplicates = [...held]
    .filter(([, n]) => n > 1)
    .map(([id]) => id)
    .sort();
  const unknown = [...held.keys()].filter((id) => !idsInRange.has(id)).sort();
  const partitions = [...reports.values()].sort((a, b) => a.partition - b.partition);
  const list = (ids: string[]): { count: number; ids: string[] } => ({
    count: ids.length,
    ids: ids.slice(0, maxListed),
  });
  return {
    mode: 'exact',
    from: from.toISOString(),
    to: to.toISOString(),
    topic,
    logWindow,
    partitions,
    log: {
      records: partitions.reduce((s, p) => s + p.records, 0),
      eventsInRange: partitions.reduce((s, p) => s + p.eventsInRange, 0),
      distinctIds: idsInRange.size,
      resentIds: resent,
      invalid: partitions.reduce((s, p) => s + p.invalid, 0),
    },
    clickhouse: { rawRows, distinctIds: held.size, rollupEvents },
    missing: list(missing),
    duplicates: list(duplicates),
    unknownToLog: list(unknown),
    clean:
      missing.length === 0 &&
      duplicates.length === 0 &&
      unknown.length === 0 &&
      (rollupEvents === null || rawRows === rollupEvents),
  };
}

/** Raw rows in the range and sum(events) of the minute rollup (null unless from/to are whole minutes). */
async function clickHouseTotals(
  client: ClickHouseClient,
  from: Date,
  to: Date,
): Promise<{ rawRows: number; rollupEvents: number | null }> {
  const totals = await (
    await client.query({
      query: `SELECT
                (SELECT toString(count()) FROM usage_events_raw
                 WHERE occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')}
                   AND ${NOT_A_LANDING_MARK}) AS raw_rows,
                (SELECT toString(sum(events)) FROM usage_rollup_minute
                 WHERE bucket >= toStartOfMinute({from:DateTime64(3, 'UTC')}) AND bucket < {to:DateTime64(3, 'UTC')}
                   AND ${NOT_A_LANDING_MARK}) AS rollup_events`,
      query_params: { from, to },
      format: 'JSONEachRow',
    })
  ).json<{ raw_rows: string; rollup_events: string }>();
  const wholeMinutes = from.getTime() % 60_000 === 0 && to.getTime() % 60_000 === 0;
  return {
    rawRows: Number(totals[0]?.raw_rows ?? 0),
    rollupEvents: wholeMinutes ? Number(totals[0]?.rollup_events ?? 0) : null,
  };
}

function checkSampleSettings(settings: SampledReconcileSettings): void {
  const share = (value: number | undefined, field: string): void => {
    if (value !== undefined && !(value > 0 && value < 1)) {
      throw UsageQueryInputError.of(field, 'must be a number between 0 and 1 (exclusive)');
    }
  };
  share(settings.confidence, 'sample.confidence');
  share(settings.tolerance, 'sample.tolerance');
  const size = settings.windowRecords;
  if (size !== undefined && !(Number.isInteger(size) && size >= 1)) {
    throw UsageQueryInputError.of('sample.windowRecords', 'must be a positive integer');
  }
}
