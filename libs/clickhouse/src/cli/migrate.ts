import { openClickHouse } from '../open-clickhouse';
import { runClickHouseMigrations, type RunMigrationsResult } from '../migrations/run-migrations';

export interface MigrateCliOptions {
  /** Variables to read; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Where progress lines go; default stdout. */
  readonly print?: (line: string) => void;
  /** Migrations directory; default this library's. */
  readonly dir?: string;
}

/**
 * Applies pending ClickHouse migrations and prints what it applied. Reads CLICKHOUSE_URL, CLICKHOUSE_USER,
 * CLICKHOUSE_PASSWORD, CLICKHOUSE_DATABASE (default keymeter) and, without a URL, CHDB_PATH (default .data/chdb).
 */
export async function main(options: MigrateCliOptions = {}): Promise<RunMigrationsResult> {
  const env = options.env ?? process.env;
  const print = options.print ?? ((line: string): void => void process.stdout.write(`${line}\n`));
  const url = nonEmpty(env.CLICKHOUSE_URL);
  const database = nonEmpty(env.CLICKHOUSE_DATABASE) ?? 'keymeter';
  const chdbPath = nonEmpty(env.CHDB_PATH) ?? '.data/chdb';
  const handle = await openClickHouse({
    url,
    username: nonEmpty(env.CLICKHOUSE_USER),
    password: env.CLICKHOUSE_PASSWORD,
    database,
    chdbPath,
  });
  try {
    // Never print the URL itself: it may carry credentials.
    const target = url ? `ClickHouse server ${new URL(url).host}` : `chDB at ${chdbPath}`;
    print(`migrating database ${database} on ${target}`);
    const result = await runClickHouseMigrations(handle, { dir: options.dir, log: print });
    print(result.applied.length === 0 ? 'schema is up to date' : `applied: ${result.applied.join(', ')}`);
    return result;
  } finally {
    await handle.close();
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `clickhouse migrate failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}
