import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chdbEngineUse, openClickHouse, type ClickHouseHandle } from '../src';

// chDB-specific behaviour of the factory: one data directory per process, shared by every handle on it.
describe('chDB engine sharing', () => {
  let dirs: string[];
  let handles: ClickHouseHandle[];

  const newDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'keymeter-chdb-engine-'));
    dirs.push(dir);
    return dir;
  };
  const open = async (chdbPath: string, database = 'keymeter'): Promise<ClickHouseHandle> => {
    const handle = await openClickHouse({ chdbPath, database });
    handles.push(handle);
    return handle;
  };
  const count = async (handle: ClickHouseHandle, table: string): Promise<string> => {
    const result = await handle.client.query({
      query: `SELECT count() AS n FROM ${table}`,
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ n: string }>();
    return row.n;
  };

  beforeEach(() => {
    dirs = [];
    handles = [];
  });

  afterEach(async () => {
    await Promise.all(handles.map((handle) => handle.close()));
    dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  });

  it('refuses a second data directory while one is open, naming both, and opens it once all handles closed', async () => {
    const first = newDir();
    const second = newDir();
    const a = await open(first);
    const b = await open(`${first}/`);

    await expect(open(second)).rejects.toThrow(`already has chDB open on ${first}`);
    await expect(open(second)).rejects.toThrow(`before opening ${second}`);

    await a.close();
    await expect(open(second)).rejects.toThrow(/already has chDB open/);
    await b.close();
    const c = await open(second);
    expect(await c.health()).toEqual({ up: true, adapter: 'chdb' });
  });

  it('shares data between handles on one directory; closing one leaves the others working', async () => {
    const dir = newDir();
    const writer = await open(dir);
    const reader = await open(dir);
    await writer.client.command({ query: 'CREATE TABLE shared (id UInt32) ENGINE = MergeTree ORDER BY id' });
    await writer.client.insert({ table: 'shared', values: [{ id: 1 }, { id: 2 }], format: 'JSONEachRow' });

    expect(await count(reader, 'shared')).toBe('2');
    await writer.close();
    expect(await count(reader, 'shared')).toBe('2');
  });

  it('keeps data on disk after the engine is released and bound again', async () => {
    const dir = newDir();
    const other = newDir();
    const first = await open(dir, 'durable');
    await first.client.command({ query: 'CREATE TABLE kept (id UInt32) ENGINE = MergeTree ORDER BY id' });
    await first.client.insert({ table: 'kept', values: [{ id: 7 }], format: 'JSONEachRow' });
    await first.close();
    await (await open(other)).close();

    const again = await open(dir, 'durable');
    expect(await count(again, 'kept')).toBe('1');
  });

  it('lets queries already issued finish before close() releases the session', async () => {
    const handle = await open(newDir());
    const inFlight = Array.from({ length: 5 }, (_, n) =>
      handle.client
        .query({
          query: 'SELECT sum(number) AS s FROM numbers({n:UInt32})',
          query_params: { n: 100000 * (n + 1) },
          format: 'JSONEachRow',
        })
        .then((result) => result.json<{ s: string }>()),
    );
    const closing = handle.close();

    const answers = await Promise.all(inFlight);
    await closing;
    expect(answers.map(([row]) => row.s)).toEqual(
      [1, 2, 3, 4, 5].map((k) => String(((100000 * k - 1) * 100000 * k) / 2)),
    );
    await expect(handle.client.query({ query: 'SELECT 1' })).rejects.toThrow('ClickHouse handle is closed');
  });

  it('runs statements of different handles one at a time, in the order they were issued', async () => {
    const dir = newDir();
    const [first, second] = [await open(dir), await open(dir)];
    const finished: string[] = [];
    const slow = first.client
      .query({ query: 'SELECT sleep(0.5) AS s', format: 'JSONEachRow' })
      .then(() => finished.push('slow, issued first'));
    const quick = second.client
      .query({ query: 'SELECT 1 AS one', format: 'JSONEachRow' })
      .then(() => finished.push('quick, issued second'));
    await Promise.all([slow, quick]);
    // Two sessions running statements at once could hang the engine; the second waits for the first.
    expect(finished).toEqual(['slow, issued first', 'quick, issued second']);
  });

  it('counts the statement still running in the engine busy time', async () => {
    const handle = await open(newDir());
    const before = chdbEngineUse();
    const slow = handle.client.query({ query: 'SELECT sleep(1) AS s', format: 'JSONEachRow' });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const during = chdbEngineUse();
    await slow;
    const after = chdbEngineUse();
    // While it runs the statement is not finished, yet its time so far already counts as busy.
    expect(during.statements).toBe(before.statements);
    expect(during.busyMs - before.busyMs).toBeGreaterThan(100);
    expect(after.statements).toBe(before.statements + 1);
    expect(after.busyMs - before.busyMs).toBeGreaterThanOrEqual(1000);
  });

  it('requires a data directory when no URL is given, and a plain database name', async () => {
    await expect(openClickHouse({ database: 'keymeter' })).rejects.toThrow(/^chdbPath: required/);
    await expect(openClickHouse({ chdbPath: newDir(), database: 'bad-name; DROP' })).rejects.toThrow(
      /^database: /,
    );
  });
});
