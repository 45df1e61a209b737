import type { RawEventRow } from './raw-event-row';

/** The columns of `usage_events_raw` the ingestor writes, in the order of the TabSeparated body. */
export const RAW_EVENT_COLUMNS = [
  'event_id',
  'occurred_at',
  'gateway_id',
  'key_id',
  'customer_id',
  'method',
  'route',
  'status',
  'latency_ms',
  'request_bytes',
  'response_bytes',
  'units',
  'client_ip',
  'user_agent',
  'outcome',
  'billable',
  'late',
  'source_topic',
  'source_partition',
  'source_offset',
] as const satisfies readonly (keyof RawEventRow)[];

const NEEDS_ESCAPE = /[\\\t\n\r\0\b\f]/;
const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
};

/** A string field in ClickHouse's TabSeparated escaping (backslash escapes; everything else verbatim). */
export function tabSeparatedField(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r\0\b\f]/g, (c) => ESCAPES[c]) : value;
}

/** One row as a TabSeparated line (with its newline). */
export function rawEventRowAsTabSeparated(row: RawEventRow): string {
  const f = tabSeparatedField;
  // Numbers and the fixed-format time, decimal and offset strings never need escaping.
  return (
    `${f(row.event_id)}\t${row.occurred_at}\t${f(row.gateway_id)}\t${f(row.key_id)}\t${f(row.customer_id)}\t` +
    `${f(row.method)}\t${f(row.route)}\t${row.status}\t${row.latency_ms}\t${row.request_bytes}\t` +
    `${row.response_bytes}\t${row.units}\t${f(row.client_ip)}\t${f(row.user_agent)}\t${f(row.outcome)}\t` +
    `${row.billable}\t${row.late}\t${f(row.source_topic)}\t${row.source_partition}\t${row.source_offset}\n`
  );
}

/**
 * The rows as a TabSeparated body for `INSERT INTO usage_events_raw (RAW_EVENT_COLUMNS) FORMAT TabSeparated`.
 * Several times cheaper for ClickHouse to parse than keyed JSON (docs/benchmarks.md, insert formats).
 */
export function rawEventRowsAsTabSeparated(rows: readonly RawEventRow[]): string {
  let body = '';
  for (const row of rows) body += rawEventRowAsTabSeparated(row);
  return body;
}
