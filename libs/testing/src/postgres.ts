import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  /** URL of the new, empty database (same server and credentials as the admin URL). */
  readonly url: string;
  readonly name: string;
  /** Ends every connection to the database and drops it. Safe to call twice. */
  drop(): Promise<void>;
}

function adminUrl(): string {
  return process.env.KEYMETER_TEST_PG_ADMIN_URL ?? DEFAULT_ADMIN_URL;
}

async function asAdmin(sql: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Creates a fresh, uniquely named database on the machine's PostgreSQL
 * (KEYMETER_TEST_PG_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/test).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `km_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  // template0 never has connections, so parallel test files can copy it at the same time.
  await asAdmin(`CREATE DATABASE "${name}" TEMPLATE template0`);
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  let dropping: Promise<void> | undefined;
  return {
    url: url.toString(),
    name,
    drop: () => (dropping ??= asAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  };
}
