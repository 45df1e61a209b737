import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allMigrations } from '@keymeter/database';
import { createTestDatabase, type TestDatabase } from '@keymeter/testing';
import { main } from '../src/cli/migrate';

// Creating a PGlite directory runs initdb: seconds on an idle machine, a minute on a busy one.
const PGLITE_TIMEOUT_MS = 180_000;

const names = allMigrations.map((migration) => migration.name);

async function runCli(env: NodeJS.ProcessEnv): Promise<{ applied: string[]; printed: string[] }> {
  const printed: string[] = [];
  const applied = await main(env, (line) => printed.push(line));
  return { applied, printed };
}

describe('migrate command', () => {
  let dir: string;
  let database: TestDatabase;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'km-migrate-'));
    database = await createTestDatabase();
  }, 30_000);

  afterAll(async () => {
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it(
    'migrates the PGlite directory in PGLITE_DIR, then reports nothing left to apply',
    async () => {
      const env = { PGLITE_DIR: join(dir, 'pglite') };

      const first = await runCli(env);
      expect(first.applied).toEqual(names);
      expect(first.printed[0]).toMatch(/^migrating pglite database at 127\.0\.0\.1:\d+\/postgres$/);
      expect(first.printed.slice(1)).toEqual(names.map((name) => `applied ${name}`));

      const second = await runCli(env);
      expect(second.applied).toEqual([]);
      expect(second.printed.slice(1)).toEqual(['schema is up to date: no migration applied']);
    },
    PGLITE_TIMEOUT_MS,
  );

  it('migrates the server in DATABASE_URL when it is set', async () => {
    const first = await runCli({ DATABASE_URL: database.url, PGLITE_DIR: join(dir, 'unused') });
    expect(first.applied).toEqual(names);
    expect(first.printed[0]).toBe(`migrating postgres database at 127.0.0.1:5432/${database.name}`);

    expect((await runCli({ DATABASE_URL: database.url })).applied).toEqual([]);
  }, 30_000);
});
