import { loadConfig } from '@keymeter/config';
import type { OpenDatabaseOptions } from '../database-handle';
import { openDatabase } from '../open-database';
import { runDatabaseMigrations } from '../run-migrations';

export type PrintLine = (line: string) => void;

const printToStdout: PrintLine = (line) => process.stdout.write(`${line}\n`);

/**
 * Applies pending migrations to the configured database: DATABASE_URL when set, otherwise the
 * PGlite directory PGLITE_DIR (default <KEYMETER_DATA_DIR>/pglite, i.e. .data/pglite).
 * Fails if the PGlite directory is open in a running app. Returns the names applied.
 */
export async function main(
  env: NodeJS.ProcessEnv = process.env,
  print: PrintLine = printToStdout,
): Promise<string[]> {
  const { database } = loadConfig(env);
  const options: OpenDatabaseOptions =
    // The migration run needs no fixed port: the embedded server is private to this process.
    database.adapter === 'postgres' ? { url: database.url } : { pgliteDir: database.dir, pglitePort: 0 };
  const handle = await openDatabase(options);
  try {
    print(`migrating ${handle.adapter} database at ${handle.endpoint}`);
    const applied = await runDatabaseMigrations(handle);
    if (applied.length === 0) print('schema is up to date: no migration applied');
    for (const name of applied) print(`applied ${name}`);
    return applied;
  } finally {
    await handle.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
