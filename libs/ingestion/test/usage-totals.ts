import type { ClickHouseClient } from '@clickhouse/client';
import { NOT_A_LANDING_MARK } from '@keymeter/clickhouse';
import type { KeyTotals } from './usage-stream';

export const USAGE_TABLES = [
  'usage_events_raw',
  'usage_rollup_minute',
  'usage_rollup_hour',
  'usage_rollup_day',
];

/** Per-key meters as a reader computes them from one table (rollups are always summed). */
export async function totalsByKey(client: ClickHouseClient, table: string): Promise<Map<string, KeyTotals>> {
  const query =
    table === 'usage_events_raw'
      ? `SELECT key_id, toString(countIf(billable = 1)) AS requests, toString(sumIf(units, billable = 1)) AS credits,
                toString(sumIf(response_bytes, billable = 1)) AS egress, toString(count()) AS events
         FROM usage_events_raw WHERE ${NOT_A_LANDING_MARK} GROUP BY key_id`
      : `SELECT key_id, toString(sum(requests)) AS requests, toString(sum(credits)) AS credits,
                toString(sum(egress_bytes)) AS egress, toString(sum(events)) AS events
         FROM ${table} WHERE ${NOT_A_LANDING_MARK} GROUP BY key_id`;
  const result = await client.query({ query, format: 'JSONEachRow' });
  const rows = await result.json<{
    key_id: string;
    requests: string;
    credits: string;
    egress: string;
    events: string;
  }>();
  return new Map(
    rows.map((row) => [
      row.key_id,
      {
        requests: Number(row.requests),
        credits: row.credits,
        egressBytes: Number(row.egress),
        events: Number(row.events),
      },
    ]),
  );
}

/** Totals of every usage table, sorted by key, for one `toEqual` against the ground truth. */
export async function allTotals(
  client: ClickHouseClient,
): Promise<Record<string, Array<[string, KeyTotals]>>> {
  const out: Record<string, Array<[string, KeyTotals]>> = {};
  for (const table of USAGE_TABLES) out[table] = sortedEntries(await totalsByKey(client, table));
  return out;
}

export function sortedEntries(totals: Map<string, KeyTotals>): Array<[string, KeyTotals]> {
  return [...totals.entries()].sort(([a], [b]) => a.localeCompare(b));
}

export function expectedForEveryTable(
  truth: Map<string, KeyTotals>,
): Record<string, Array<[string, KeyTotals]>> {
  return Object.fromEntries(USAGE_TABLES.map((table) => [table, sortedEntries(truth)]));
}
