import type { ClickHouseClient } from '@clickhouse/client';
import { NOT_A_LANDING_MARK } from '@keymeter/clickhouse';
import { METERS, zeroMeters, type Meter, type MeterValues } from './meters';
import { canonicalDecimal } from './meter-sum';
import { UsageQueryInputError } from './usage-query-error';
import { assertId, assertRange } from './usage-query-input';
import { chooseUsageTable, type UsageTable } from './usage-source-table';

export interface UsageRange {
  /** Inclusive. */
  readonly from: Date;
  /** Exclusive. */
  readonly to: Date;
}

export interface CustomerUsageRange extends UsageRange {
  readonly customerId: string;
}

interface MeterRow {
  requests: string;
  credits: string;
  egress_bytes: string;
}

function meterColumns(table: UsageTable): string {
  return `toString(${table.requests}) AS requests, toString(${table.credits}) AS credits,
          toString(${table.egressBytes}) AS egress_bytes`;
}

function timeFilter(table: UsageTable): string {
  const type = table.timeParamType;
  return `${table.timeColumn} >= {from:${type}} AND ${table.timeColumn} < {to:${type}}`;
}

function metersOf(row: MeterRow): MeterValues {
  return { requests: row.requests, credits: canonicalDecimal(row.credits), egress_bytes: row.egress_bytes };
}

function tableFor(range: UsageRange): UsageTable {
  assertRange(range.from, range.to);
  return chooseUsageTable([range.from.getTime(), range.to.getTime()]);
}

/** A customer's meters over [from, to), as exact decimal strings. */
export async function usageTotals(client: ClickHouseClient, query: CustomerUsageRange): Promise<MeterValues> {
  const customerId = assertId(query.customerId, 'customerId');
  const table = tableFor(query);
  const result = await client.query({
    query: `SELECT ${meterColumns(table)} FROM ${table.name}
            WHERE customer_id = {customerId:String} AND ${timeFilter(table)}`,
    query_params: { customerId, from: query.from, to: query.to },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<MeterRow>();
  return row ? metersOf(row) : zeroMeters();
}

export interface KeyMeterValues extends MeterValues {
  keyId: string;
}

/** A customer's meters per key over [from, to); keys without events in the range are absent. */
export async function usageByKey(
  client: ClickHouseClient,
  query: CustomerUsageRange,
): Promise<KeyMeterValues[]> {
  const customerId = assertId(query.customerId, 'customerId');
  const table = tableFor(query);
  const result = await client.query({
    query: `SELECT key_id, ${meterColumns(table)} FROM ${table.name}
            WHERE customer_id = {customerId:String} AND ${timeFilter(table)}
            GROUP BY key_id ORDER BY key_id`,
    query_params: { customerId, from: query.from, to: query.to },
    format: 'JSONEachRow',
  });
  const rows = await result.json<MeterRow & { key_id: string }>();
  return rows.map((row) => ({ keyId: row.key_id, ...metersOf(row) }));
}

export interface CustomerKeyMeterQuantity {
  customerId: string;
  keyId: string;
  meter: Meter;
  /** Exact decimal string. */
  quantity: string;
}

export interface CustomerKeyMeterQuery extends UsageRange {
  /** Only these customers (e.g. those whose billing month is this window); all when absent. */
  readonly customerIds?: readonly string[];
}

/**
 * Every customer's meters per key over one window, one row per customer, key and meter (sorted), for
 * the finance report. Billing months are calendar months in each customer's zone: call once per
 * distinct window (customers sharing a zone share it) with their ids.
 */
export async function usageByCustomerKeyMeter(
  client: ClickHouseClient,
  query: CustomerKeyMeterQuery,
): Promise<CustomerKeyMeterQuantity[]> {
  const table = tableFor(query);
  const customerIds = query.customerIds?.map((id, index) => assertId(id, `customerIds[${index}]`));
  if (customerIds !== undefined && customerIds.length === 0) return [];
  const result = await client.query({
    query: `SELECT customer_id, key_id, ${meterColumns(table)} FROM ${table.name}
            WHERE ${timeFilter(table)} AND ${NOT_A_LANDING_MARK}${customerIds ? ' AND customer_id IN {customerIds:Array(String)}' : ''}
            GROUP BY customer_id, key_id ORDER BY customer_id, key_id`,
    query_params: { from: query.from, to: query.to, ...(customerIds ? { customerIds } : {}) },
    format: 'JSONEachRow',
  });
  const rows = await result.json<MeterRow & { customer_id: string; key_id: string }>();
  return rows.flatMap((row) => {
    const values = metersOf(row);
    return METERS.map((meter) => ({
      customerId: row.customer_id,
      keyId: row.key_id,
      meter,
      quantity: values[meter],
    }));
  });
}

/**
 * The time of the latest event of each key (any outcome: a rejected call still used the key), read from
 * the raw table. Keys never seen are absent. With `customerId`, only that customer's rows are read.
 */
export async function lastUsedAt(
  client: ClickHouseClient,
  keyIds: readonly string[],
  customerId?: string,
): Promise<Map<string, Date>> {
  const ids = keyIds.map((id, index) => assertId(id, `keyIds[${index}]`));
  if (ids.length === 0) return new Map();
  if (ids.length > 10_000) throw UsageQueryInputError.of('keyIds', 'at most 10000 keys per call');
  const customer = customerId === undefined ? undefined : assertId(customerId, 'customerId');
  const result = await client.query({
    query: `SELECT key_id, toString(toUnixTimestamp64Milli(max(occurred_at))) AS last_ms
            FROM usage_events_raw
            WHERE key_id IN {keyIds:Array(String)}${customer ? ' AND customer_id = {customerId:String}' : ''}
            GROUP BY key_id`,
    query_params: { keyIds: ids, ...(customer ? { customerId: customer } : {}) },
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ key_id: string; last_ms: string }>();
  return new Map(rows.map((row) => [row.key_id, new Date(Number(row.last_ms))]));
}
