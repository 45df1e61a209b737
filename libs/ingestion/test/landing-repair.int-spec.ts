import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  IP_NOT_A_LANDING_MARK,
  KEY_NOT_A_LANDING_MARK,
  NOT_A_LANDING_MARK,
  openClickHouse,
  runClickHouseMigrations,
  type ClickHouseHandle,
} from '@keymeter/clickhouse';
import {
  ClickHouseIngestStore,
  landingMarkTag,
  rawEventBodyOf,
  type BatchRange,
  type RawEventRow,
} from '../src';

const DAY_MS = 86_400_000;
const TODAY = Math.floor(Date.now() / DAY_MS);

/**
 * Every table an insert into usage_events_raw writes, with how a batch's mark is found in it: by its tag (one row
 * per mark) or by the partition's mark key (summing tables, where a partition's marks of a day add up).
 */
const TABLES = [
  ['usage_events_raw', 'event_id'],
  ['usage_rollup_minute', 'key_id'],
  ['usage_rollup_hour', 'key_id'],
  ['usage_rollup_day', 'key_id'],
  ['usage_event_ids', 'event_id'],
  ['key_activity_minute', 'key_id'],
  ['auth_failures_minute', 'client_ip'],
  ['key_country_minute', 'key_id'],
] as const;

/** What a reader sees in each table, landing marks left out. */
async function tableTotals(handle: ClickHouseHandle): Promise<Record<string, string>> {
  const result = await handle.client.query({
    query: `SELECT
      (SELECT toString(count()) FROM usage_events_raw WHERE ${NOT_A_LANDING_MARK}) AS usage_events_raw,
      (SELECT toString(sum(events)) FROM usage_rollup_minute WHERE ${NOT_A_LANDING_MARK}) AS usage_rollup_minute,
      (SELECT toString(sum(credits)) FROM usage_rollup_hour WHERE ${NOT_A_LANDING_MARK}) AS usage_rollup_hour,
      (SELECT toString(sum(requests)) FROM usage_rollup_day WHERE ${NOT_A_LANDING_MARK}) AS usage_rollup_day,
      (SELECT toString(count()) FROM usage_event_ids WHERE NOT startsWith(event_id, '~')) AS usage_event_ids,
      (SELECT toString(sum(events)) FROM key_activity_minute WHERE ${NOT_A_LANDING_MARK}) AS key_activity_minute,
      (SELECT toString(sum(failures)) FROM auth_failures_minute WHERE ${IP_NOT_A_LANDING_MARK}) AS auth_failures_minute,
      (SELECT toString(sum(events)) FROM key_country_minute WHERE ${KEY_NOT_A_LANDING_MARK}) AS key_country_minute`,
    format: 'JSONEachRow',
  });
  const [row] = await result.json<Record<string, string>>();
  return row;
}

/** A batch of `count` events of one partition over today and tomorrow (UTC), every fifth a failed login. */
function batch(
  partition: number,
  firstOffset: number,
  count: number,
): { rows: RawEventRow[]; range: BatchRange } {
  const rows = Array.from({ length: count }, (_, index): RawEventRow => {
    const offset = firstOffset + index;
    const at = new Date((TODAY + (index % 2)) * DAY_MS + 3_600_000 + index * 1000).toISOString();
    return {
      event_id: `01JB${String(partition).padStart(2, '0')}${String(offset).padStart(20, '0')}`,
      occurred_at: `${at.slice(0, 10)} ${at.slice(11, 23)}`,
      gateway_id: 'gw-1',
      key_id: `key_${index % 3}`,
      customer_id: `cus_${index % 2}`,
      method: 'GET',
      route: '/v1/things',
      status: index % 5 === 0 ? 401 : 200,
      latency_ms: 12,
      request_bytes: 100,
      response_bytes: 2000,
      units: '1.5',
      client_ip: `10.0.0.${index % 4}`,
      user_agent: 'test',
      outcome: index % 5 === 0 ? 'rejected_auth' : 'forwarded',
      billable: index % 5 === 0 ? 0 : 1,
      late: 0,
      source_topic: 'usage-events',
      source_partition: partition,
      source_offset: String(offset),
      country: 'DE',
    };
  });
  const range = {
    topic: 'usage-events',
    partition,
    firstOffset: BigInt(firstOffset),
    lastOffset: BigInt(firstOffset + count - 1),
  };
  return { rows, range };
}

describe('landing marks: a table left without a batch by a process killed inside the commit is repaired', () => {
  const dirs: string[] = [];

  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `work` on a fresh chDB database with every migration applied. */
  const withMigratedDatabase = async (work: (handle: ClickHouseHandle) => Promise<void>): Promise<void> => {
    const dir = mkdtempSync(join(tmpdir(), 'keymeter-landing-'));
    dirs.push(dir);
    const handle = await openClickHouse({ chdbPath: dir, database: 'landing' });
    try {
      await runClickHouseMigrations(handle);
      await work(handle);
    } finally {
      await handle.close();
    }
  };

  it.each(TABLES)(
    'a part of %s deleted after its token was recorded: the retry is dropped there, the landing check writes it back',
    async (table, markColumn) => {
      const dir = mkdtempSync(join(tmpdir(), 'keymeter-landing-'));
      dirs.push(dir);
      const database = 'landing';
      let handle = await openClickHouse({ chdbPath: dir, database });
      await runClickHouseMigrations(handle);
      // Partition 0: an earlier batch, then the batch that is lost; partition 1: another batch.
      const earlier = batch(0, 0, 30);
      const lost = batch(0, 30, 40);
      const kept = batch(1, 0, 30);
      // Parts that must stay apart, so that deleting one part deletes one batch.
      await handle.client.command({ query: `SYSTEM STOP MERGES ${table}` });
      let store = new ClickHouseIngestStore(handle.client);
      for (const { rows, range } of [earlier, lost, kept]) await store.insertEvents(rows, range);
      const complete = await tableTotals(handle);
      // The part holding the lost batch's rows of tomorrow and that day's landing mark: found by the mark's tag,
      // or in a summing table as the later of the two parts holding partition 0's marks of tomorrow.
      const markCondition =
        markColumn === 'event_id'
          ? `event_id = {tag:String}`
          : `${markColumn} = {key:String} AND bucket = {tomorrow:DateTime('UTC')}`;
      const partResult = await handle.client.query({
        query: `SELECT name AS part FROM system.parts
                WHERE database = {database:String} AND table = {table:String} AND active
                  AND name IN (SELECT _part FROM ${table} WHERE ${markCondition})
                ORDER BY min_block_number DESC LIMIT 1`,
        query_params: {
          database,
          table,
          tag: landingMarkTag(lost.range, TODAY + 1),
          key: `~usage-events/0`,
          tomorrow: `${new Date((TODAY + 1) * DAY_MS).toISOString().slice(0, 10)} 00:00:00`,
        },
        format: 'JSONEachRow',
      });
      const [{ part }] = await partResult.json<{ part: string }>();
      const pathResult = await handle.client.query({
        query: `SELECT path FROM system.parts WHERE database = {database:String} AND table = {table:String} AND name = {part:String}`,
        query_params: { database, table, part },
        format: 'JSONEachRow',
      });
      const [{ path }] = await pathResult.json<{ path: string }>();
      await handle.close();
      // What a SIGKILL between recording the token and renaming the part leaves: the token without the part.
      rmSync(path, { recursive: true, force: true });
      handle = await openClickHouse({ chdbPath: dir, database });
      store = new ClickHouseIngestStore(handle.client);
      try {
        await store.insertEvents(lost.rows, lost.range);
        const afterRetry = await tableTotals(handle);
        expect(afterRetry[table]).not.toBe(complete[table]);

        const repairs = await store.completeLanding(rawEventBodyOf(lost.rows), lost.range);
        const tomorrow = new Date((TODAY + 1) * DAY_MS).toISOString().slice(0, 10).replace(/-/g, '');
        const today = new Date(TODAY * DAY_MS).toISOString().slice(0, 10).replace(/-/g, '');
        // Tables partitioned by month lose both days when the two days share a month.
        const monthly = !['key_activity_minute', 'auth_failures_minute', 'key_country_minute'].includes(
          table,
        );
        const sameMonth = today.slice(0, 6) === tomorrow.slice(0, 6);
        const lostDays =
          table === 'usage_event_ids' || (monthly && sameMonth) ? [today, tomorrow] : [tomorrow];
        expect(repairs).toEqual([{ table, days: lostDays }]);
        expect(await tableTotals(handle)).toEqual(complete);
        // Checked again: nothing lacks, nothing is written twice.
        expect(await store.completeLanding(rawEventBodyOf(lost.rows), lost.range)).toEqual([]);
        expect(await tableTotals(handle)).toEqual(complete);
        const leftovers = await handle.client.query({
          query: `SELECT name FROM system.tables WHERE database = {database:String} AND name LIKE 'landing_repair%'`,
          query_params: { database },
          format: 'JSONEachRow',
        });
        expect(await leftovers.json()).toEqual([]);
      } finally {
        await handle.close();
      }
    },
    60_000,
  );

  it('refuses, naming the table, to repair a table whose view drops the marks, and writes nothing to it', async () => {
    await withMigratedDatabase(async (handle) => {
      await handle.client.command({
        query: `CREATE TABLE billable_calls (key_id String, bucket DateTime('UTC'), events UInt64)
                ENGINE = SummingMergeTree ORDER BY (key_id, bucket)`,
      });
      await handle.client.command({
        query: `CREATE MATERIALIZED VIEW billable_calls_mv TO billable_calls AS
                SELECT key_id, toStartOfDay(occurred_at) AS bucket, count() AS events
                FROM usage_events_raw WHERE billable = 1 GROUP BY key_id, bucket`,
      });
      const store = new ClickHouseIngestStore(handle.client);
      const { rows, range } = batch(3, 0, 20);
      await store.insertEvents(rows, range);
      const calls = async (): Promise<unknown> =>
        (
          await (
            await handle.client.query({
              query: 'SELECT toString(sum(events)) AS calls FROM billable_calls',
              format: 'JSONEachRow',
            })
          ).json()
        )[0];
      expect(await calls()).toEqual({ calls: '16' });
      await expect(store.completeLanding(rawEventBodyOf(rows), range)).rejects.toThrow(
        'the view filling billable_calls drops landing marks',
      );
      expect(await calls()).toEqual({ calls: '16' });
    });
  });

  it('a batch every table holds needs no repair', async () => {
    await withMigratedDatabase(async (handle) => {
      const store = new ClickHouseIngestStore(handle.client);
      const whole = batch(2, 100, 25);
      await store.insertEvents(whole.rows, whole.range);
      const before = await tableTotals(handle);
      expect(before.usage_events_raw).toBe('25');
      expect(await store.completeLanding(rawEventBodyOf(whole.rows), whole.range)).toEqual([]);
      expect(await tableTotals(handle)).toEqual(before);
    });
  });
});
