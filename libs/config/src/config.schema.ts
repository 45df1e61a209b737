import { z } from 'zod';

/**
 * Every environment variable keymeter reads, in one place. `docker-compose.yml` uses the same names;
 * a test checks that the two agree.
 */
export const ENV_VARIABLES = [
  'NODE_ENV',
  'LOG_LEVEL',
  'KEYMETER_DATA_DIR',
  'HOST',
  'GATEWAY_PORT',
  'INGESTOR_PORT',
  'BILLING_PORT',
  'KAFKA_BROKERS',
  'KAFKA_CLIENT_ID',
  'USAGE_EVENTS_PARTITIONS',
  'CLICKHOUSE_URL',
  'CLICKHOUSE_USER',
  'CLICKHOUSE_PASSWORD',
  'CLICKHOUSE_DATABASE',
  'CHDB_PATH',
  'DATABASE_URL',
  'PGLITE_DIR',
  'PGLITE_PORT',
  'REDIS_URL',
  'GATEWAY_ID',
  'GATEWAY_ROUTES_FILE',
  'GATEWAY_COUNTRY_HEADER',
  'ADMIN_TOKEN',
  'INGEST_LATE_GRACE_SECONDS',
  'INGEST_BATCH_MAX_EVENTS',
  'INGEST_BATCH_MAX_WAIT_MS',
  'INVOICE_FINALIZE_GRACE_SECONDS',
  'INVOICE_LATE_USAGE_LOOKBACK_PERIODS',
  'ALERTS_EVALUATION_INTERVAL_SECONDS',
  'ALERTS_EVALUATION_DELAY_SECONDS',
  'ALERTS_AUTO_RESOLVE_AFTER_MINUTES',
  'ALERTS_BASELINE_WARMUP_DAYS',
  'WEBHOOK_DELIVERY_INTERVAL_MS',
  'WEBHOOK_DELIVERY_TIMEOUT_MS',
  'WEBHOOK_DELIVERY_BATCH_SIZE',
] as const;

export type EnvVariable = (typeof ENV_VARIABLES)[number];

const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const port = (fallback: number) =>
  z
    .string()
    .trim()
    .default(String(fallback))
    .refine((v) => /^\d+$/.test(v) && Number(v) >= 0 && Number(v) <= 65535, {
      message: 'expected a TCP port number from 0 to 65535',
    })
    .transform(Number);

const positiveInt = (fallback: number, max: number) =>
  z
    .string()
    .trim()
    .default(String(fallback))
    .refine((v) => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= max, {
      message: `expected a whole number from 1 to ${max}`,
    })
    .transform(Number);

const wholeNumber = (fallback: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .default(String(fallback))
    .refine((v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max, {
      message: `expected a whole number from ${min} to ${max}`,
    })
    .transform(Number);

const url = (protocols: readonly string[]) =>
  optionalText.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `expected a URL with scheme ${protocols.map((p) => p.replace(':', '')).join(' or ')}` },
  );

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KEYMETER_DATA_DIR: z.string().trim().min(1).default('.data'),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  GATEWAY_PORT: port(8080),
  INGESTOR_PORT: port(8081),
  BILLING_PORT: port(8082),
  KAFKA_BROKERS: optionalText.refine(
    (v) => v === undefined || v.split(',').every((b) => HOST_PORT.test(b.trim())),
    { message: 'expected a comma-separated list of host:port' },
  ),
  KAFKA_CLIENT_ID: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1-64 characters of letters, digits, dot, dash, underscore')
    .default('keymeter'),
  USAGE_EVENTS_PARTITIONS: positiveInt(6, 1024),
  CLICKHOUSE_URL: url(['http:', 'https:']),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  CLICKHOUSE_DATABASE: z
    .string()
    .trim()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'expected an identifier (letters, digits, underscore)')
    .default('keymeter'),
  CHDB_PATH: optionalText,
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  PGLITE_DIR: optionalText,
  PGLITE_PORT: port(0),
  REDIS_URL: url(['redis:', 'rediss:']),
  GATEWAY_ID: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1-64 characters of letters, digits, dot, dash, underscore')
    .optional(),
  GATEWAY_ROUTES_FILE: optionalText,
  /**
   * Request header with the client's ISO 3166-1 alpha-2 country, set by the CDN or load balancer in front of
   * the gateway (Cloudflare's CF-IPCountry by default; CloudFront-Viewer-Country, X-Country-Code…). Empty:
   * events carry no country. Clients reaching the gateway directly can set it themselves, so only use a header
   * the proxy in front overwrites.
   */
  GATEWAY_COUNTRY_HEADER: z
    .string()
    .trim()
    .default('CF-IPCountry')
    .refine((v) => v === '' || /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/.test(v), {
      message: 'expected an HTTP header name (1-64 token characters) or empty',
    })
    .transform((v) => (v === '' ? undefined : v.toLowerCase())),
  /** Seconds after a billing period ends before its invoices may be finalized (late events still arrive). */
  INVOICE_FINALIZE_GRACE_SECONDS: wholeNumber(3600, 0, 31 * 24 * 3600),
  /**
   * How many billing periods before the one being run an invoice run re-derives for late usage
   * (docs/billing.md, "Late usage"); 0 turns late-usage adjustments off.
   */
  INVOICE_LATE_USAGE_LOOKBACK_PERIODS: wholeNumber(3, 0, 120),
  ADMIN_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 24, {
    message: 'expected at least 24 characters',
  }),
  /** Events reaching the log more than this after they occurred are stored flagged late. */
  INGEST_LATE_GRACE_SECONDS: wholeNumber(3600, 0, 31 * 24 * 3600),
  /** The ingestor inserts a partition's events in batches of at most this many... */
  INGEST_BATCH_MAX_EVENTS: positiveInt(50_000, 100_000),
  /** ...or of whatever arrived once the oldest buffered event has waited this long. */
  INGEST_BATCH_MAX_WAIT_MS: wholeNumber(500, 0, 60_000),
  /** The anomaly evaluator runs this often (0 = not on its own; docs/anomaly-detection.md). */
  ALERTS_EVALUATION_INTERVAL_SECONDS: wholeNumber(60, 0, 3600),
  /** A minute is evaluated this long after it ended, so its events have reached ClickHouse. */
  ALERTS_EVALUATION_DELAY_SECONDS: wholeNumber(15, 0, 600),
  /** An alert whose condition stayed clear this long is resolved. */
  ALERTS_AUTO_RESOLVE_AFTER_MINUTES: positiveInt(30, 7 * 24 * 60),
  /** History read from ClickHouse to build the baseline of a key the evaluator has not seen yet. */
  ALERTS_BASELINE_WARMUP_DAYS: wholeNumber(15, 0, 35),
  /** The webhook delivery worker polls for due deliveries this often when idle (docs/webhooks.md). */
  WEBHOOK_DELIVERY_INTERVAL_MS: wholeNumber(1000, 50, 60_000),
  /** A receiver that has not answered a delivery within this long has failed the attempt. */
  WEBHOOK_DELIVERY_TIMEOUT_MS: wholeNumber(10_000, 100, 60_000),
  /** Deliveries claimed and sent concurrently per poll. */
  WEBHOOK_DELIVERY_BATCH_SIZE: positiveInt(20, 500),
});

export type RawEnv = z.input<typeof envSchema>;
export type ParsedEnv = z.output<typeof envSchema>;
