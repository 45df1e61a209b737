import { ClickHouseError } from '@clickhouse/client';
import type { ClickHouseHandle } from '../src';
import { clickHouseTestTargets, type ClickHouseTestTarget } from './support/clickhouse-targets';

async function rows<T>(
  handle: ClickHouseHandle,
  query: string,
  query_params?: Record<string, unknown>,
): Promise<T[]> {
  const result = await handle.client.query({ query, query_params, format: 'JSONEachRow' });
  return result.json<T>();
}

describe.each(clickHouseTestTargets())('ClickHouse handle on %s', (adapter, createTarget) => {
  let target: ClickHouseTestTarget;

  beforeAll(() => {
    target = createTarget();
  });

  afterAll(async () => {
    await target.dispose();
  });

  it('creates the database and makes it the default of every query', async () => {
    const database = target.newDatabase();
    const handle = await target.open(database);

    expect(handle.adapter).toBe(adapter);
    expect(handle.database).toBe(database);
    expect(await rows(handle, 'SELECT currentDatabase() AS db')).toEqual([{ db: database }]);
    await handle.client.command({ query: 'CREATE TABLE things (id UInt32) ENGINE = MergeTree ORDER BY id' });
    const tables = await rows(handle, 'SELECT database FROM system.tables WHERE name = {name:String}', {
      name: 'things',
    });
    expect(tables).toEqual([{ database }]);
  });

  it('keeps each handle on its own database', async () => {
    const first = await target.open();
    const second = await target.open();

    expect(await rows(first, 'SELECT currentDatabase() AS db')).toEqual([{ db: first.database }]);
    expect(await rows(second, 'SELECT currentDatabase() AS db')).toEqual([{ db: second.database }]);
    expect(first.database).not.toBe(second.database);
  });

  it('reports health, and reports down once closed', async () => {
    const handle = await target.open();

    expect(await handle.health()).toEqual({ up: true, adapter });
    await handle.close();
    expect(await handle.health()).toMatchObject({ up: false, adapter });
    await expect(handle.client.query({ query: 'SELECT 1' })).rejects.toThrow();
    await handle.close(); // idempotent
  });

  it('round-trips values through {name:Type} query parameters', async () => {
    const handle = await target.open();
    await handle.client.command({
      query: `CREATE TABLE params (
        label String, big UInt64, amount Decimal(38, 6), at DateTime64(3, 'UTC'), tags Array(String)
      ) ENGINE = MergeTree ORDER BY label`,
    });
    const tricky = `it's "quoted"; back\\slash\ttab\nnewline — ünïcode 🚀 {braces}`;
    await handle.client.command({
      query: `INSERT INTO params SELECT {label:String}, {big:UInt64}, {amount:Decimal(38, 6)},
              {at:DateTime64(3, 'UTC')}, {tags:Array(String)}`,
      query_params: {
        label: tricky,
        big: '18446744073709551615',
        amount: '12345678901234567890.123456',
        at: '2024-02-29 23:59:59.987',
        tags: ["a'b", 'c;d'],
      },
    });

    const found = await rows(handle, 'SELECT * FROM params WHERE label = {label:String}', { label: tricky });
    expect(found).toEqual([
      {
        label: tricky,
        big: '18446744073709551615',
        amount: '12345678901234567890.123456',
        at: '2024-02-29 23:59:59.987',
        tags: ["a'b", 'c;d'],
      },
    ]);
    expect(
      await rows(handle, 'SELECT count() AS n FROM params WHERE label = {label:String}', { label: 'x' }),
    ).toEqual([{ n: '0' }]);
  });

  it('binds a Date parameter to the millisecond, independent of time zones', async () => {
    const handle = await target.open();
    const at = new Date('2026-03-15T10:20:30.456Z');

    expect(
      await rows(
        handle,
        `SELECT toUnixTimestamp64Milli({utc:DateTime64(3, 'UTC')}) AS utc,
                toUnixTimestamp64Milli({tokyo:DateTime64(3, 'Asia/Tokyo')}) AS tokyo,
                toString({whole:DateTime('UTC')}) AS whole`,
        { utc: at, tokyo: at, whole: new Date('2026-03-15T10:20:30Z') },
      ),
    ).toEqual([{ utc: String(at.getTime()), tokyo: String(at.getTime()), whole: '2026-03-15 10:20:30' }]);
  });

  it('rejects a query that uses a parameter it was not given', async () => {
    const handle = await target.open();

    await expect(rows(handle, 'SELECT {missing:String} AS v', { other: 'x' })).rejects.toThrow(/missing/);
  });

  it('inserts JSONEachRow rows and reads 64-bit integers and decimals back as exact strings', async () => {
    const handle = await target.open();
    await handle.client.command({
      query: 'CREATE TABLE amounts (id UInt64, amount Decimal(38, 6)) ENGINE = MergeTree ORDER BY id',
    });
    await handle.client.insert({
      table: 'amounts',
      values: [
        { id: '9007199254740993', amount: '0.000001' },
        { id: '2', amount: '99999999999999999999.999999' },
      ],
      format: 'JSONEachRow',
    });

    expect(await rows(handle, 'SELECT id, amount FROM amounts ORDER BY id')).toEqual([
      { id: '2', amount: '99999999999999999999.999999' },
      { id: '9007199254740993', amount: '0.000001' },
    ]);
    expect(await rows(handle, 'SELECT count() AS n, sum(amount) AS total FROM amounts')).toEqual([
      { n: '2', total: '100000000000000000000' },
    ]);
  });

  it('swaps tables with EXCHANGE TABLES and moves them with RENAME TABLE', async () => {
    const handle = await target.open();
    for (const table of ['live', 'rebuilt']) {
      await handle.client.command({
        query: `CREATE TABLE ${table} (v String) ENGINE = MergeTree ORDER BY v`,
      });
      await handle.client.insert({ table, values: [{ v: table }], format: 'JSONEachRow' });
    }

    await handle.client.command({ query: 'EXCHANGE TABLES live AND rebuilt' });
    expect(await rows(handle, 'SELECT v FROM live')).toEqual([{ v: 'rebuilt' }]);
    expect(await rows(handle, 'SELECT v FROM rebuilt')).toEqual([{ v: 'live' }]);

    await handle.client.command({ query: 'RENAME TABLE rebuilt TO retired' });
    expect(await rows(handle, 'SELECT v FROM retired')).toEqual([{ v: 'live' }]);
    await expect(rows(handle, 'SELECT v FROM rebuilt')).rejects.toMatchObject({ type: 'UNKNOWN_TABLE' });
  });

  it('raises @clickhouse/client ClickHouseError with the server code', async () => {
    const handle = await target.open();

    const failure = await handle.client
      .query({ query: 'SELECT * FROM no_such_table' })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ClickHouseError);
    expect(failure).toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });
  });

  it('scopes clickhouse_settings to the call that passed them', async () => {
    const handle = await target.open();
    const setting = (params?: { max_block_size: string }): Promise<Array<{ value: string }>> =>
      handle.client
        .query({
          query: "SELECT toString(getSetting('max_block_size')) AS value",
          clickhouse_settings: params,
          format: 'JSONEachRow',
        })
        .then((result) => result.json());

    const [defaultValue] = await setting();
    expect(await setting({ max_block_size: '1234' })).toEqual([{ value: '1234' }]);
    expect(await setting()).toEqual([defaultValue]);
  });

  it('answers concurrent queries on one handle and across handles, each with its own parameters and settings', async () => {
    const first = await target.open();
    const second = await target.open();
    const calls = Array.from({ length: 24 }, (_, index) => {
      const handle = index % 2 === 0 ? first : second;
      return handle.client
        .query({
          query:
            "SELECT {n:UInt32} AS n, toString(getSetting('max_block_size')) AS setting, currentDatabase() AS db",
          query_params: { n: index },
          clickhouse_settings: { max_block_size: String(1000 + index) },
          format: 'JSONEachRow',
        })
        .then((result) => result.json());
    });

    const results = await Promise.all(calls);
    results.forEach((result, index) => {
      const database = index % 2 === 0 ? first.database : second.database;
      expect(result).toEqual([{ n: index, setting: String(1000 + index), db: database }]);
    });
  });
});
