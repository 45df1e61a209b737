/**
 * Where a usage query reads from, and the SQL fragments that differ between the raw table and the
 * rollups. Every fragment is a constant of this file: nothing here is built from input.
 */
export type UsageTableName =
  'usage_rollup_day' | 'usage_rollup_hour' | 'usage_rollup_minute' | 'usage_events_raw';

export interface UsageTable {
  readonly name: UsageTableName;
  /** UTC resolution of a row's time column, ms (raw: 1). */
  readonly resolutionMs: number;
  /** The column rows are filtered and bucketed on, and its ClickHouse type for parameters. */
  readonly timeColumn: string;
  readonly timeParamType: string;
  readonly requests: string;
  readonly credits: string;
  readonly egressBytes: string;
  readonly statusClass: string;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

function rollup(name: UsageTableName, resolutionMs: number): UsageTable {
  return {
    name,
    resolutionMs,
    timeColumn: 'bucket',
    timeParamType: "DateTime('UTC')",
    requests: 'sum(requests)',
    credits: 'sum(credits)',
    egressBytes: 'sum(egress_bytes)',
    statusClass: 'status_class',
  };
}

export const USAGE_TABLES: Readonly<Record<UsageTableName, UsageTable>> = {
  usage_rollup_day: rollup('usage_rollup_day', DAY_MS),
  usage_rollup_hour: rollup('usage_rollup_hour', HOUR_MS),
  usage_rollup_minute: rollup('usage_rollup_minute', MINUTE_MS),
  usage_events_raw: {
    name: 'usage_events_raw',
    resolutionMs: 1,
    timeColumn: 'occurred_at',
    timeParamType: "DateTime64(3, 'UTC')",
    requests: 'countIf(billable = 1)',
    credits: 'sumIf(units, billable = 1)',
    egressBytes: 'sumIf(response_bytes, billable = 1)',
    statusClass: 'toUInt8(intDiv(status, 100))',
  },
};

/** Coarsest first: the first table whose rows never straddle a boundary is the cheapest correct one. */
const BY_COARSENESS: readonly UsageTable[] = [
  USAGE_TABLES.usage_rollup_day,
  USAGE_TABLES.usage_rollup_hour,
  USAGE_TABLES.usage_rollup_minute,
  USAGE_TABLES.usage_events_raw,
];

/**
 * The coarsest table that answers exactly. A rollup row covers one UTC minute, hour or day, so it may be
 * used only if every boundary of the answer (from, to, and each bucket start inside the range) falls on
 * a multiple of its resolution: then no row straddles two buckets or the range's edges.
 *
 * - day rollup (UTC days): only when the requested zone's days (or months) start at 00:00 UTC over the
 *   whole range, i.e. UTC itself or a zone at +00:00 for the range (London in winter);
 * - hour rollup: whole-hour zones (New York, Auckland, London in summer), DST changes included;
 * - minute rollup: every current zone (Kolkata +05:30, Kathmandu +05:45, Lord Howe, Chatham);
 * - raw table: from/to not on a whole minute.
 */
export function chooseUsageTable(boundariesMs: readonly number[]): UsageTable {
  for (const table of BY_COARSENESS) {
    if (boundariesMs.every((ms) => ms % table.resolutionMs === 0)) return table;
  }
  return USAGE_TABLES.usage_events_raw;
}
