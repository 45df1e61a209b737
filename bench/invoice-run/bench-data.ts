/**
 * The generated month of the invoice-run benchmark, as pure functions of the event number, so the
 * ClickHouse generator (SQL) and the independent check (JS) derive the very same events.
 *
 * Event n (0 ≤ n < events): customer n mod customers, key n div customers mod keysPerCustomer of that
 * customer, occurred_at spread over [SPAN_START, SPAN_END) by a multiplicative hash of n (so the events of
 * a customer cover the whole month, in every time zone's period and a little outside it), status 503 for
 * n mod 50 = 3 and 404 for n mod 10 = 7 (else 200), outcome rate_limited for n mod 97 = 5 (else
 * forwarded), units (n mod 2000 + 1) / 1000 credits, response bytes 500 + n mod 5000. Billable: forwarded
 * and status below 500. Log partition n mod 6, offset n div 6.
 */
export const SPAN_START_MS = Date.parse('2026-10-31T00:00:00Z');
export const SPAN_END_MS = Date.parse('2026-12-02T00:00:00Z');
export const PERIOD = '2026-11';
export const TOPIC = 'usage-events';
export const PARTITIONS = 6;
export const HASH_MULTIPLIER = 2_654_435_761n;

export interface BenchShape {
  customers: number;
  keysPerCustomer: number;
  events: number;
}

/** Deterministic customer ids (valid UUIDs), the same in Postgres and ClickHouse. */
export function customerId(index: number): string {
  return `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
}

/** The SQL expression of `customerId` over an index expression. */
export function customerIdSql(indexSql: string): string {
  return `concat('00000000-0000-4000-8000-', leftPad(toString(${indexSql}), 12, '0'))`;
}

export interface GeneratedEvent {
  occurredAtMs: number;
  billable: boolean;
  units: bigint; // thousandths of a credit
  responseBytes: number;
}

export function eventOf(n: number, shape: BenchShape): GeneratedEvent {
  const span = BigInt(SPAN_END_MS - SPAN_START_MS);
  const slot = (BigInt(n) * HASH_MULTIPLIER) % BigInt(shape.events);
  const occurredAtMs = SPAN_START_MS + Number((slot * span) / BigInt(shape.events));
  const status = n % 50 === 3 ? 503 : n % 10 === 7 ? 404 : 200;
  const forwarded = n % 97 !== 5;
  return {
    occurredAtMs,
    billable: forwarded && status < 500,
    units: BigInt((n % 2000) + 1),
    responseBytes: 500 + (n % 5000),
  };
}

/** INSERT … SELECT of events [first, first + count) into usage_events_raw (the views fill the rest). */
export function insertEventsSql(): string {
  return `INSERT INTO usage_events_raw
    (event_id, occurred_at, gateway_id, key_id, customer_id, method, route, status, latency_ms,
     request_bytes, response_bytes, units, client_ip, user_agent, outcome, billable, late,
     source_topic, source_partition, source_offset)
    SELECT
      leftPad(toString(number), 26, '0') AS event_id,
      fromUnixTimestamp64Milli(toInt64({start:Int64} + intDiv(((number * ${HASH_MULTIPLIER}) % {events:UInt64}) * {span:UInt64}, {events:UInt64})), 'UTC') AS occurred_at,
      'gw-bench',
      concat('key_', toString((number % {customers:UInt64}) * {keys:UInt64} + intDiv(number, {customers:UInt64}) % {keys:UInt64})) AS key_id,
      ${customerIdSql('number % {customers:UInt64}')} AS customer_id,
      'GET',
      concat('/v1/route', toString(number % 20), '/:id'),
      toUInt16(multiIf(number % 50 = 3, 503, number % 10 = 7, 404, 200)) AS status,
      toUInt32(number % 250),
      200,
      toUInt64(500 + number % 5000),
      toDecimal128(number % 2000 + 1, 6) / 1000,
      '203.0.113.7',
      'bench/1.0',
      if(number % 97 = 5, 'rate_limited', 'forwarded') AS outcome,
      toUInt8(outcome = 'forwarded' AND status < 500),
      0,
      '${TOPIC}',
      toUInt32(number % ${PARTITIONS}),
      intDiv(number, ${PARTITIONS})
    FROM numbers({first:UInt64}, {count:UInt64})`;
}
