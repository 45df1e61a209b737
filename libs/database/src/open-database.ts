import { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import type { DatabaseAdapter, DatabaseHandle, DatabaseHealth, OpenDatabaseOptions } from './database-handle';
import { allEntities } from './entities';
import { allMigrations } from './migrations';
import { startPgliteServer, type PgliteServer } from './pglite-server';

export const MIGRATIONS_TABLE = 'schema_migrations';

/** Sessions run in UTC so that any timestamp rendered by SQL is UTC on every server. */
const SESSION_OPTIONS = '-c TimeZone=UTC';

const POSTGRES_CONNECT_TIMEOUT_MS = 10_000;

/**
 * The PGlite socket server takes one connection at a time and refuses a second one, so the pool
 * holds exactly one connection, never lets it go idle (a reconnect can race the server noticing
 * the old socket closed), and queues every other request behind it. A request that waits longer
 * than this fails instead of hanging, which surfaces code that waits on the pool while holding
 * its only connection (e.g. a query outside the transaction it runs inside).
 */
const PGLITE_POOL = { max: 1, idleTimeoutMillis: 0, connectionTimeoutMillis: 30_000 } as const;

function describePostgresEndpoint(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    throw new Error('url (DATABASE_URL) is not a valid postgres:// URL');
  }
}

function buildDataSourceOptions(
  url: string,
  options: OpenDatabaseOptions,
  pool: Readonly<Record<string, number>>,
): PostgresConnectionOptions {
  return {
    type: 'postgres',
    url,
    entities: [...(options.entities ?? allEntities)],
    migrations: [...(options.migrations ?? allMigrations)],
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    migrationsRun: false,
    synchronize: false,
    // The schema is owned by the migrations: TypeORM creates no extension. gen_random_uuid() is
    // built into PostgreSQL 13+ and PGlite; 'pgcrypto' only makes TypeORM expect that function.
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    logging: options.logging ?? false,
    applicationName: 'keymeter',
    extra: { options: SESSION_OPTIONS, ...pool },
  };
}

function createHandle(
  dataSource: DataSource,
  adapter: DatabaseAdapter,
  endpoint: string,
  server: PgliteServer | undefined,
): DatabaseHandle {
  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    try {
      if (dataSource.isInitialized) await dataSource.destroy();
    } finally {
      await server?.stop();
    }
  };
  return {
    dataSource,
    adapter,
    endpoint,
    async health(): Promise<DatabaseHealth> {
      const failure = server?.failure();
      if (failure) return { up: false, adapter, detail: failure };
      try {
        await dataSource.query('SELECT 1');
        return { up: true, adapter };
      } catch (error) {
        return { up: false, adapter, detail: error instanceof Error ? error.message : String(error) };
      }
    },
    close: () => (closing ??= close()),
  };
}

/**
 * Opens the billing database: the PostgreSQL server at `url` when given, otherwise PGlite in
 * `pgliteDir` served on a loopback port. Does not run migrations (see runDatabaseMigrations).
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const endpoint = describePostgresEndpoint(options.url);
    const dataSource = new DataSource({
      ...buildDataSourceOptions(options.url, options, {}),
      connectTimeoutMS: POSTGRES_CONNECT_TIMEOUT_MS,
    });
    await dataSource.initialize();
    return createHandle(dataSource, 'postgres', endpoint, undefined);
  }
  if (!options.pgliteDir) {
    throw new Error(
      'openDatabase: set url (DATABASE_URL) for PostgreSQL or pgliteDir (PGLITE_DIR) for PGlite',
    );
  }
  const server = await startPgliteServer({ dir: options.pgliteDir, port: options.pglitePort ?? 0 });
  const dataSource = new DataSource(buildDataSourceOptions(server.url, options, PGLITE_POOL));
  try {
    await dataSource.initialize();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return createHandle(dataSource, 'pglite', server.endpoint, server);
}
