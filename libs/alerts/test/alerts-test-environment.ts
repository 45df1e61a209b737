import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openClickHouse, runClickHouseMigrations, type ClickHouseHandle } from '@keymeter/clickhouse';
import { openDatabase, runDatabaseMigrations, type DatabaseHandle } from '@keymeter/database';
import { createKafkaEventLog, type EventLog } from '@keymeter/event-log';
import type { RawEventRow } from '@keymeter/ingestion';
import { createKeyManagement, type KeyManagement } from '@keymeter/keys';
import { createTestDatabase, type TestDatabase } from '@keymeter/testing';

/** What the alerts' integration tests run against: the real Postgres, chDB and Kafka broker, and key management. */
export interface AlertsTestEnvironment {
  readonly handle: DatabaseHandle;
  readonly clickhouse: ClickHouseHandle;
  readonly km: KeyManagement;
  /** Inserts raw event rows (the views fill the rollups and the minute tables), in chunks of 50,000. */
  insertRawRows(rows: readonly RawEventRow[]): Promise<void>;
  /** Stops key management and closes and removes everything opened. */
  close(): Promise<void>;
}

/**
 * A fresh migrated Postgres database, a migrated chDB in a temporary directory, the broker of the jest run
 * (KAFKA_BROKERS) with a key registry topic of its own, and key management started on them. `name` tells the
 * test's resources apart; `clock` is key management's (the tests' simulated time), the system clock without it.
 */
export async function openAlertsTestEnvironment(
  name: string,
  clock?: () => Date,
): Promise<AlertsTestEnvironment> {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter((b) => b !== '');
  if (brokers.length === 0) throw new Error('KAFKA_BROKERS is not set: run these tests through jest');
  let db: TestDatabase | undefined;
  let handle: DatabaseHandle | undefined;
  let chDir: string | undefined;
  let clickhouse: ClickHouseHandle | undefined;
  let log: EventLog | undefined;
  let km: KeyManagement | undefined;
  const close = async (): Promise<void> => {
    await km?.stop();
    await log?.close();
    await clickhouse?.close();
    await handle?.close();
    await db?.drop();
    if (chDir !== undefined) rmSync(chDir, { recursive: true, force: true });
  };
  try {
    db = await createTestDatabase();
    handle = await openDatabase({ url: db.url });
    await runDatabaseMigrations(handle);
    chDir = mkdtempSync(join(tmpdir(), `km-alerts-${name}-`));
    clickhouse = await openClickHouse({ chdbPath: chDir, database: 'keymeter' });
    await runClickHouseMigrations(clickhouse);
    log = createKafkaEventLog({ brokers, clientId: `keymeter-alerts-${name}-test` });
    const topic = `key-registry-alerts-${name}-${process.pid}-${randomBytes(4).toString('hex')}`;
    await log.ensureTopics([{ name: topic, partitions: 1, compacted: true }]);
    km = createKeyManagement({
      dataSource: handle.dataSource,
      eventLog: log,
      registryTopic: topic,
      showAdminTokenOnce: () => undefined,
      ...(clock === undefined ? {} : { clock }),
    });
    await km.start();
    const opened = clickhouse;
    const insertRawRows = async (rows: readonly RawEventRow[]): Promise<void> => {
      for (let start = 0; start < rows.length; start += 50_000) {
        await opened.client.insert({
          table: 'usage_events_raw',
          values: rows.slice(start, start + 50_000),
          format: 'JSONEachRow',
        });
      }
    };
    return { handle, clickhouse, km, insertRawRows, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
