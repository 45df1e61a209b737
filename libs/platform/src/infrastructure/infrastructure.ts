import type { AppConfig } from '@keymeter/config';
import type { EventLog } from '@keymeter/event-log';
import type { ClickHouseHandle } from '@keymeter/clickhouse';
import type { DatabaseHandle } from '@keymeter/database';
import type { AppLogger } from '../logging/logger';
import type { DependencyCheck } from '../health/health.types';

/** The outside systems an app talks to, opened once per process and shared by every app in it. */
export interface Infrastructure {
  readonly config: AppConfig;
  readonly logger: AppLogger;
  readonly eventLog?: EventLog;
  readonly clickhouse?: ClickHouseHandle;
  readonly database?: DatabaseHandle;
  close(): Promise<void>;
}

export interface InfrastructureNeeds {
  readonly eventLog?: boolean;
  readonly clickhouse?: boolean;
  readonly database?: boolean;
}

export function eventLogCheck(log: EventLog): DependencyCheck {
  return { name: log.adapter === 'kafka' ? 'kafka' : 'event-log', check: () => log.health() };
}

export function clickhouseCheck(handle: ClickHouseHandle): DependencyCheck {
  return { name: 'clickhouse', check: () => handle.health() };
}

export function databaseCheck(handle: DatabaseHandle): DependencyCheck {
  return { name: 'postgres', check: () => handle.health() };
}

export function requireEventLog(infra: Infrastructure): EventLog {
  if (!infra.eventLog) throw new Error('this app needs the event log, which was not opened');
  return infra.eventLog;
}

export function requireClickHouse(infra: Infrastructure): ClickHouseHandle {
  if (!infra.clickhouse) throw new Error('this app needs ClickHouse, which was not opened');
  return infra.clickhouse;
}

export function requireDatabase(infra: Infrastructure): DatabaseHandle {
  if (!infra.database) throw new Error('this app needs Postgres, which was not opened');
  return infra.database;
}
