import type { ClickHouseClient } from '@clickhouse/client';
import type { KeyUsageQuantities, UsageCutoff, UsageQuantities, UsageSource } from '@keymeter/billing';
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
