import type { UsageEventV1 } from '@keymeter/contracts';

/** A usage_events_raw row as sent in JSONEachRow (64-bit values as strings; ingested_at is defaulted). */
export interface RawEventRow {
  readonly event_id: string;
  readonly occurred_at: string;
  readonly gateway_id: string;
  readonly key_id: string;
  readonly customer_id: string;
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly latency_ms: number;
  readonly request_bytes: number;
  readonly response_bytes: number;
  readonly units: string;
  readonly client_ip: string;
  readonly user_agent: string;
  readonly outcome: string;
  readonly billable: 0 | 1;
  readonly late: 0 | 1;
  readonly source_topic: string;
  readonly source_partition: number;
  readonly source_offset: string;
  /** ISO 3166-1 alpha-2, '' when the event has none (ClickHouse migration 0005). */
  readonly country: string;
}

export interface RowSource {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** Log append time of the record, epoch ms. */
  readonly timestamp: number;
}

/**
 * The raw row of a validated event. `late` compares the event time with the time the record reached the
 * log (not the ingestor's clock), so a batch re-formed after a crash produces the very same rows.
 */
export function toRawEventRow(event: UsageEventV1, source: RowSource, lateGraceMs: number): RawEventRow {
  const occurredMs = Date.parse(event.occurredAt);
  return {
    event_id: event.id,
    // Canonical occurredAt is 2026-03-01T12:00:00.000Z; ClickHouse's basic parser wants the space form.
    occurred_at: `${event.occurredAt.slice(0, 10)} ${event.occurredAt.slice(11, 23)}`,
    gateway_id: event.gatewayId,
    key_id: event.keyId,
    customer_id: event.customerId,
    method: event.method,
    route: event.route,
    status: event.status,
    latency_ms: event.latencyMs,
    request_bytes: event.requestBytes,
    response_bytes: event.responseBytes,
    units: event.units,
    client_ip: event.clientIp,
    user_agent: event.userAgent,
    outcome: event.outcome,
    billable: event.billable ? 1 : 0,
    late: source.timestamp - occurredMs > lateGraceMs ? 1 : 0,
    source_topic: source.topic,
    source_partition: source.partition,
    source_offset: source.offset,
    country: event.country ?? '',
  };
}
