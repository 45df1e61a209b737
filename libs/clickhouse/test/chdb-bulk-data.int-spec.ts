import { readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { ClickHouseError, createClient } from '@clickhouse/client';
import { openClickHouse, UNIFORM_CLICKHOUSE_SETTINGS, type ClickHouseHandle } from '../src';
import { BulkDataFiles } from '../src/chdb/bulk-data-files';
import { closeChdbSession, openChdbSession } from '../src/chdb/chdb-engine';
import { ChdbSessionConnection } from '../src/chdb/chdb-session-connection';

// chDB reads insert bodies and long IN lists from files (the default) or from the SQL text ('inline');
// both must store and answer exactly the same.
describe('chDB bulk data through files', () => {
  let dir: string;
  let viaFile: ClickHouseHandle;
  let inline: ClickHouseHandle;

  const tricky = [
    "it's",
    'back\\slash',
    'tab\there',
    'new\nline',
    'cr\rhere',
    '',
    'ünïcode 🚀',
    '\\N',
    '"quoted"',
    '{braces}',
  ];

  const rows = async <T>(handle: ClickHouseHandle, query: string, query_params = {}): Promise<T[]> => {
    const result = await handle.client.query({ query, query_params, format: 'JSONEachRow' });
    return result.json<T>();
  };

  /** Files the adapter left behind in its bulk-data directories of this process. */
  const leftoverFiles = (): string[] => {
    const base = ['/dev/shm', tmpdir()];
    return base.flatMap((b) => {
      try {
        return readdirSync(b)
          .filter((name) => name.startsWith(`keymeter-chdb-${process.pid}-`))
          .flatMap((name) => readdirSync(join(b, name)));
      } catch {
        return [];
      }
    });
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keymeter-chdb-bulk-'));
    viaFile = await openClickHouse({ chdbPath: dir, database: 'via_file' });
    inline = await openClickHouse({ chdbPath: dir, database: 'inline', chdbBulkData: 'inline' });
    for (const handle of [viaFile, inline]) {
      await handle.client.command({
        query: `CREATE TABLE things (id UInt32, label String, amount Decimal(38, 6))
                ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100`,
      });
    }
  });

  afterAll(async () => {
    await viaFile.close();
    await inline.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the same rows from a TabSeparated stream and from JSONEachRow values, and leaves no file behind', async () => {
    const escape = (s: string): string =>
      s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c] as string);
    const body = tricky.map((label, i) => `${i}\t${escape(label)}\t${i}.25\n`).join('');
    const json = tricky.map((label, i) => ({ id: 100 + i, label, amount: `${i}.5` }));
    for (const handle of [viaFile, inline]) {
      await handle.client.insert({
        table: 'things',
        columns: ['id', 'label', 'amount'],
        values: Readable.from([Buffer.from(body, 'utf8')], { objectMode: false }),
        format: 'TabSeparated',
      });
      await handle.client.insert({ table: 'things', values: json, format: 'JSONEachRow' });
    }

    const query = 'SELECT id, label, toString(amount) AS amount FROM things ORDER BY id';
    const stored = await rows<{ id: number; label: string }>(viaFile, query);
    expect(stored.map((row) => row.label)).toEqual([...tricky, ...tricky]);
    expect(stored).toEqual(await rows(inline, query));
    expect(leftoverFiles()).toEqual([]);
  });

  it('stores bytes that are not UTF-8 unchanged from a file (the SQL text path replaces them)', async () => {
    const body = Buffer.concat([Buffer.from('700\t'), Buffer.from([0xff, 0xfe]), Buffer.from('\t1\n')]);
    for (const handle of [viaFile, inline]) {
      await handle.client.insert({
        table: 'things',
        columns: ['id', 'label', 'amount'],
        values: Readable.from([body], { objectMode: false }),
        format: 'TabSeparated',
      });
    }
    const query = 'SELECT hex(label) AS hex FROM things WHERE id = 700';
    expect(await rows(viaFile, query)).toEqual([{ hex: 'FFFE' }]);
    expect(await rows(inline, query)).toEqual([{ hex: 'EFBFBDEFBFBD' }]);
  });

  it('drops an insert repeated with the same deduplication token', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      await viaFile.client.insert({
        table: 'things',
        values: [{ id: 500, label: 'once', amount: '1' }],
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: 'bulk-once' },
      });
    }
    expect(await rows(viaFile, "SELECT count() AS n FROM things WHERE label = 'once'")).toEqual([{ n: '1' }]);
  });

  it('answers a long IN list from a file exactly as the bound list, whatever the strings hold', async () => {
    const present = Array.from({ length: 1500 }, (_, i) => `${tricky[i % tricky.length]}-${i}`).filter(
      (s) => !/[\r\n]/.test(s),
    );
    const absent = present.map((s) => `absent-${s}`);
    for (const handle of [viaFile, inline]) {
      await handle.client.command({ query: 'CREATE TABLE ids (id String) ENGINE = MergeTree ORDER BY id' });
      await handle.client.insert({
        table: 'ids',
        values: present.map((id) => ({ id })),
        format: 'JSONEachRow',
      });
    }
    const query = 'SELECT id FROM ids WHERE id IN {ids:Array(String)} ORDER BY id';
    const params = { ids: [...present, ...absent] };

    const found = await rows<{ id: string }>(viaFile, query, params);
    expect(found.map((row) => row.id)).toEqual([...present].sort());
    expect(found).toEqual(await rows(inline, query, params));
    expect(leftoverFiles()).toEqual([]);
  });

  it('sends the data inside the SQL text when its file cannot be written', async () => {
    const session = await openChdbSession(dir);
    const connection = new ChdbSessionConnection(
      session,
      closeChdbSession,
      new BulkDataFiles(join(dir, 'no-such-directory', 'below')),
    );
    const client = createClient({ connection, clickhouse_settings: UNIFORM_CLICKHOUSE_SETTINGS });
    try {
      await client.command({ query: 'USE via_file' });
      await client.insert({
        table: 'things',
        values: [{ id: 900, label: 'inline fallback', amount: '9' }],
        format: 'JSONEachRow',
      });
      const ids = Array.from({ length: 1200 }, (_, i) => `x${i}`);
      const result = await client.query({
        query: 'SELECT count() AS n FROM things WHERE label IN {ids:Array(String)} OR id = 900',
        query_params: { ids },
        format: 'JSONEachRow',
      });
      expect(await result.json()).toEqual([{ n: '1' }]);
    } finally {
      await client.close();
    }
  });

  it('raises ClickHouseError for a malformed body and removes its file', async () => {
    await expect(
      viaFile.client.insert({
        table: 'things',
        columns: ['id', 'label', 'amount'],
        values: Readable.from([Buffer.from('not-a-number\tx\t1\n')], { objectMode: false }),
        format: 'TabSeparated',
      }),
    ).rejects.toBeInstanceOf(ClickHouseError);
    expect(leftoverFiles()).toEqual([]);
  });
});
