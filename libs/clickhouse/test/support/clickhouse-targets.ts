import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openClickHouse, type ClickHouseAdapter, type ClickHouseHandle } from '../../src';

/**
 * Where a test file's ClickHouse lives. chDB always (a temp directory per file: one process binds one
 * directory at a time); a real server too when CLICKHOUSE_URL is set. Every `open()` gets a database of
 * its own, so tests in one file do not see each other's tables.
 */
export interface ClickHouseTestTarget {
  readonly adapter: ClickHouseAdapter;
  /** Options that reach this target, for code (like the CLI) that opens its own handle. */
  readonly env: NodeJS.ProcessEnv;
  /** A fresh database name for this target; dropped or discarded by dispose(). */
  newDatabase(): string;
  /** Opens a handle on `database` (default: a fresh one). */
  open(database?: string): Promise<ClickHouseHandle>;
  /** Closes handles left open and deletes what the target created. */
  dispose(): Promise<void>;
}

export type TargetFactory = () => ClickHouseTestTarget;

/** [name, factory] pairs for `describe.each`; the server entry exists only when CLICKHOUSE_URL is set. */
export function clickHouseTestTargets(): Array<[ClickHouseAdapter, TargetFactory]> {
  const targets: Array<[ClickHouseAdapter, TargetFactory]> = [['chdb', chdbTarget]];
  const url = process.env.CLICKHOUSE_URL;
  if (url) targets.push(['server', () => serverTarget(url)]);
  return targets;
}

function chdbTarget(): ClickHouseTestTarget {
  const chdbPath = mkdtempSync(join(tmpdir(), 'keymeter-chdb-test-'));
  const tracker = new HandleTracker();
  return {
    adapter: 'chdb',
    env: { CHDB_PATH: chdbPath },
    newDatabase: uniqueDatabaseName,
    open: (database = uniqueDatabaseName()) => tracker.track(openClickHouse({ chdbPath, database })),
    async dispose(): Promise<void> {
      await tracker.closeAll();
      rmSync(chdbPath, { recursive: true, force: true });
    },
  };
}

function serverTarget(url: string): ClickHouseTestTarget {
  const username = process.env.CLICKHOUSE_USER;
  const password = process.env.CLICKHOUSE_PASSWORD;
  const tracker = new HandleTracker();
  const databases = new Set<string>();
  const newDatabase = (): string => {
    const database = uniqueDatabaseName();
    databases.add(database);
    return database;
  };
  return {
    adapter: 'server',
    env: { CLICKHOUSE_URL: url, CLICKHOUSE_USER: username, CLICKHOUSE_PASSWORD: password },
    newDatabase,
    open: (database = newDatabase()) => {
      databases.add(database);
      return tracker.track(openClickHouse({ url, username, password, database }));
    },
    async dispose(): Promise<void> {
      await tracker.closeAll();
      if (databases.size === 0) return;
      const admin = await openClickHouse({ url, username, password, database: 'default' });
      try {
        for (const database of databases)
          await admin.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      } finally {
        await admin.close();
      }
    },
  };
}

function uniqueDatabaseName(): string {
  return `km_test_${process.pid}_${randomBytes(4).toString('hex')}`;
}

class HandleTracker {
  readonly #handles: ClickHouseHandle[] = [];

  async track(opening: Promise<ClickHouseHandle>): Promise<ClickHouseHandle> {
    const handle = await opening;
    this.#handles.push(handle);
    return handle;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#handles.map((handle) => handle.close()));
  }
}
