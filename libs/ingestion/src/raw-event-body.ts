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
  'country',
] as const satisfies readonly (keyof RawEventRow)[];

const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
};

/** True when `value` holds a character TabSeparated escapes. A loop: cheaper than a regex on short strings. */
function needsEscape(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    // backslash, or one of \0 \b \t \n \f \r (all below 14)
    if (
      code === 92 ||
      (code < 14 && (code === 0 || code === 8 || code === 9 || code === 10 || code === 12 || code === 13))
    ) {
      return true;
    }
  }
  return false;
}

/** A string field in ClickHouse's TabSeparated escaping (backslash escapes; everything else verbatim). */
export function tabSeparatedField(value: string): string {
  return needsEscape(value) ? value.replace(/[\\\t\n\r\0\b\f]/g, (c) => ESCAPES[c]) : value;
}

/** One row as a TabSeparated line (with its newline). */
export function rawEventRowAsTabSeparated(row: RawEventRow): string {
  const f = tabSeparatedField;
  // Numbers and the fixed-format time, decimal and offset strings never need escaping.
  return (
    `${f(row.event_id)}\t${row.occurred_at}\t${f(row.gateway_id)}\t${f(row.key_id)}\t${f(row.customer_id)}\t` +
    `${f(row.method)}\t${f(row.route)}\t${row.status}\t${row.latency_ms}\t${row.request_bytes}\t` +
    `${row.response_bytes}\t${row.units}\t${f(row.client_ip)}\t${f(row.user_agent)}\t${f(row.outcome)}\t` +
    `${row.billable}\t${row.late}\t${f(row.source_topic)}\t${row.source_partition}\t${row.source_offset}\t` +
    `${f(row.country)}\n`
  );
}
