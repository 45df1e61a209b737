import type { ClickHouseClient } from '@clickhouse/client';

/** Which engine answers: a ClickHouse server over HTTP, or chDB inside this process. */
export type ClickHouseAdapter = 'server' | 'chdb';

export interface OpenClickHouseOptions {
  /** HTTP(S) URL of a ClickHouse server. When absent, chDB runs in-process on `chdbPath`. */
  readonly url?: string;
  /** Server only; chDB has no users. */
  readonly username?: string;
  /** Server only; never logged. */
  readonly password?: string;
  /** Created if missing and used as the default database of every query. */
  readonly database: string;
  /** chDB data directory (created if missing). Required when `url` is not set. */
  readonly chdbPath?: string;
  /**
   * chDB only: how insert bodies and long `IN {name:Array(String)}` lists reach the engine. `file` (default):
   * through a file on tmpfs, several times cheaper for the engine; `inline`: inside the SQL text, as
   * chdb's connection does (kept for comparison in benchmarks).
   */
  readonly chdbBulkData?: 'file' | 'inline';
}

export interface ClickHouseHealth {
  readonly up: boolean;
  readonly adapter: ClickHouseAdapter;
  readonly detail?: string;
}

/** One open ClickHouse database, whichever engine serves it. Code is written once against `client`. */
export interface ClickHouseHandle {
  readonly client: ClickHouseClient;
  readonly adapter: ClickHouseAdapter;
  readonly database: string;
  health(): Promise<ClickHouseHealth>;
  /** Waits for queries in flight, then releases the connection. Idempotent. */
  close(): Promise<void>;
}
