import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { LANDING_MARK_CUSTOMER } from '@keymeter/clickhouse';
import { describeRange, type BatchRange } from './batch-range';
import type { LandingRepair } from './ingest-store';
import { distinctDays, landingMarkKey, landingMarksBody, landingMarkTag } from './landing-marks';
import { RAW_EVENT_COLUMNS } from './raw-event-body';
import { keepRows, type RawEventBody } from './raw-event-body-writer';
import { DAY_MS, dayKey, dayStartText, utcDate } from './utc-day';

const RAW_TABLE = 'usage_events_raw';
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A table an insert into usage_events_raw writes: the raw table itself or the target of one of its views. */
interface LandingTable {
  readonly name: string;
  /** The view's SELECT (reading `<db>.usage_events_raw`); undefined for the raw table. */
  readonly select: string | undefined;
  /**
   * How the table shows a mark. `row`: one row per mark, found by its tag in `event_id` (the raw table, the id
   * set). `count`: a SummingMergeTree, where a partition's marks of a day add up in one row (`markColumn` is the
   * partition's mark key, `countColumn` the number of batches).
   */
  readonly kind: 'row' | 'count';
  readonly markColumn: string;
  readonly countColumn: string | undefined;
  readonly hasCustomer: boolean;
  readonly hasBucket: boolean;
  /** A `row` table with the key and event time too (the raw table): they narrow the lookup further. */
  readonly hasKeyAndTime: boolean;
  /**
   * Days a row is kept after its bucket (`TTL bucket + INTERVAL n DAY`): a day older than that may have been
   * dropped for good, so it is not checked (nothing would keep a repair either). Undefined: kept for ever.
   */
  readonly keepDays: number | undefined;
}

/** `TTL bucket + toIntervalDay(2)` in a table's engine_full gives 2. */
function keepDaysOf(engineFull: string): number | undefined {
  const days = /\bTTL bucket \+ toIntervalDay\((\d+)\)/.exec(engineFull)?.[1];
  return days === undefined ? undefined : Number(days);
}

function identifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name))
    throw new Error(`landing check: unexpected ${what} name ${JSON.stringify(name)}`);
  return `\`${name}\``;
}

/** How a table shows marks (see `LandingTable.kind`); undefined when it cannot hold them. */
function markingOf(
  columns: ReadonlySet<string>,
  engineFull: string,
): Pick<LandingTable, 'kind' | 'markColumn' | 'countColumn'> | undefined {
  if (!engineFull.startsWith('SummingMergeTree')) {
    return columns.has('event_id')
      ? { kind: 'row', markColumn: 'event_id', countColumn: undefined }
      : undefined;
  }
  const markColumn = ['key_id', 'client_ip'].find((column) => columns.has(column));
  const countColumn = ['events', 'failures'].find((column) => columns.has(column));
  return markColumn && countColumn ? { kind: 'count', markColumn, countColumn } : undefined;
}

/**
 * Makes sure a batch that may have been inserted before is in every table exactly once (docs/ingestor.md,
 * "Landing marks"). Reads which tables hold the batch's marks; for a table lacking some days, writes those
 * days' rows into that table alone: the raw table through a staging copy attached partition by partition (no
 * view fires), a view's table through a temporary copy of the view on the staging table. Then checks again.
 */
export class LandingRepairer {
  constructor(private readonly client: ClickHouseClient) {}

  async complete(body: RawEventBody, range: BatchRange): Promise<LandingRepair[]> {
    if (body.rowCount === 0) return [];
    const days = distinctDays(body.rowDays);
    const { database, tables } = await this.landingTables();
    const missing = await this.missingDays(database, tables, range, days);
    if (missing.size === 0) return [];
    // The raw table first: the summing tables are compared with its count of the partition's marks.
    const order = [...missing].sort(([a], [b]) => Number(b === RAW_TABLE) - Number(a === RAW_TABLE));
    for (const [name, lacking] of order) {
      const table = tables.find((candidate) => candidate.name === name) as LandingTable;
      await this.repair(database, table, body, range, lacking);
    }
    // A repair that returned is committed; a table still lacking a mark means something is wrong with it.
    const still = await this.missingDays(database, tables, range, days);
    if (still.size > 0) {
      const lacking = [...still].map(([table, lack]) => `${table} (${lack.map(dayKey).join(', ')})`);
      throw new Error(`${describeRange(range)}: ${lacking.join('; ')} still lack the batch after its repair`);
    }
    return [...missing].map(([table, lacking]) => ({ table, days: lacking.map(dayKey) }));
  }

  /** The raw table and the target of every materialized view reading it, with the columns marks are found by. */
  private async landingTables(): Promise<{ database: string; tables: LandingTable[] }> {
    const [{ database, views }] = await this.rows<{ database: string; views: string[] }>(
      `SELECT currentDatabase() AS database, dependencies_table AS views FROM system.tables
       WHERE database = currentDatabase() AND name = {raw:String}`,
      { raw: RAW_TABLE },
    );
    const definitions = await this.rows<{ name: string; as_select: string; create_table_query: string }>(
      `SELECT name, as_select, create_table_query FROM system.tables
       WHERE database = currentDatabase() AND name IN {views:Array(String)}`,
      { views },
    );
    const source = `FROM ${database}.${RAW_TABLE}`;
    const targets = new Map<string, string | undefined>([[RAW_TABLE, undefined]]);
    for (const name of views) {
      // Every view on the raw table takes part: one whose text cannot be read stops the check, never skipped.
      const view = definitions.find((definition) => definition.name === name);
      if (view?.as_select.split(source).length !== 2) {
        throw new Error(`landing check: view ${name} does not read ${RAW_TABLE} once as "${source}"`);
      }
      const target = /\bTO\s+(?:`?\w+`?\.)?`?(\w+)`?/.exec(view.create_table_query)?.[1];
      if (target === undefined) throw new Error(`landing check: view ${name} has no TO table`);
      targets.set(target, view.as_select);
    }
    const names = { tables: [...targets.keys()] };
    const columns = await this.rows<{ table: string; name: string }>(
      `SELECT table, name FROM system.columns WHERE database = currentDatabase() AND table IN {tables:Array(String)}`,
      names,
    );
    const engines = await this.rows<{ name: string; engine_full: string }>(
      `SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() AND name IN {tables:Array(String)}`,
      names,
    );
    const tables = [...targets].map(([name, select]): LandingTable => {
      const own = new Set(columns.filter((column) => column.table === name).map((column) => column.name));
      const engine = engines.find((table) => table.name === name)?.engine_full ?? '';
      const marking = markingOf(own, engine);
      if (marking === undefined) {
        throw new Error(
          `landing check: ${name} cannot show landing marks (needs event_id, or key_id or client_ip with events or failures)`,
        );
      }
      return {
        name,
        select,
        ...marking,
        hasCustomer: own.has('customer_id'),
        hasBucket: own.has('bucket'),
        hasKeyAndTime: marking.kind === 'row' && own.has('key_id') && own.has('occurred_at'),
        keepDays: keepDaysOf(engine),
      };
    });
    return { database, tables };
  }

  /**
   * Per table, the days of the batch it lacks (tables lacking none are left out), in one query for all tables.
   * A `row` table lacks a day when the batch's mark of that day is not there. A `count` table lacks it when it
   * counts one batch fewer of the partition on that day than the raw table holds marks: the batches of a partition
   * are inserted one after another and each was complete (acknowledged, or checked like this one) before the
   * next began, so this batch is the only one that can be missing. The raw table is checked by its own rows and
   * repaired first, so its count includes this batch. Any other difference is refused rather than guessed at.
   */
  private async missingDays(
    database: string,
    tables: readonly LandingTable[],
    range: BatchRange,
    days: readonly number[],
  ): Promise<Map<string, number[]>> {
    const lookups = tables.map((table, index) => {
      const column = identifier(table.markColumn, 'column');
      const where = [table.kind === 'row' ? `${column} IN {tags:Array(String)}` : `${column} = {key:String}`];
      // The customer and the day's first instant bound every lookup to a primary-key range of a few rows.
      if (table.hasCustomer) where.push(`customer_id = {markCustomer:String}`);
      if (table.hasBucket) where.push(`bucket IN {dayStarts:Array(DateTime('UTC'))}`);
      if (table.hasKeyAndTime) {
        where.push(`key_id = {key:String}`, `occurred_at IN {dayStarts:Array(DateTime64(3, 'UTC'))}`);
      }
      const from = `${identifier(database, 'database')}.${identifier(table.name, 'table')}`;
      return table.kind === 'row'
        ? `SELECT ${index} AS table_index, ${column} AS mark, toUInt64(count()) AS n
           FROM ${from} WHERE ${where.join(' AND ')} GROUP BY mark`
        : `SELECT ${index} AS table_index, toString(toDate(bucket)) AS mark,
                  toUInt64(sum(${identifier(table.countColumn as string, 'column')})) AS n
           FROM ${from} WHERE ${where.join(' AND ')} GROUP BY mark`;
    });
    const rawIndex = tables.findIndex((table) => table.name === RAW_TABLE);
    // The raw table's count of the partition's marks per day: what every summing table must count too.
    lookups.push(`SELECT -1 AS table_index, toString(toDate(occurred_at)) AS mark, toUInt64(count()) AS n
                  FROM ${identifier(database, 'database')}.${identifier(RAW_TABLE, 'table')}
                  WHERE customer_id = {markCustomer:String} AND key_id = {key:String}
                    AND occurred_at IN {dayStarts:Array(DateTime64(3, 'UTC'))} GROUP BY mark`);
    const tags = days.map((day) => landingMarkTag(range, day));
    const found = await this.rows<{ table_index: number; mark: string; n: string }>(
      lookups.join('\nUNION ALL\n'),
      {
        tags,
        key: landingMarkKey(range),
        markCustomer: LANDING_MARK_CUSTOMER,
        dayStarts: days.map(dayStartText),
      },
    );
    const of = (index: number): Map<string, number> =>
      new Map(
        found.filter((row) => Number(row.table_index) === index).map((row) => [row.mark, Number(row.n)]),
      );
    const rawCounts = of(-1);
    const rawTags = of(rawIndex);
    const missing = new Map<string, number[]>();
    const now = Date.now();
    tables.forEach((table, index) => {
      const present = of(index);
      const lacking = days.filter((day, dayIndex) => {
        if (table.keepDays !== undefined && now >= (day + table.keepDays) * DAY_MS) return false;
        if (table.kind === 'row') return !present.has(tags[dayIndex]);
        const date = utcDate(day);
        // The raw table's count once its own repair is done: with this batch's mark in it.
        const expected = (rawCounts.get(date) ?? 0) + (rawTags.has(tags[dayIndex]) ? 0 : 1);
        const counted = present.get(date) ?? 0;
        if (counted === expected) return false;
        if (counted === expected - 1) return true;
        throw new Error(
          `landing check: ${table.name} counts ${counted} batches of ${landingMarkKey(range)} on ${date} where ` +
            `${RAW_TABLE} holds ${expected}; not repaired (only this batch can be missing)`,
        );
      });
      if (lacking.length > 0) missing.set(table.name, lacking);
    });
    return missing;
  }

  /** Writes the rows and marks of `days` into `table` alone. */
  private async repair(
    database: string,
    table: LandingTable,
    body: RawEventBody,
    range: BatchRange,
    days: readonly number[],
  ): Promise<void> {
    const wanted = new Set(days);
    const rows = keepRows(body, (index) => wanted.has(body.rowDays[index]));
    const values = Buffer.concat([rows.bytes, landingMarksBody(range, days)]);
    const db = identifier(database, 'database');
    const stagingName = stagingNameOf(range);
    const staging = `${db}.${identifier(stagingName, 'staging table')}`;
    const stagingView = `${db}.${identifier(`${stagingName}_view`, 'staging view')}`;
    const dropStaging = async (): Promise<void> => {
      await this.client.command({ query: `DROP TABLE IF EXISTS ${stagingView} SYNC` });
      await this.client.command({ query: `DROP TABLE IF EXISTS ${staging} SYNC` });
    };
    await dropStaging(); // left over by a repair that was killed
    await this.client.command({
      query: `CREATE TABLE ${staging} AS ${db}.${identifier(RAW_TABLE, 'table')}`,
    });
    try {
      if (table.select === undefined) {
        await this.insertStaging(stagingName, values);
        const partitions = await this.rows<{ id: string }>(
          `SELECT DISTINCT _partition_id AS id FROM ${staging}`,
        );
        for (const { id } of partitions) {
          if (!/^\w+$/.test(id))
            throw new Error(`landing check: unexpected partition id ${JSON.stringify(id)}`);
          await this.client.command({
            query: `ALTER TABLE ${db}.${identifier(RAW_TABLE, 'table')} ATTACH PARTITION ID '${id}' FROM ${staging}`,
          });
        }
      } else {
        const select = table.select.split(`FROM ${database}.${RAW_TABLE}`).join(`FROM ${staging}`);
        await this.assertViewKeepsMarks(stagingName, select, table, range, days);
        await this.client.command({
          query: `CREATE MATERIALIZED VIEW ${stagingView} TO ${db}.${identifier(table.name, 'table')} AS ${select}`,
        });
        await this.insertStaging(stagingName, values);
      }
    } finally {
      await dropStaging();
    }
  }

  /**
   * Runs the view's query over the marks alone (in the empty staging table) and refuses to repair a table whose
   * view drops them: its table would never show the batch as landed, and each retry would write it once more.
   */
  private async assertViewKeepsMarks(
    stagingName: string,
    select: string,
    table: LandingTable,
    range: BatchRange,
    days: readonly number[],
  ): Promise<void> {
    await this.insertStaging(stagingName, landingMarksBody(range, days));
    const column = identifier(table.markColumn, 'column');
    const marks =
      table.kind === 'row' ? days.map((day) => landingMarkTag(range, day)) : [landingMarkKey(range)];
    const [{ kept }] = await this.rows<{ kept: string }>(
      `SELECT toString(count()) AS kept FROM (${select}) WHERE ${column} IN {marks:Array(String)}`,
      { marks },
    );
    await this.client.command({ query: `TRUNCATE TABLE ${identifier(stagingName, 'staging table')}` });
    if (Number(kept) !== days.length) {
      throw new Error(
        `landing check: the view filling ${table.name} drops landing marks, so it cannot be checked or repaired`,
      );
    }
  }

  /**
   * Inserts rows into the staging table (in the client's database, as every table here). No token: the marks
   * were read just before, and only the owner of the partition repairs its ranges.
   */
  private async insertStaging(staging: string, values: Buffer): Promise<void> {
    await this.client.insert({
      table: staging,
      columns: [...RAW_EVENT_COLUMNS],
      values: Readable.from([values], { objectMode: false }),
      format: 'TabSeparated',
      clickhouse_settings: { insert_deduplicate: 0, async_insert: 0 },
    });
  }

  private async rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    const result = await this.client.query({ query, query_params: params, format: 'JSONEachRow' });
    return result.json<T>();
  }
}

/** The staging table of a range's repair (a name of its own per range; one repair runs per range at a time). */
function stagingNameOf(range: BatchRange): string {
  let hash = 0x811c9dc5;
  for (const char of range.topic) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return `landing_repair_${hash.toString(16)}_${range.partition}_${range.firstOffset}`;
}
