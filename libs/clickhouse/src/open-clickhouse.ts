import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { closeChdbSession, engineBulkDataFiles, openChdbSession } from './chdb/chdb-engine';
import { ChdbSessionConnection } from './chdb/chdb-session-connection';
import type {
  ClickHouseAdapter,
  ClickHouseHandle,
  ClickHouseHealth,
  OpenClickHouseOptions,
} from './clickhouse-handle';
import { assertDatabaseName } from './database-name';

/**
 * Sent with every call on both adapters so results have one shape: 64-bit integers and decimals come
 * back as JSON strings (exact; chDB's default writes UInt64 as a lossy JSON number, servers write a string).
 */
export const UNIFORM_CLICKHOUSE_SETTINGS: ClickHouseSettings = {
  output_format_json_quote_64bit_integers: 1,
  output_format_json_quote_decimals: 1,
};

/**
 * Opens the analytics database: a ClickHouse server when `url` is set, otherwise chDB in this process
 * on `chdbPath`. Either way the caller gets an `@clickhouse/client` client whose default database is
 * `database` (created if missing).
 */
export async function openClickHouse(options: OpenClickHouseOptions): Promise<ClickHouseHandle> {
  const database = assertDatabaseName(options.database);
  if (options.url !== undefined && options.url !== '') return openServer(options.url, database, options);
  if (options.chdbPath === undefined || options.chdbPath === '') {
    throw new Error('chdbPath: required when url is not set (chDB needs a data directory)');
  }
  return openChdb(options.chdbPath, database, options.chdbBulkData ?? 'file');
}

async function openServer(
  url: string,
  database: string,
  options: OpenClickHouseOptions,
): Promise<ClickHouseHandle> {
  // Only what was given: credentials inside the URL then apply without being overridden.
  const credentials = {
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
  };
  // The server rejects a request whose default database does not exist, so create it from `default` first.
  const bootstrap = createClient({ url, ...credentials, clickhouse_settings: UNIFORM_CLICKHOUSE_SETTINGS });
  try {
    await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS \`${database}\`` });
  } finally {
    await bootstrap.close();
  }
  const client = createClient({
    url,
    ...credentials,
    database,
    clickhouse_settings: UNIFORM_CLICKHOUSE_SETTINGS,
  });
  return handleFor(client, 'server', database);
}

async function openChdb(
  chdbPath: string,
  database: string,
  bulkData: 'file' | 'inline',
): Promise<ClickHouseHandle> {
  const session = await openChdbSession(chdbPath);
  const files = bulkData === 'file' ? engineBulkDataFiles() : null;
  const connection = new ChdbSessionConnection(session, closeChdbSession, files);
  const client = createClient({ connection, clickhouse_settings: UNIFORM_CLICKHOUSE_SETTINGS });
  try {
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS \`${database}\`` });
    // USE is session state in chDB; each handle has its own session, so it stays this handle's default.
    await client.command({ query: `USE \`${database}\`` });
  } catch (error) {
    await client.close();
    throw error;
  }
  return handleFor(client, 'chdb', database);
}

function handleFor(client: ClickHouseClient, adapter: ClickHouseAdapter, database: string): ClickHouseHandle {
  let closed: Promise<void> | null = null;
  return {
    client,
    adapter,
    database,
    async health(): Promise<ClickHouseHealth> {
      if (closed) return { up: false, adapter, detail: 'closed' };
      // A SELECT (not the HTTP /ping) so credentials and the engine are exercised too.
      const result = await client.ping({ select: true });
      return result.success ? { up: true, adapter } : { up: false, adapter, detail: result.error.message };
    },
    close(): Promise<void> {
      closed ??= client.close();
      return closed;
    },
  };
}
