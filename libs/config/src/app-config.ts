import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { ParsedEnv } from './config.schema';

export type EventLogConfig =
  | { readonly adapter: 'kafka'; readonly brokers: readonly string[]; readonly clientId: string }
  | { readonly adapter: 'embedded'; readonly dataDir: string };

export type ClickHouseConfig =
  | {
      readonly adapter: 'server';
      readonly url: string;
      readonly username: string;
      readonly password: string;
      readonly database: string;
    }
  | { readonly adapter: 'chdb'; readonly path: string; readonly database: string };

export type DatabaseConfig =
  | { readonly adapter: 'postgres'; readonly url: string }
  | { readonly adapter: 'pglite'; readonly dir: string; readonly port: number };

export type RateLimitStoreConfig =
  { readonly adapter: 'redis'; readonly url: string } | { readonly adapter: 'in-process' };

export interface IngestionConfig {
  readonly lateGraceMs: number;
  readonly batchMaxEvents: number;
  readonly batchMaxWaitMs: number;
}

export interface WebhooksConfig {
  readonly deliveryIntervalMs: number;
  readonly deliveryTimeoutMs: number;
  readonly deliveryBatchSize: number;
}

/** The validated configuration every app reads from. Built once at start-up. */
export interface AppConfig {
  readonly env: ParsedEnv['NODE_ENV'];
  readonly logLevel: ParsedEnv['LOG_LEVEL'];
  readonly dataDir: string;
  readonly host: string;
  readonly ports: { readonly gateway: number; readonly ingestor: number; readonly billing: number };
  readonly gatewayId: string;
  readonly eventLog: EventLogConfig;
  readonly clickhouse: ClickHouseConfig;
  readonly database: DatabaseConfig;
  readonly rateLimitStore: RateLimitStoreConfig;
  readonly topics: {
    readonly usageEvents: { readonly name: string; readonly partitions: number };
    readonly keyRegistry: { readonly name: string; readonly partitions: number; readonly compacted: true };
    /** Invalid usage events, with the reason in a header; as many partitions as usage-events. */
    readonly usageEventsDeadLetter: { readonly name: string; readonly partitions: number };
  };
  readonly ingestion: IngestionConfig;
  /** JSON file with the gateway's routes; none configured means every proxied path is 404. */
  readonly gatewayRoutesFile: string | undefined;
  /** Lower-case name of the request header with the client's country; none: events carry no country. */
  readonly gatewayCountryHeader: string | undefined;
  /** A fixed admin token (e.g. from a secret store); when unset, one is generated on first start. */
  readonly adminToken: string | undefined;
  /** Invoices of a period may be finalized only this long after the period ends. */
  readonly invoiceFinalizeGraceMs: number;
  /** Finalized invoices of this many periods before a run's period are re-derived for late usage. */
  readonly invoiceLateUsageLookbackPeriods: number;
  readonly alerts: AlertsConfig;
  readonly webhooks: WebhooksConfig;
}

/** The anomaly evaluator of the billing app (docs/anomaly-detection.md, "Evaluator"). */
export interface AlertsConfig {
  /** 0: the evaluator does not run on its own (explicit evaluations only). */
  readonly evaluationIntervalMs: number;
  readonly evaluationDelayMs: number;
  readonly autoResolveAfterMinutes: number;
  readonly baselineWarmupDays: number;
}

/** Maps validated variables to the adapters they select. The only place that choice is made. */
export function toAppConfig(env: ParsedEnv): AppConfig {
  const dataDir = resolve(env.KEYMETER_DATA_DIR);
  return {
    env: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    dataDir,
    host: env.HOST,
    ports: { gateway: env.GATEWAY_PORT, ingestor: env.INGESTOR_PORT, billing: env.BILLING_PORT },
    gatewayId: env.GATEWAY_ID ?? `gw-${hostname()}-${process.pid}`,
    eventLog: env.KAFKA_BROKERS
      ? {
          adapter: 'kafka',
          brokers: env.KAFKA_BROKERS.split(',').map((b) => b.trim()),
          clientId: env.KAFKA_CLIENT_ID,
        }
      : { adapter: 'embedded', dataDir: join(dataDir, 'event-log') },
    clickhouse: env.CLICKHOUSE_URL
      ? {
          adapter: 'server',
          url: env.CLICKHOUSE_URL,
          username: env.CLICKHOUSE_USER,
          password: env.CLICKHOUSE_PASSWORD,
          database: env.CLICKHOUSE_DATABASE,
        }
      : {
          adapter: 'chdb',
          path: resolve(env.CHDB_PATH ?? join(dataDir, 'chdb')),
          database: env.CLICKHOUSE_DATABASE,
        },
    database: env.DATABASE_URL
      ? { adapter: 'postgres', url: env.DATABASE_URL }
      : { adapter: 'pglite', dir: resolve(env.PGLITE_DIR ?? join(dataDir, 'pglite')), port: env.PGLITE_PORT },
    rateLimitStore: env.REDIS_URL ? { adapter: 'redis', url: env.REDIS_URL } : { adapter: 'in-process' },
    topics: {
      usageEvents: { name: 'usage-events', partitions: env.USAGE_EVENTS_PARTITIONS },
      keyRegistry: { name: 'key-registry', partitions: 1, compacted: true },
      usageEventsDeadLetter: { name: 'usage-events-dlq', partitions: env.USAGE_EVENTS_PARTITIONS },
    },
    ingestion: {
      lateGraceMs: env.INGEST_LATE_GRACE_SECONDS * 1000,
      batchMaxEvents: env.INGEST_BATCH_MAX_EVENTS,
      batchMaxWaitMs: env.INGEST_BATCH_MAX_WAIT_MS,
    },
    gatewayRoutesFile: env.GATEWAY_ROUTES_FILE === undefined ? undefined : resolve(env.GATEWAY_ROUTES_FILE),
    gatewayCountryHeader: env.GATEWAY_COUNTRY_HEADER,
    adminToken: env.ADMIN_TOKEN,
    invoiceFinalizeGraceMs: env.INVOICE_FINALIZE_GRACE_SECONDS * 1000,
    invoiceLateUsageLookbackPeriods: env.INVOICE_LATE_USAGE_LOOKBACK_PERIODS,
    alerts: {
      evaluationIntervalMs: env.ALERTS_EVALUATION_INTERVAL_SECONDS * 1000,
      evaluationDelayMs: env.ALERTS_EVALUATION_DELAY_SECONDS * 1000,
      autoResolveAfterMinutes: env.ALERTS_AUTO_RESOLVE_AFTER_MINUTES,
      baselineWarmupDays: env.ALERTS_BASELINE_WARMUP_DAYS,
    },
    webhooks: {
      deliveryIntervalMs: env.WEBHOOK_DELIVERY_INTERVAL_MS,
      deliveryTimeoutMs: env.WEBHOOK_DELIVERY_TIMEOUT_MS,
      deliveryBatchSize: env.WEBHOOK_DELIVERY_BATCH_SIZE,
    },
  };
}
