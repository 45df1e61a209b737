import { Client } from 'pg';
import { createTestDatabase } from '@keymeter/testing';

const ADMIN_URL = process.env.KEYMETER_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function databaseExists(name: string): Promise<boolean> {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    const result = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return result.rowCount === 1;
  } finally {
    await admin.end();
  }
}

describe('createTestDatabase', () => {
  it('creates an empty database of its own, and drop removes it even while connections are open', async () => {
    const first = await createTestDatabase();
    const second = await createTestDatabase();
    try {
      expect(first.name).not.toBe(second.name);
      expect(first.name).toMatch(/^km_test_\d+_[0-9a-f]+$/);

      const client = new Client({ connectionString: first.url });
      const terminated = new Promise<Error>((resolve) => client.on('error', resolve));
      await client.connect();
      const tables = await client.query(
        `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`,
      );
      expect(tables.rows[0].n).toBe(0);
      expect((await client.query('SELECT current_database() AS name')).rows[0].name).toBe(first.name);

      await first.drop();
      await first.drop();
      expect(await databaseExists(first.name)).toBe(false);
      expect((await terminated).message).toMatch(/terminat/i);
      await client.end().catch(() => undefined);
      expect(await databaseExists(second.name)).toBe(true);
    } finally {
      await first.drop();
      await second.drop();
    }
    expect(await databaseExists(second.name)).toBe(false);
  }, 30_000);
});
