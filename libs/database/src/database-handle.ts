import type { DataSource, MigrationInterface } from 'typeorm';

/** Which Postgres serves the data: a real server (DATABASE_URL) or embedded PGlite. */
export type DatabaseAdapter = 'postgres' | 'pglite';

export type EntityClass = new () => object;
export type MigrationClass = new () => MigrationInterface;

export interface OpenDatabaseOptions {
  /** PostgreSQL connection URL (DATABASE_URL). When set, PGlite is not used. */
  readonly url?: string;
  /** PGlite data directory (PGLITE_DIR), used when `url` is not set. `memory://` keeps data in memory. */
  readonly pgliteDir?: string;
  /** Loopback port for the embedded server; 0 (default) lets the OS pick a free one. */
  readonly pglitePort?: number;
  /** Defaults to every entity of the schema (allEntities). */
  readonly entities?: readonly EntityClass[];
  /** Defaults to every migration of the schema (allMigrations). */
  readonly migrations?: readonly MigrationClass[];
  /** Log SQL statements through TypeORM's logger. */
  readonly logging?: boolean;
}

/** Shape shared with the platform health checks. */
export interface DatabaseHealth {
  readonly up: boolean;
  readonly adapter: DatabaseAdapter;
  readonly detail?: string;
}

export interface DatabaseHandle {
  /** Initialised TypeORM data source (postgres driver, never synchronize). */
  readonly dataSource: DataSource;
  readonly adapter: DatabaseAdapter;
  /** host:port/database, without credentials: safe to log. */
  readonly endpoint: string;
  /** Runs a trivial query; never throws. */
  health(): Promise<DatabaseHealth>;
  /** Closes the pool, then (PGlite) the socket server and the database. Safe to call twice. */
  close(): Promise<void>;
}
