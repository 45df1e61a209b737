import { MigrationExecutor } from 'typeorm';
import type { DatabaseHandle } from './database-handle';

/**
 * Session-level advisory lock id taken while migrating, so that several instances starting at
 * once against one server apply each migration exactly once (the others wait, then find nothing
 * pending). Any fixed bigint works; this one is reserved for schema migrations.
 */
const MIGRATION_LOCK_ID = '7319480526';

/**
 * Applies pending migrations, each in its own transaction, and returns the names applied
 * (empty when the schema is current). Equivalent to dataSource.runMigrations({ transaction: 'each' })
 * run on one connection that holds the migration lock.
 */
export async function runDatabaseMigrations(handle: Pick<DatabaseHandle, 'dataSource'>): Promise<string[]> {
  const queryRunner = handle.dataSource.createQueryRunner();
  try {
    await queryRunner.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_ID]);
    let failed = false;
    try {
      const executor = new MigrationExecutor(handle.dataSource, queryRunner);
      executor.transaction = 'each';
      const applied = await executor.executePendingMigrations();
      return applied.map((migration) => migration.name);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      // If migrating failed because the connection broke, the server has released the lock with
      // the session; the original error is the one worth reporting.
      await queryRunner
        .query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_ID])
        .catch((unlockError: unknown) => {
          if (!failed) throw unlockError;
        });
    }
  } finally {
    await queryRunner.release();
  }
}
