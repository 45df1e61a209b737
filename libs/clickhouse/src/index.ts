export type {
  ClickHouseAdapter,
  ClickHouseHandle,
  ClickHouseHealth,
  OpenClickHouseOptions,
} from './clickhouse-handle';
export { openClickHouse, UNIFORM_CLICKHOUSE_SETTINGS } from './open-clickhouse';
export { assertDatabaseName } from './database-name';
export { chdbEngineUse, type ChdbEngineUse } from './chdb/chdb-session-connection';
export {
  defaultMigrationsDir,
  readMigrationFiles,
  runClickHouseMigrations,
  splitSqlStatements,
  type MigrationFile,
  type RunMigrationsOptions,
  type RunMigrationsResult,
} from './migrations';
