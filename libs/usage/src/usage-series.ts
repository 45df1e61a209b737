import type { ClickHouseClient } from '@clickhouse/client';
import type { Granularity } from '@keymeter/domain';
import { zeroMeters, type MeterValues } from './meters';
import { addMeters, canonicalDecimal } from './meter-sum';
import { groupColumn, groupOf, isUsageGroupBy, type UsageGroup, type UsageGroupBy } from './usage-group-by';
import { UsageQueryInputError } from './usage-query-error';
import { assertId, DEFAULT_MAX_BUCKETS, planBuckets } from './usage-query-input';
import { chooseUsageTable, type UsageTable, type UsageTableName } from './usage-source-table';

export interface UsageSeriesQuery {
  readonly customerId: string;
  /** Start of the range, inclusive. */
  readonly from: Date;
  /** End of the range, exclusive. */
  readonly to: Date;
  readonly granularity: Granularity;
  /** IANA zone the day and month buckets are cut in (hours and minutes follow its wall clock too). */
  readonly timeZone: string;
  readonly groupBy?: UsageGroupBy;
  /** Only these keys (of this customer: the customer filter always applies). */
  readonly keyIds?: readonly string[];
  /** Refuse ranges with more buckets (error on `to`). Default 10 000. */
  readonly maxBuckets?: number;
}

export interface UsagePoint extends MeterValues {
  /** Bucket start and end (ISO, UTC). The first bucket may start before `from`; only events in range count. */
  start: string;
  end: string;
}

export interface UsageSeriesLine {
  group: UsageGroup;
  points: UsagePoint[];
  totals: MeterValues;
}

export interface UsageSeries {
  customerId: string;
  from: string;
  to: string;
  granularity: Granularity;
  timeZone: string;
  groupBy: UsageGroupBy | null;
  /** The table that answered (rollup choice: docs/usage-queries.md). */
  source: UsageTableName;
  /** One line per group (one line with an empty group when not grouped), every bucket present. */
  series: UsageSeriesLine[];
  totals: MeterValues;
}

interface SeriesRow {
  bucket_start: string;
  grp: string;
  requests: string;
  credits: string;
  egress_bytes: string;
}

/** SQL of a series on `table`. Every interpolated piece is a constant chosen from an allow-list. */
export function seriesSql(table: UsageTable, groupBy: UsageGroupBy | undefined, filterKeys: boolean): string {
  const time = table.timeColumn;
  const type = table.timeParamType;
  // A row's own bucket, epoch ms. Raw rows are first reduced to minutes: every bucket boundary inside
  // a range is a whole minute (zone offsets are whole minutes), only from/to may not be.
  const rowBucketMs =
    table.name === 'usage_events_raw'
      ? 'toInt64(toUnixTimestamp(toStartOfMinute(occurred_at))) * 1000'
      : 'toInt64(toUnixTimestamp(bucket)) * 1000';
  return `
SELECT toString(arrayElement({starts:Array(Int64)}, arrayFirstIndex(s -> s > t, {starts:Array(Int64)}) - 1)) AS bucket_start,
       grp,
       toString(sum(r)) AS requests,
       toString(sum(c)) AS credits,
       toString(sum(e)) AS egress_bytes
FROM (
    SELECT ${rowBucketMs} AS t,
           ${groupColumn(table, groupBy)} AS grp,
           ${table.requests} AS r,
           ${table.credits} AS c,
           ${table.egressBytes} AS e
    FROM ${table.name}
    WHERE customer_id = {customerId:String}
      AND ${time} >= {from:${type}} AND ${time} < {to:${type}}${filterKeys ? '\n      AND key_id IN {keyIds:Array(String)}' : ''}
    GROUP BY t, grp
)
GROUP BY bucket_start, grp
ORDER BY grp, bucket_start`;
}

/**
 * A customer's usage over [from, to) in buckets of a time zone, each meter per bucket (and per group).
 * Reads the coarsest rollup whose rows fit the buckets; sums, never reads a rollup row as final.
 */
export async function usageSeries(client: ClickHouseClient, query: UsageSeriesQuery): Promise<UsageSeries> {
  const customerId = assertId(query.customerId, 'customerId');
  if (query.groupBy !== undefined && !isUsageGroupBy(query.groupBy)) {
    throw UsageQueryInputError.of('groupBy', 'must be one of key, route, status');
  }
  const keyIds = query.keyIds?.map((id, index) => assertId(id, `keyIds[${index}]`));
  const plan = planBuckets(
    query.from,
    query.to,
    query.granularity,
    query.timeZone,
    query.maxBuckets ?? DEFAULT_MAX_BUCKETS,
  );
  const fromMs = query.from.getTime();
  const toMs = query.to.getTime();
  const table = chooseUsageTable([fromMs, toMs, ...plan.startsMs.filter((ms) => ms > fromMs)]);

  const empty = keyIds !== undefined && keyIds.length === 0;
  const rows = empty
    ? []
    : await (
        await client.query({
          query: seriesSql(table, query.groupBy, keyIds !== undefined),
          query_params: {
            starts: plan.startsMs,
            customerId,
            from: query.from,
            to: query.to,
            ...(keyIds === undefined ? {} : { keyIds }),
          },
          format: 'JSONEachRow',
        })
      ).json<SeriesRow>();

  const ends = plan.startsMs.map((_, index) => plan.startsMs[index + 1] ?? plan.lastEndMs);
  const indexOfStart = new Map(plan.startsMs.map((ms, index) => [ms, index]));
  const byGroup = new Map<string, MeterValues[]>();
  const lineFor = (grp: string): MeterValues[] => {
    let line = byGroup.get(grp);
    if (!line) {
      line = plan.startsMs.map(() => zeroMeters());
      byGroup.set(grp, line);
    }
    return line;
  };
  if (query.groupBy === undefined) lineFor('');
  for (const row of rows) {
    const index = indexOfStart.get(Number(row.bucket_start));
    if (index === undefined)
      throw new Error(`usageSeries: row bucket ${row.bucket_start} is not a bucket start`);
    const line = lineFor(row.grp);
    line[index] = addMeters(line[index], {
      requests: row.requests,
      credits: canonicalDecimal(row.credits),
      egress_bytes: row.egress_bytes,
    });
  }

  let totals = zeroMeters();
  const series = [...byGroup.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([grp, values]): UsageSeriesLine => {
      const lineTotals = values.reduce(addMeters, zeroMeters());
      totals = addMeters(totals, lineTotals);
      return {
        group: groupOf(query.groupBy, grp),
        points: values.map((meters, index) => ({
          start: new Date(plan.startsMs[index]).toISOString(),
          end: new Date(ends[index]).toISOString(),
          ...meters,
        })),
        totals: lineTotals,
      };
    });
  return {
    customerId,
    from: query.from.toISOString(),
    to: query.to.toISOString(),
    granularity: plan.granularity,
    timeZone: plan.timeZone,
    groupBy: query.groupBy ?? null,
    source: table.name,
    series,
    totals,
  };
}
