import type { ClickHouseClient } from '@clickhouse/client';
import { IP_NOT_A_LANDING_MARK, KEY_NOT_A_LANDING_MARK, NOT_A_LANDING_MARK } from '@keymeter/clickhouse';

/** Each table an insert writes, a short label, and how a reader counts its events (landing marks left out). */
export const COUNTED_TABLES: ReadonlyArray<
  readonly [table: string, label: string, measure: string, condition: string]
> = [
  ['usage_events_raw', 'raw', 'count()', NOT_A_LANDING_MARK],
  ['usage_rollup_minute', 'minute', 'sum(events)', NOT_A_LANDING_MARK],
  ['usage_rollup_hour', 'hour', 'sum(events)', NOT_A_LANDING_MARK],
  ['usage_rollup_day', 'day', 'sum(events)', NOT_A_LANDING_MARK],
  ['usage_event_ids', 'ids', 'count()', "NOT startsWith(event_id, '~')"],
  ['key_activity_minute', 'activity', 'sum(events)', NOT_A_LANDING_MARK],
  ['auth_failures_minute', 'auth', 'sum(failures)', IP_NOT_A_LANDING_MARK],
  ['key_country_minute', 'country', 'sum(events)', KEY_NOT_A_LANDING_MARK],
];

/** What a reader sees in every table. */
export async function readerTotals(client: ClickHouseClient): Promise<Record<string, number>> {
  const parts = COUNTED_TABLES.map(
    ([table, , measure, condition]) =>
      `(SELECT toString(${measure}) FROM ${table} WHERE ${condition}) AS ${table}`,
  );
  const result = await client.query({ query: `SELECT ${parts.join(', ')}`, format: 'JSONEachRow' });
  const [row] = await result.json<Record<string, string>>();
  return Object.fromEntries(Object.entries(row).map(([table, value]) => [table, Number(value)]));
}
