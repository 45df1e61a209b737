import {
  allMigrations,
  MIGRATIONS_TABLE,
  openDatabase,
  runDatabaseMigrations,
  type DatabaseHandle,
} from '@keymeter/database';
import { createTestDatabase, type TestDatabase } from '@keymeter/testing';
import { describeCustomersTable, type MigratedDatabase } from './customers-table.cases';

describe('database on the PostgreSQL server', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let firstRun: string[];

  beforeAll(async () => {
    database = await createTestDatabase();
    handle = await openDatabase({ url: database.url });
    firstRun = await runDatabaseMigrations(handle);
  }, 30_000);

  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  }, 30_000);

  describeCustomersTable((): MigratedDatabase => ({ handle, firstRun }));

  it('names the server and database it uses, without credentials', async () => {
    const url = new URL(database.url);
    url.username = 'postgres';
    url.password = 'not-for-logs';
    const withPassword = await openDatabase({ url: url.toString() });
    try {
      expect(withPassword.adapter).toBe('postgres');
      expect(withPassword.endpoint).toBe(`${url.hostname}:${url.port || '5432'}/${database.name}`);
    } finally {
      await withPassword.close();
    }
    expect(await withPassword.health()).toMatchObject({ up: false, adapter: 'postgres' });
  });
});

describe('migrations started by several instances at once', () => {
  let database: TestDatabase;
  let handles: DatabaseHandle[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    handles = await Promise.all([1, 2, 3].map(() => openDatabase({ url: database.url })));
  }, 30_000);

  afterAll(async () => {
    await Promise.all(handles.map((handle) => handle.close()));
    await database?.drop();
  }, 30_000);

  it('apply each migration exactly once', async () => {
    const runs = await Promise.all(handles.map((handle) => runDatabaseMigrations(handle)));

    const names = allMigrations.map((migration) => migration.name);
    expect(runs.flat().sort()).toEqual([...names].sort());
    const recorded: { name: string }[] = await handles[0].dataSource.query(
      `SELECT name FROM "${MIGRATIONS_TABLE}" ORDER BY id`,
    );
    expect(recorded.map((row) => row.name)).toEqual(names);
  });
});
