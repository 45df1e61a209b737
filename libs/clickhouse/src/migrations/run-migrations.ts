import type { ClickHouseHandle } from '../clickhouse-handle';
import { defaultMigrationsDir, readMigrationFiles, type MigrationFile } from './migration-files';
import { splitSqlStatements } from './split-sql-statements';

export interface RunMigrationsOptions {
  /** Directory of `NNNN_name.sql` files. Default: this library's `migrations` directory. */
  readonly dir?: string;
  readonly log?: (message: string) => void;
}

export interface RunMigrationsResult {
  /** File names applied by this run, in order; empty when the schema was up to date. */
  readonly applied: string[];
}

interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
}

const TRACKING_TABLE = 'schema_migrations';

/**
 * Applies pending migrations to the handle's database, in version order. Statements run unqualified,
 * so they land in the handle's default database. Before anything runs, every applied migration must
 * still match its file (same name, same checksum); an edited one stops the run with its file name.
 */
export async function runClickHouseMigrations(
  handle: ClickHouseHandle,
  options: RunMigrationsOptions = {},
): Promise<RunMigrationsResult> {
  const log = options.log ?? ((): void => undefined);
  const dir = options.dir ?? defaultMigrationsDir();
  const files = readMigrationFiles(dir);
  await handle.client.command({
    query: `CREATE TABLE IF NOT EXISTS ${TRACKING_TABLE} (
      version UInt32,
      name String,
      checksum String,
      applied_at DateTime64(3, 'UTC')
    ) ENGINE = MergeTree ORDER BY version`,
  });
  const applied = await readApplied(handle);
  verifyApplied(applied, files, dir);

  const appliedVersions = new Set(applied.map((migration) => migration.version));
  // Split every pending file first, so a malformed one stops the run before any statement executes.
  const pending = files
    .filter((file) => !appliedVersions.has(file.version))
    .map((file) => ({ file, statements: statementsOf(file) }));

  const done: string[] = [];
  for (const { file, statements } of pending) {
    log(`applying ${file.name} (${statements.length} statement${statements.length === 1 ? '' : 's'})`);
    for (const [index, statement] of statements.entries()) {
      try {
        await handle.client.command({ query: statement });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(
          `migration ${file.name}: statement ${index + 1} of ${statements.length} failed: ${reason}`,
          {
            cause: error,
          },
        );
      }
    }
    await handle.client.command({
      query: `INSERT INTO ${TRACKING_TABLE} (version, name, checksum, applied_at)
              SELECT {version:UInt32}, {name:String}, {checksum:String}, now64(3)`,
      query_params: { version: file.version, name: file.name, checksum: file.checksum },
    });
    done.push(file.name);
  }
  return { applied: done };
}

async function readApplied(handle: ClickHouseHandle): Promise<AppliedMigration[]> {
  const result = await handle.client.query({
    query: `SELECT version, any(name) AS name, any(checksum) AS checksum
            FROM ${TRACKING_TABLE} GROUP BY version ORDER BY version`,
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ version: number | string; name: string; checksum: string }>();
  return rows.map((row) => ({ version: Number(row.version), name: row.name, checksum: row.checksum }));
}

function verifyApplied(
  applied: readonly AppliedMigration[],
  files: readonly MigrationFile[],
  dir: string,
): void {
  const byVersion = new Map(files.map((file) => [file.version, file]));
  for (const migration of applied) {
    const file = byVersion.get(migration.version);
    if (!file) {
      throw new Error(`migration ${migration.name} was applied but is missing from ${dir}; restore the file`);
    }
    if (file.name !== migration.name) {
      throw new Error(
        `migration version ${migration.version} was applied as ${migration.name} but ${dir} now has ${file.name}`,
      );
    }
    if (file.checksum !== migration.checksum) {
      throw new Error(
        `migration ${file.name} was changed after it was applied (checksum ${migration.checksum.slice(0, 12)}… ` +
          `recorded, ${file.checksum.slice(0, 12)}… now); revert it and add a new migration instead`,
      );
    }
  }
}

function statementsOf(file: MigrationFile): string[] {
  try {
    return splitSqlStatements(file.sql);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${file.name}: ${reason}`, { cause: error });
  }
}
