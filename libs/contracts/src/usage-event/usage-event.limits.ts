/**
 * Bounds on a UsageEvent v1; the JSON Schema in libs/contracts/schema mirrors them. String lengths count
 * Unicode code points, as JSON Schema's maxLength does.
 */
export const USAGE_EVENT_LIMITS = {
  identifierMaxLength: 128,
  methodMaxLength: 16,
  routeMaxLength: 256,
  userAgentMaxLength: 512,
  /** One day: a longer call is a clock or unit error, not a slow upstream. */
  latencyMsMax: 86_400_000,
  bytesMax: Number.MAX_SAFE_INTEGER,
  unitsIntegerDigitsMax: 12,
  unitsFractionDigitsMax: 6,
  /** Leading and trailing zeros are accepted (and dropped) up to this total length. */
  unitsStringMaxLength: 64,
  metaMaxEntries: 16,
  metaKeyMaxLength: 64,
  metaValueMaxLength: 256,
  /** Earliest accepted occurredAt: anything before is a broken clock. */
  occurredAtMin: '2000-01-01T00:00:00.000Z',
  /** Default tolerance for producer clocks running ahead of the validating service. */
  maxFutureSkewMs: 5 * 60 * 1000,
  /** Parsing stops collecting after this many errors so hostile input cannot inflate the response. */
  maxErrors: 20,
} as const;
