import type { AppConfig } from '@keymeter/config';
import { createEmbeddedEventLog, createKafkaEventLog, type EventLog } from '@keymeter/event-log';
import { openClickHouse, runClickHouseMigrations, type ClickHouseHandle } from '@keymeter/clickhouse';
import {
  allEntities,
  allMigrations,
  openDatabase,
  runDatabaseMigrations,
  type DatabaseHandle,
} from '@keymeter/database';
import type { AppLogger } from '../logging/logger';
import type { Infrastructure, InfrastructureNeeds } from './infrastructure';

/** The one place where configuration picks a real service or its embedded default. */
export function createEventLog(config: AppConfig): EventLog {
  return config.eventLog.adapter === 'kafka'
    ? createKafkaEventLog({ brokers: [...config.eventLog.brokers], clientId: config.eventLog.clientId })
    : createEmbeddedEventLog({ dataDir: config.eventLog.dataDir });
}

export function connectClickHouse(config: AppConfig): Promise<ClickHouseHandle> {
  const ch = config.clickhouse;
  return ch.adapter === 'server'
    ? openClickHouse({ url: ch.url, username: ch.username, password: ch.password, database: ch.database })
    : openClickHouse({ chdbPath: ch.path, database: ch.database });
}

export function connectDatabase(config: AppConfig): Promise<DatabaseHandle> {
  const db = config.database;
  const schema = { entities: allEntities, migrations: allMigrations };
  return db.adapter === 'postgres'
    ? openDatabase({ url: db.url, ...schema })
    : openDatabase({ pgliteDir: db.dir, pglitePort: db.port, ...schema });
}

export interface OpenOptions extends InfrastructureNeeds {
  /** Apply pending migrations on open. Embedded parts always migrate; real ones by `npm run migrate`. */
  readonly migrate?: boolean;
}

/** Opens what an app needs, in dependency order, and closes what was opened if a later step fails. */
export async function openInfrastructure(
  config: AppConfig,
  logger: AppLogger,
  needs: OpenOptions,
): Promise<Infrastructure> {
  let eventLog: EventLog | undefined;
  let clickhouse: ClickHouseHandle | undefined;
  let database: DatabaseHandle | undefined;
  const close = async (): Promise<void> => {
    await eventLog?.close();
    await clickhouse?.close();
    await database?.close();
  };
  try {
    if (needs.database) {
      database = await connectDatabase(config);
      if (needs.migrate || database.adapter === 'pglite') {
        const applied = await runDatabaseMigrations(database);
        logger.info({ applied }, 'postgres migrations applied');
      }
    }
    if (needs.clickhouse) {
      clickhouse = await connectClickHouse(config);
      if (needs.migrate || clickhouse.adapter === 'chdb') {
        const { applied } = await runClickHouseMigrations(clickhouse);
        logger.info({ applied }, 'clickhouse migrations applied');
      }
    }
    if (needs.eventLog) {
      eventLog = createEventLog(config);
      await eventLog.ensureTopics([config.topics.usageEvents, config.topics.keyRegistry]);
    }
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return { config, logger, eventLog, clickhouse, database, close };
}
