export {
  runClickHouseMigrations,
  type RunMigrationsOptions,
  type RunMigrationsResult,
} from './run-migrations';
export { defaultMigrationsDir, readMigrationFiles, type MigrationFile } from './migration-files';
export { splitSqlStatements } from './split-sql-statements';
