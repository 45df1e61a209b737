import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** One `NNNN_name.sql` file of the migrations directory. */
export interface MigrationFile {
  readonly version: number;
  /** The file name, e.g. `0001_usage_events_raw.sql`; recorded in schema_migrations and named in errors. */
  readonly name: string;
  readonly path: string;
  readonly sql: string;
  /** sha256 (hex) of the file with line endings normalised to LF. */
  readonly checksum: string;
}

const MIGRATION_FILE = /^(\d{4,})_([A-Za-z0-9_]+)\.sql$/;

/**
 * The migrations shipped with this library. From sources that is `libs/clickhouse/migrations`; a build
 * does not copy SQL next to the compiled code, so it falls back to that path under the working directory
 * (where the Docker image puts it).
 */
export function defaultMigrationsDir(): string {
  const candidates = [
    resolve(__dirname, '../../migrations'),
    resolve(process.cwd(), 'libs/clickhouse/migrations'),
  ];
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) throw new Error(`migrations dir: none of ${candidates.join(', ')} exists`);
  return found;
}

/** Reads every `*.sql` file of `dir`, ordered by version. Other files are ignored. */
export function readMigrationFiles(dir: string): MigrationFile[] {
  if (!existsSync(dir)) throw new Error(`migrations dir: ${dir} does not exist`);
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .map((name): MigrationFile => {
      const match = MIGRATION_FILE.exec(name);
      if (!match) throw new Error(`migration file ${name}: expected a name like 0001_create_things.sql`);
      const path = join(dir, name);
      const sql = readFileSync(path, 'utf8');
      return { version: Number(match[1]), name, path, sql, checksum: checksumOf(sql) };
    })
    .sort((a, b) => a.version - b.version);
  files.forEach((file, index) => {
    const previous = files[index - 1];
    if (previous && previous.version === file.version) {
      throw new Error(`migration files ${previous.name} and ${file.name} share version ${file.version}`);
    }
  });
  return files;
}

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n'), 'utf8').digest('hex');
}
