import type { ClickHouseClient } from '@clickhouse/client';
import type {
  KeyUsageQuantities,
  UsageCutoff,
  UsageQuantities,
  UsageRange,
  UsageSource,
} from '@keymeter/billing';
import type { ClickHouseHandle } from '@keymeter/clickhouse';
import { readIngestWatermarks } from '@keymeter/ingestion';
import { canonicalDecimal } from './meter-sum';
import { assertId, assertRange } from './usage-query-input';
import { lastUsedAt, usageByKey, usageTotals } from './usage-totals';
import { USAGE_TABLES } from './usage-source-table';

export const DEFAULT_USAGE_TOPIC = 'usage-events';

interface MeterRow {
  key_id?: string;
  requests: string;
  credits: string;
  egress_bytes: string;
}

function quantitiesOf(row: MeterRow | undefined): UsageQuantities {
  if (!row) return { requests: '0', credits: '0', egress_bytes: '0' };
  return { requests: row.requests, credits: canonicalDecimal(row.credits), egress_bytes: row.egress_bytes };
}

/**
 * Cut-off offsets as an array indexed by partition (missing partitions: 0, so nothing of them counts).
 * Partition keys are decimal partition numbers, as `cutoff()` writes them.
 */
function offsetsByPartition(cutoff: UsageCutoff): string[] {
  const entries = Object.entries(cutoff.offsets).map(([partition, offset]) => {
    if (!/^\d{1,5}$/.test(partition))
      throw new Error(`asOf.offsets: partition "${partition}" is not a number`);
    if (!/^\d{1,20}$/.test(offset))
      throw new Error(`asOf.offsets[${partition}]: "${offset}" is not an offset`);
    return [Number(partition), offset] as const;
  });
  const size = entries.reduce((max, [partition]) => Math.max(max, partition + 1), 0);
  const out = new Array<string>(size).fill('0');
  for (const [partition, offset] of entries) out[partition] = offset;
  return out;
}

/**
 * Meters "as of" a cut-off: from the raw table, keeping only rows whose log offset is below the cut-off
 * of their partition (rollups carry no offsets). One customer's month is a range of the raw table's
 * sorting key, so this stays a bounded scan.
 */
async function asOfQuery(
  client: ClickHouseClient,
  topic: string,
  customerId: string,
  from: Date,
  to: Date,
  cutoff: UsageCutoff,
  perKey: boolean,
): Promise<MeterRow[]> {
  const raw = USAGE_TABLES.usage_events_raw;
  const result = await client.query({
    query: `SELECT ${perKey ? 'key_id, ' : ''}toString(${raw.requests}) AS requests,
                   toString(${raw.credits}) AS credits, toString(${raw.egressBytes}) AS egress_bytes
            FROM usage_events_raw
            WHERE customer_id = {customerId:String}
              AND occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')}
              AND source_topic = {topic:String}
              AND source_offset < toUInt64OrZero(arrayElement({cut:Array(String)}, source_partition + 1))
            ${perKey ? 'GROUP BY key_id ORDER BY key_id' : ''}`,
    query_params: { customerId, from, to, topic, cut: offsetsByPartition(cutoff) },
    format: 'JSONEachRow',
  });
  return result.json<MeterRow>();
}

/** Ranges per grouped query: bounds the parameters (sent in the URL to a server) to ~100 KB. */
const RANGES_PER_QUERY = 1000;

/**
 * Many customers' ranges "as of" a cut-off in one grouped query: the ranges are joined to the raw rows of
 * their customer and each row counts in the ranges that hold its time. The scan is bounded by the set of
 * customers (the sorting key) and the span of all ranges, so a chunk of customers sorted by id reads one
 * contiguous stretch of the table. With `perKey`, one row per range and key (keys without a row in the
 * range are left out).
 */
async function asOfManyQuery(
  client: ClickHouseClient,
  topic: string,
  ranges: ReadonlyArray<CheckedRange>,
  cutoff: UsageCutoff,
  perKey: boolean,
): Promise<Array<MeterRow & { idx: number }>> {
  const raw = USAGE_TABLES.usage_events_raw;
  const result = await client.query({
    query: `SELECT ranges.range_index AS idx, ${perKey ? 'usage_events_raw.key_id AS key_id,' : ''}
                   toString(${raw.requests}) AS requests,
                   toString(${raw.credits}) AS credits, toString(${raw.egressBytes}) AS egress_bytes
            FROM usage_events_raw
            INNER JOIN (
              SELECT tupleElement(r, 1) AS range_index, tupleElement(r, 2) AS range_customer,
                     fromUnixTimestamp64Milli(tupleElement(r, 3), 'UTC') AS range_from,
                     fromUnixTimestamp64Milli(tupleElement(r, 4), 'UTC') AS range_to
              FROM (SELECT arrayJoin(arrayZip({indexes:Array(UInt32)}, {customers:Array(String)},
                                              {froms:Array(Int64)}, {tos:Array(Int64)})) AS r)
            ) AS ranges ON usage_events_raw.customer_id = ranges.range_customer
            WHERE usage_events_raw.customer_id IN {customerSet:Array(String)}
              AND occurred_at >= fromUnixTimestamp64Milli({spanFrom:Int64}, 'UTC')
              AND occurred_at < fromUnixTimestamp64Milli({spanTo:Int64}, 'UTC')
              AND source_topic = {topic:String}
              AND source_offset < toUInt64OrZero(arrayElement({cut:Array(String)}, source_partition + 1))
              AND occurred_at >= ranges.range_from AND occurred_at < ranges.range_to
            GROUP BY idx${perKey ? ', key_id' : ''}`,
    query_params: {
      indexes: ranges.map((r) => r.index),
      customers: ranges.map((r) => r.customerId),
      froms: ranges.map((r) => r.fromMs),
      tos: ranges.map((r) => r.toMs),
      customerSet: [...new Set(ranges.map((r) => r.customerId))],
      spanFrom: Math.min(...ranges.map((r) => r.fromMs)),
      spanTo: Math.max(...ranges.map((r) => r.toMs)),
      topic,
      cut: offsetsByPartition(cutoff),
    },
    format: 'JSONEachRow',
  });
  const rows = await result.json<MeterRow & { idx: number | string }>();
  return rows.map((row) => ({ ...row, idx: Number(row.idx) }));
}

interface CheckedRange {
  index: number;
  customerId: string;
  fromMs: number;
  toMs: number;
}

/** Validates ranges and sorts them by customer, so each grouped query reads one contiguous stretch. */
function checkedRanges(ranges: readonly UsageRange[]): CheckedRange[] {
  const checked = ranges.map((range, index) => {
    assertRange(range.from, range.to);
    return {
      index,
      customerId: assertId(range.customerId, `ranges[${index}].customerId`),
      fromMs: range.from.getTime(),
      toMs: range.to.getTime(),
    };
  });
  return checked.sort((a, b) =>
    a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : a.index - b.index,
  );
}

export interface ClickHouseUsageSourceOptions {
  /** The topic the ingestor consumes (its watermarks are the cut-off). Default `usage-events`. */
  readonly topic?: string;
  readonly clock?: () => Date;
}

/**
 * The billing UsageSource on ClickHouse: quantities from the rollups (or, "as of" a cut-off, from the raw
 * table filtered by log offsets); the cut-off is the ingestor's watermark per partition.
 */
export function createClickHouseUsageSource(
  handle: ClickHouseHandle,
  options: ClickHouseUsageSourceOptions = {},
): UsageSource {
  const client = handle.client;
  const topic = options.topic ?? DEFAULT_USAGE_TOPIC;
  const clock = options.clock ?? ((): Date => new Date());
  return {
    async quantities(customerId, from, to, asOf): Promise<UsageQuantities> {
      if (!asOf) return usageTotals(client, { customerId, from, to });
      assertRange(from, to);
      const [row] = await asOfQuery(client, topic, assertId(customerId, 'customerId'), from, to, asOf, false);
      return quantitiesOf(row);
    },
    async quantitiesMany(ranges: readonly UsageRange[], asOf: UsageCutoff): Promise<UsageQuantities[]> {
      const sorted = checkedRanges(ranges);
      const out = new Array<UsageQuantities>(ranges.length);
      for (let first = 0; first < sorted.length; first += RANGES_PER_QUERY) {
        const chunk = sorted.slice(first, first + RANGES_PER_QUERY);
        const rows = new Map(
          (await asOfManyQuery(client, topic, chunk, asOf, false)).map((row) => [row.idx, row]),
        );
        for (const range of chunk) out[range.index] = quantitiesOf(rows.get(range.index));
      }
      return out;
    },
    async perKeyMany(ranges: readonly UsageRange[], asOf: UsageCutoff): Promise<KeyUsageQuantities[][]> {
      const sorted = checkedRanges(ranges);
      const out = ranges.map((): KeyUsageQuantities[] => []);
      for (let first = 0; first < sorted.length; first += RANGES_PER_QUERY) {
        const chunk = sorted.slice(first, first + RANGES_PER_QUERY);
        for (const row of await asOfManyQuery(client, topic, chunk, asOf, true)) {
          out[row.idx].push({ keyId: row.key_id ?? '', ...quantitiesOf(row) });
        }
      }
      // Key order as the single-range query gives it (ORDER BY key_id; ids are ASCII).
      for (const keys of out) keys.sort((a, b) => (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0));
      return out;
    },
    async perKey(customerId, from, to, asOf): Promise<KeyUsageQuantities[]> {
      if (!asOf) return usageByKey(client, { customerId, from, to });
      assertRange(from, to);
      const rows = await asOfQuery(client, topic, assertId(customerId, 'customerId'), from, to, asOf, true);
      return rows.map((row) => ({ keyId: row.key_id ?? '', ...quantitiesOf(row) }));
    },
    async cutoff(): Promise<UsageCutoff> {
      const asOf = clock();
      const watermarks = await readIngestWatermarks(client, topic);
      const offsets: Record<string, string> = {};
      for (const mark of watermarks)
        offsets[String(mark.partition)] = (BigInt(mark.lastOffset) + 1n).toString();
      return { asOf, offsets };
    },
  };
}

/** The keys list's `lastUsedAt` source (`LastUsedAtSource` of @keymeter/keys) on ClickHouse. */
export function createClickHouseLastUsedAt(handle: ClickHouseHandle): {
  lastUsedAt(keyIds: readonly string[]): Promise<ReadonlyMap<string, Date>>;
} {
  return {
    lastUsedAt: (keyIds) => lastUsedAt(handle.client, keyIds),
  };
}
