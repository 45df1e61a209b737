/** Why a call ended the way it did, as seen by the gateway. */
export const USAGE_OUTCOMES = [
  'forwarded',
  'rejected_auth',
  'rejected_scope',
  'rate_limited',
  'quota_exceeded',
  'upstream_error',
] as const;

export type UsageOutcome = (typeof USAGE_OUTCOMES)[number];

/** Outcomes where the gateway answered the client itself, before reaching the upstream. */
export const REJECTED_OUTCOMES: readonly UsageOutcome[] = [
  'rejected_auth',
  'rejected_scope',
  'rate_limited',
  'quota_exceeded',
];

/**
 * One call through a gateway: the immutable fact every meter, invoice and alert derives from.
 * Field semantics and limits are documented in docs/events.md.
 */
export interface UsageEventV1 {
  /** Schema version; a v2 payload carries `v: 2` and is decoded by its own parser. */
  v: 1;
  /** ULID (26 chars, Crockford base32, upper case); the idempotency key of the event. */
  id: string;
  /** When the gateway received the request: ISO-8601 UTC with milliseconds, e.g. 2026-03-01T12:00:00.000Z. */
  occurredAt: string;
  gatewayId: string;
  /** Empty string only for `rejected_auth` calls whose key could not be identified. */
  keyId: string;
  /** Empty string exactly when `keyId` is empty. */
  customerId: string;
  /** Upper-case HTTP method, e.g. GET. */
  method: string;
  /** Route template (e.g. /v1/quotes/:symbol), never the raw path; `*` when no route matched. */
  route: string;
  /** HTTP status the gateway returned to the client (100–599). */
  status: number;
  latencyMs: number;
  requestBytes: number;
  responseBytes: number;
  /** Credits as a canonical non-negative decimal string with at most 6 fraction digits, e.g. "1.5". */
  units: string;
  clientIp: string;
  /** May be empty when the client sent none. */
  userAgent: string;
  outcome: UsageOutcome;
  /** Always `outcome === 'forwarded' && status < 500`; carried so consumers never re-derive it. */
  billable: boolean;
  /** ISO 3166-1 alpha-2 country of the client, when the gateway knows it. */
  country?: string;
  /** Small string map for producer-specific context; never secrets. */
  meta?: Record<string, string>;
}

/** One problem with an input, named by its path (`status`, `meta.region`; `""` for the whole value). */
export interface FieldError {
  field: string;
  reason: string;
}

export type UsageEventParseResult = { ok: true; event: UsageEventV1 } | { ok: false; errors: FieldError[] };

/**
 * Every field of v1, in the order of the compact Kafka encoding: that order is a wire format, so new
 * optional fields are appended, never inserted or reordered.
 */
export const USAGE_EVENT_V1_FIELDS = [
  'v',
  'id',
  'occurredAt',
  'gatewayId',
  'keyId',
  'customerId',
  'method',
  'route',
  'status',
  'latencyMs',
  'requestBytes',
  'responseBytes',
  'units',
  'clientIp',
  'userAgent',
  'outcome',
  'billable',
  'country',
  'meta',
] as const satisfies readonly (keyof UsageEventV1)[];
