import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultMigrationsDir,
  readMigrationFiles,
  runClickHouseMigrations,
  type ClickHouseHandle,
} from '../src';
import { main } from '../src/cli/migrate';
import { clickHouseTestTargets, type ClickHouseTestTarget } from './support/clickhouse-targets';

/** Every migration the product ships, in order: the tests follow the directory, not a hard-coded list. */
const SHIPPED = readMigrationFiles(defaultMigrationsDir()).map((file) => file.name);
const applyingLines = (): string[] =>
  SHIPPED.map((name): string => {
    const line: unknown = expect.stringMatching(
      new RegExp(`^applying ${name.replace('.', '\\.')} \\(\\d+ statements?\\)$`),
    );
    return line as string;
  });

async function rows<T>(
  handle: ClickHouseHandle,
  query: string,
  query_params?: Record<string, unknown>,
): Promise<T[]> {
  const result = await handle.client.query({ query, query_params, format: 'JSONEachRow' });
  return result.json<T>();
}

async function tableExists(handle: ClickHouseHandle, name: string): Promise<boolean> {
  const found = await rows(
    handle,
    'SELECT name FROM system.tables WHERE database = currentDatabase() AND name = {name:String}',
    {
      name,
    },
  );
  return found.length === 1;
}

describe.each(clickHouseTestTargets())('ClickHouse migrations on %s', (_adapter, createTarget) => {
  let target: ClickHouseTestTarget;
  let scratch: string;

  beforeAll(() => {
    target = createTarget();
  });

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'keymeter-migrations-'));
  });

  afterEach(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  afterAll(async () => {
    await target.dispose();
  });

  it('applies the shipped migrations once and records them; a second run is a no-op', async () => {
    const handle = await target.open();
    const log: string[] = [];

    expect(SHIPPED[0]).toBe('0001_usage_events_raw.sql');
    expect(await runClickHouseMigrations(handle, { log: (line) => log.push(line) })).toEqual({
      applied: SHIPPED,
    });
    expect(log).toEqual(applyingLines());
    expect(await runClickHouseMigrations(handle)).toEqual({ applied: [] });

    const recorded = await rows<{ version: number; name: string; checksum: string }>(
      handle,
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    expect(recorded).toEqual(
      SHIPPED.map((name, index) => ({
        version: index + 1,
        name,
        checksum: expect.stringMatching(/^[0-9a-f]{64}$/),
      })),
    );
    const [table] = await rows<{
      engine: string;
      partition_key: string;
      sorting_key: string;
      create_table_query: string;
    }>(
      handle,
      `SELECT engine, partition_key, sorting_key, create_table_query FROM system.tables
       WHERE database = currentDatabase() AND name = 'usage_events_raw'`,
    );
    expect(table).toMatchObject({
      engine: 'MergeTree',
      partition_key: 'toYYYYMM(occurred_at)',
      sorting_key: 'customer_id, key_id, occurred_at, event_id',
    });
    expect(table.create_table_query).toContain('non_replicated_deduplication_window = 10000');
    const columns = await rows<{ name: string; type: string }>(
      handle,
      `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'usage_events_raw'
       ORDER BY position`,
    );
    expect(Object.fromEntries(columns.map((column) => [column.name, column.type]))).toEqual({
      event_id: 'String',
      occurred_at: "DateTime64(3, 'UTC')",
      ingested_at: "DateTime64(3, 'UTC')",
      gateway_id: 'LowCardinality(String)',
      key_id: 'String',
      customer_id: 'String',
      method: 'LowCardinality(String)',
      route: 'LowCardinality(String)',
      status: 'UInt16',
      latency_ms: 'UInt32',
      request_bytes: 'UInt64',
      response_bytes: 'UInt64',
      units: 'Decimal(38, 6)',
      client_ip: 'String',
      user_agent: 'String',
      outcome: 'LowCardinality(String)',
      billable: 'UInt8',
      late: 'UInt8',
      source_topic: 'LowCardinality(String)',
      source_partition: 'UInt32',
      source_offset: 'UInt64',
      country: 'LowCardinality(String)',
    });
  });

  it('applies pending files in version order, each statement of a file, with semicolons inside strings and comments', async () => {
    const handle = await target.open();
    writeFileSync(
      join(scratch, '0002_second.sql'),
      "-- depends on 0001; runs after it\nINSERT INTO first (note) VALUES ('from 0002; after first');\n",
    );
    writeFileSync(
      join(scratch, '0001_first.sql'),
      [
        "CREATE TABLE first (note String COMMENT 'a; b') ENGINE = MergeTree ORDER BY note;",
        '/* seed; two rows */',
        "INSERT INTO first (note) VALUES ('it''s; one'), ('two');",
      ].join('\n'),
    );
    writeFileSync(join(scratch, 'README.md'), 'not a migration');

    expect(await runClickHouseMigrations(handle, { dir: scratch })).toEqual({
      applied: ['0001_first.sql', '0002_second.sql'],
    });
    expect(await rows(handle, 'SELECT note FROM first ORDER BY note')).toEqual([
      { note: 'from 0002; after first' },
      { note: "it's; one" },
      { note: 'two' },
    ]);
  });

  it('refuses to run when an applied migration changed, naming the file, and applies nothing', async () => {
    const handle = await target.open();
    writeFileSync(
      join(scratch, '0001_things.sql'),
      'CREATE TABLE things (id UInt32) ENGINE = MergeTree ORDER BY id;\n',
    );
    await runClickHouseMigrations(handle, { dir: scratch });

    writeFileSync(
      join(scratch, '0001_things.sql'),
      'CREATE TABLE things (id UInt64) ENGINE = MergeTree ORDER BY id;\n',
    );
    writeFileSync(
      join(scratch, '0002_more.sql'),
      'CREATE TABLE more (id UInt32) ENGINE = MergeTree ORDER BY id;\n',
    );

    await expect(runClickHouseMigrations(handle, { dir: scratch })).rejects.toThrow(
      /migration 0001_things\.sql was changed after it was applied/,
    );
    expect(await tableExists(handle, 'more')).toBe(false);
  });

  it('refuses to run when an applied migration is missing from the directory', async () => {
    const handle = await target.open();
    writeFileSync(
      join(scratch, '0001_gone.sql'),
      'CREATE TABLE gone (id UInt32) ENGINE = MergeTree ORDER BY id;\n',
    );
    await runClickHouseMigrations(handle, { dir: scratch });
    rmSync(join(scratch, '0001_gone.sql'));

    await expect(runClickHouseMigrations(handle, { dir: scratch })).rejects.toThrow(
      /migration 0001_gone\.sql was applied but is missing/,
    );
  });

  it('names the file and statement that failed, records nothing for it, and applies it once fixed', async () => {
    const handle = await target.open();
    const file = join(scratch, '0001_broken.sql');
    writeFileSync(
      file,
      'CREATE TABLE ok_table (id UInt32) ENGINE = MergeTree ORDER BY id;\nSELECT no_such_column;\n',
    );

    await expect(runClickHouseMigrations(handle, { dir: scratch })).rejects.toThrow(
      /migration 0001_broken\.sql: statement 2 of 2 failed/,
    );
    expect(await rows(handle, 'SELECT count() AS n FROM schema_migrations')).toEqual([{ n: '0' }]);

    writeFileSync(file, 'CREATE TABLE IF NOT EXISTS ok_table (id UInt32) ENGINE = MergeTree ORDER BY id;\n');
    expect(await runClickHouseMigrations(handle, { dir: scratch })).toEqual({ applied: ['0001_broken.sql'] });
  });

  it('rejects a malformed file name and an unterminated string before applying anything', async () => {
    const handle = await target.open();
    writeFileSync(join(scratch, '1_bad_name.sql'), 'SELECT 1;');
    await expect(runClickHouseMigrations(handle, { dir: scratch })).rejects.toThrow(
      /migration file 1_bad_name\.sql/,
    );

    rmSync(join(scratch, '1_bad_name.sql'));
    writeFileSync(
      join(scratch, '0001_fine.sql'),
      'CREATE TABLE fine (id UInt32) ENGINE = MergeTree ORDER BY id;',
    );
    writeFileSync(join(scratch, '0002_open_quote.sql'), "SELECT 'never closed;");
    await expect(runClickHouseMigrations(handle, { dir: scratch })).rejects.toThrow(
      /migration 0002_open_quote\.sql: unterminated string literal starting at line 1/,
    );
    expect(await tableExists(handle, 'fine')).toBe(false);
  });

  it('keeps applied migrations across closing and reopening the database', async () => {
    const database = target.newDatabase();
    cpSync(defaultMigrationsDir(), scratch, { recursive: true });
    const first = await target.open(database);
    expect((await runClickHouseMigrations(first, { dir: scratch })).applied).toEqual(SHIPPED);
    await first.close();

    const reopened = await target.open(database);
    expect(await runClickHouseMigrations(reopened, { dir: scratch })).toEqual({ applied: [] });
  });

  it('runs from the CLI entry with options from the environment and prints what it applied', async () => {
    const database = target.newDatabase();
    const printed: string[] = [];
    const env = { ...target.env, CLICKHOUSE_DATABASE: database };

    expect(await main({ env, print: (line) => printed.push(line) })).toEqual({ applied: SHIPPED });
    expect(printed).toEqual([
      expect.stringMatching(new RegExp(`^migrating database ${database} on `)),
      ...applyingLines(),
      `applied: ${SHIPPED.join(', ')}`,
    ]);

    printed.length = 0;
    expect(await main({ env, print: (line) => printed.push(line) })).toEqual({ applied: [] });
    expect(printed[1]).toBe('schema is up to date');
  });
});
