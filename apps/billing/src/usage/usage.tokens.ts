import type { ClickHouseHandle } from '@keymeter/clickhouse';
import type { EventLog } from '@keymeter/event-log';

/** What the usage endpoints read: ClickHouse, and the event log for reconciliation. */
export interface UsageModuleOptions {
  readonly clickhouse: ClickHouseHandle;
  /** Needed by GET /v1/reconciliation; without it that route answers 503. */
  readonly eventLog?: EventLog;
  /** The usage events topic. Default `usage-events`. */
  readonly topic?: string;
}

export const USAGE_OPTIONS = Symbol('UsageModuleOptions');
