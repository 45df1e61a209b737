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
export {
  IP_NOT_A_LANDING_MARK,
  KEY_NOT_A_LANDING_MARK,
  LANDING_MARK_CUSTOMER,
  NOT_A_LANDING_MARK,
} from './landing-marks';
