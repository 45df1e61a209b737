import type { ClickHouseClient } from '@clickhouse/client';
import {
  assertDatabaseName,
  NOT_A_LANDING_MARK,
  runClickHouseMigrations,
  type ClickHouseHandle,
} from '@keymeter/clickhouse';
import type { EventLog } from '@keymeter/event-log';
import { ClickHouseIngestStore, IngestionEngine } from '@keymeter/ingestion';
import { createProgress, type ProgressStream } from '@keymeter/platform';
import { partitionRanges, type PartitionRange } from '../topic-range';
import { skipBefore } from './skip-before';

/** The tables a replay rebuilds and swaps; the ingestor's bookkeeping (plans, watermarks) stays live. */
export const REBUILT_TABLES = [
  'usage_event_ids',
  'usage_rollup_minute',
  'usage_rollup_hour',
  'usage_rollup_day',
  'usage_events_raw',
] as const;

export interface TableCounts {
  rawRows: string;
  distinctIds: string;
  requests: string;
  credits: string;
  egressBytes: string;
  /** sum(events) of each rollup. */
  rollupMinuteEvents: string;
  rollupHourEvents: string;
  rollupDayEvents: string;
}

export interface ReplayOptions {
  readonly eventLog: EventLog;
  /** The live database (the one the ingestor and the queries use). */
  readonly live: ClickHouseHandle;
  /** Opens a handle on another database of the same ClickHouse (created if missing). */
  readonly openDatabase: (name: string) => Promise<ClickHouseHandle>;
  readonly topic: string;
  readonly deadLetterTopic: string;
  /** The live ingestor's consumer group: the swap waits until it has committed everything. */
  readonly liveGroupId: string;
  /** Rebuild from the first record appended at or after this time; earlier rows are copied from live. */
  readonly fromTimestamp?: Date;
  readonly lateGraceMs: number;
  readonly maxBatchEvents?: number;
  readonly maxBatchWaitMs?: number;
  /** Swap the rebuilt tables in (default true); false leaves them in the replay database. */
  readonly swap?: boolean;
  /** Swap even when the rebuilt counts differ from the live ones. */
  readonly force?: boolean;
  /** How long to wait for the live ingestor and the replay to reach the log end together. Default 2 min. */
  readonly settleTimeoutMs?: number;
  readonly print?: (line: string) => void;
  /** Where the progress bar goes; default stderr. */
  readonly progressOut?: ProgressStream;
  readonly now?: () => Date;
}

export interface ReplayResult {
  replayDatabase: string;
  groupId: string;
  ranges: { partition: number; from: string; to: string }[];
  seededRows: string;
  live: TableCounts;
  rebuilt: TableCounts;
  countsEqual: boolean;
  swapped: boolean;
  /** The live log end moved during the swap: events may have landed in the old tables. */
  movedDuringSwap: boolean;
}

const quote = (name: string): string => `\`${assertDatabaseName(name)}\``;

export async function tableCounts(client: ClickHouseClient, database: string): Promise<TableCounts> {
  const db = quote(database);
  const rows = await (
    await client.query({
      query: `SELECT
        (SELECT toString(count()) FROM ${db}.usage_events_raw WHERE ${NOT_A_LANDING_MARK}) AS rawRows,
        (SELECT toString(uniqExact(event_id)) FROM ${db}.usage_events_raw WHERE ${NOT_A_LANDING_MARK}) AS distinctIds,
        (SELECT toString(countIf(billable = 1)) FROM ${db}.usage_events_raw) AS requests,
        (SELECT toString(sumIf(units, billable = 1)) FROM ${db}.usage_events_raw) AS credits,
        (SELECT toString(sumIf(response_bytes, billable = 1)) FROM ${db}.usage_events_raw) AS egressBytes,
        (SELECT toString(sum(events)) FROM ${db}.usage_rollup_minute WHERE ${NOT_A_LANDING_MARK}) AS rollupMinuteEvents,
        (SELECT toString(sum(events)) FROM ${db}.usage_rollup_hour WHERE ${NOT_A_LANDING_MARK}) AS rollupHourEvents,
        (SELECT toString(sum(events)) FROM ${db}.usage_rollup_day WHERE ${NOT_A_LANDING_MARK}) AS rollupDayEvents`,
      format: 'JSONEachRow',
    })
  ).json<TableCounts>();
  return rows[0];
}

function sameCounts(a: TableCounts, b: TableCounts): boolean {
  return (Object.keys(a) as (keyof TableCounts)[]).every((name) => a[name] === b[name]);
}

function stamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:T.Z]/g, '')
    .slice(0, 14);
}

async function logEnd(eventLog: EventLog, topic: string): Promise<Map<number, bigint>> {
  return new Map((await eventLog.topicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)]));
}

async function committed(eventLog: EventLog, groupId: string, topic: string): Promise<Map<number, bigint>> {
  return new Map(
    (await eventLog.committedOffsets(groupId, topic)).map((o) => [o.partition, BigInt(o.offset)]),
  );
}

/**
 * Rebuilds the usage tables from the topic into a fresh database (same migrations), through the
 * ingestor's own path (planned batches, range tokens, cross-batch id filter) with a fresh consumer
 * group; waits until both it and the live ingestor have reached the end of the log; compares the counts;
 * then exchanges each rebuilt table with the live one (EXCHANGE TABLES, atomic per table). The views
 * follow table names, so the live database's views feed the rebuilt tables from then on. The old tables
 * are left in the replay database. Design and limits: docs/usage-queries.md, "Replay".
 */
export async function replayUsageTables(options: ReplayOptions): Promise<ReplayResult> {
  const { eventLog, live, topic } = options;
  const print = options.print ?? ((line: string): void => void process.stderr.write(`${line}\n`));
  const now = options.now ?? ((): Date => new Date());
  const id = stamp(now());
  const replayDatabase = `${live.database}_replay_${id}`;
  const groupId = `keymeter-replay-${id}`;
  const ranges: PartitionRange[] = await partitionRanges(
    eventLog,
    topic,
    options.fromTimestamp?.getTime(),
    undefined,
  );
  const total = ranges.reduce((sum, r) => sum + Number(r.to - r.from), 0);
  print(`replay of ${topic} into database ${replayDatabase} (group ${groupId}): ${total} records`);
  for (const r of ranges) print(`  partition ${r.partition}: offsets ${r.from} .. ${r.to}`);

  const replay = await options.openDatabase(replayDatabase);
  let engine: IngestionEngine | undefined;
  try {
    await runClickHouseMigrations(replay);
    let seededRows = '0';
    if (options.fromTimestamp) {
      // Rows from before the replay's start offsets are kept as they are: copied through the views.
      const starts: string[] = [];
      for (const r of ranges) starts[r.partition] = r.from.toString();
      await replay.client.command({
        query: `INSERT INTO ${quote(replayDatabase)}.usage_events_raw
                SELECT * FROM ${quote(live.database)}.usage_events_raw
                WHERE ${NOT_A_LANDING_MARK} AND NOT (source_topic = {topic:String}
                           AND source_offset >= toUInt64OrZero(arrayElement({starts:Array(String)}, source_partition + 1)))`,
        query_params: { topic, starts: starts.map((s) => s ?? '0') },
        clickhouse_settings: { insert_deduplicate: 0, async_insert: 0 },
      });
      seededRows = (await tableCounts(replay.client, replayDatabase)).rawRows;
      print(`seeded ${seededRows} rows from before ${options.fromTimestamp.toISOString()}`);
    }

    const done = new Map<number, bigint>(ranges.map((r) => [r.partition, r.from]));
    const progress = createProgress('replay', { stream: options.progressOut, unit: 'records' });
    const doneCount = (): number =>
      ranges.reduce((sum, r) => {
        const at = done.get(r.partition) ?? r.from;
        return sum + Number((at < r.to ? at : r.to) - r.from);
      }, 0);
    const startOffsets = new Map(ranges.map((r) => [r.partition, r.from]));
    engine = new IngestionEngine({
      eventLog: options.fromTimestamp ? skipBefore(eventLog, startOffsets) : eventLog,
      store: new ClickHouseIngestStore(replay.client),
      topic,
      groupId,
      deadLetterTopic: options.deadLetterTopic,
      maxBatchEvents: options.maxBatchEvents ?? 5000,
      maxBatchWaitMs: options.maxBatchWaitMs ?? 200,
      lateGraceMs: options.lateGraceMs,
      onBatchCommitted: (batch) => {
        done.set(batch.partition, batch.lastOffset + 1n);
        progress.update(doneCount(), total);
      },
    });
    // Invalid records go to the dead-letter topic again (same reason and source headers): DLQ readers
    // tell repeats apart by dlq-source-partition/offset.
    await engine.start();

    const reached = (targets: Map<number, bigint>): boolean =>
      [...targets].every(
        ([partition, end]) =>
          (done.get(partition) ?? 0n) >= end || end <= (startOffsets.get(partition) ?? 0n),
      );
    const deadline = Date.now() + (options.settleTimeoutMs ?? 120_000);
    let settledEnd: Map<number, bigint> | undefined;
    // Replay to the log end as it was; then until the replay and the live group meet at one log end.
    for (;;) {
      const end = await logEnd(eventLog, topic);
      const liveDone = await committed(eventLog, options.liveGroupId, topic);
      const liveCaughtUp = [...end].every(([p, high]) => high === 0n || (liveDone.get(p) ?? -1n) >= high);
      if (reached(end) && liveCaughtUp) {
        settledEnd = end;
        break;
      }
      if (reached(new Map(ranges.map((r) => [r.partition, r.to]))) && Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    progress.update(doneCount(), total);
    progress.finish();
    await engine.stop();
    engine = undefined;
    if (!settledEnd) {
      throw new Error(
        `replay: the live ingestor (group ${options.liveGroupId}) and the replay did not reach the same log end ` +
          `within the settle timeout (events still arriving, or the ingestor is not running); ` +
          `the rebuilt tables are in ${replayDatabase}, nothing was swapped`,
      );
    }

    const liveCounts = await tableCounts(live.client, live.database);
    const rebuilt = await tableCounts(replay.client, replayDatabase);
    print(`live:    ${JSON.stringify(liveCounts)}`);
    print(`rebuilt: ${JSON.stringify(rebuilt)}`);
    const countsEqual = sameCounts(liveCounts, rebuilt);
    print(countsEqual ? 'counts are equal' : 'counts DIFFER');
    const result: ReplayResult = {
      replayDatabase,
      groupId,
      ranges: ranges.map((r) => ({ partition: r.partition, from: r.from.toString(), to: r.to.toString() })),
      seededRows,
      live: liveCounts,
      rebuilt,
      countsEqual,
      swapped: false,
      movedDuringSwap: false,
    };
    if (options.swap === false) return result;
    if (!countsEqual && !options.force) {
      print(
        `not swapped: counts differ (rerun with --force to swap anyway); rebuilt tables are in ${replayDatabase}`,
      );
      return result;
    }
    for (const table of REBUILT_TABLES) {
      await live.client.command({
        query: `EXCHANGE TABLES ${quote(live.database)}.${table} AND ${quote(replayDatabase)}.${table}`,
      });
    }
    const after = await logEnd(eventLog, topic);
    result.swapped = true;
    result.movedDuringSwap = [...after].some(([p, high]) => high !== settledEnd.get(p));
    print(
      `swapped ${REBUILT_TABLES.join(', ')}; the previous tables are in ${replayDatabase} (DROP DATABASE when no longer needed)`,
    );
    if (result.movedDuringSwap) {
      print('warning: records were appended during the swap; run reconcile over the latest range');
    }
    return result;
  } finally {
    await engine?.stop().catch(() => undefined);
    await replay.close();
  }
}
