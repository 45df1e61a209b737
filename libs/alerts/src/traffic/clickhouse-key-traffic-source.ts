import {
  IP_NOT_A_LANDING_MARK,
  KEY_NOT_A_LANDING_MARK,
  NOT_A_LANDING_MARK,
  type ClickHouseHandle,
} from '@keymeter/clickhouse';
import { ZERO_MINUTE, type EpochMinute, type MinuteCounts, type SourceCounts } from '@keymeter/domain';
import type {
  KeyMinuteSeries,
  KeyMinuteSources,
  KeyQuotaUse,
  KeyQuotaWindows,
  KeyRef,
  KeySourceHistory,
  KeyTrafficSource,
} from './key-traffic-source';

const HOUR_MS = 3_600_000;

/** Aliases carry a prefix: an alias equal to a column name would shadow the column inside sum(). */
interface MinuteRow {
  key_id: string;
  c_customer_id: string;
  c_minute: number;
  c_requests: string;
  c_billable: string;
  c_server_errors: string;
  c_auth_rejected: string;
  c_scope_rejected: string;
  c_rate_limited: string;
  c_credits: number;
}

interface SourceRow {
  key_id: string;
  dimension: 'ip' | 'route' | 'country';
  value: string;
  calls: string;
  first_minute: number;
  last_minute: number;
}

/**
 * Minute rollup columns summed into the detectors' MinuteCounts (every call, whatever its outcome). 5xx by
 * status class, as `key_activity_minute` counts them since ClickHouse migration 0006: an upstream's own 5xx
 * answer is outcome `forwarded`, not `upstream_error`.
 */
const MINUTE_COLUMNS = `
  key_id, any(customer_id) AS c_customer_id, toUInt32(intDiv(toUnixTimestamp(bucket), 60)) AS c_minute,
  toString(sum(events)) AS c_requests, toString(sum(requests)) AS c_billable,
  toString(sumIf(events, status_class = 5)) AS c_server_errors, toString(sum(rejected_auth)) AS c_auth_rejected,
  toString(sum(rejected_scope)) AS c_scope_rejected, toString(sum(rate_limited)) AS c_rate_limited,
  toFloat64(sum(credits)) AS c_credits`;

/** Raw-event sources per key: one grouped pass each for client IPs, routes and (known) countries. */
function sourcesQuery(keyFilter: string): string {
  const part = (dimension: string, column: string, condition = ''): string => `
    SELECT key_id, '${dimension}' AS dimension, toString(${column}) AS value, toString(count()) AS calls,
           toUInt32(intDiv(toUnixTimestamp(min(occurred_at)), 60)) AS first_minute,
           toUInt32(intDiv(toUnixTimestamp(max(occurred_at)), 60)) AS last_minute
    FROM usage_events_raw
    WHERE occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')}
      AND key_id != '' AND ${NOT_A_LANDING_MARK} ${condition} ${keyFilter}
    GROUP BY key_id, ${column}`;
  return `${part('ip', 'client_ip')} UNION ALL ${part('route', 'route')} UNION ALL ${part('country', 'country', "AND country != ''")}`;
}

type SourceSpans = Record<string, [number, number]>;

/**
 * The keys' customers first: both usage tables are sorted by customer (then key), so the primary index narrows
 * the read to those customers' ranges instead of the whole time range.
 */
const KEY_FILTER = 'AND customer_id IN {customers:Array(String)} AND key_id IN {keys:Array(String)}';

function keyParams(keys: readonly KeyRef[]): { customers: string[]; keys: string[] } {
  return {
    customers: [...new Set(keys.map((key) => key.customerId))],
    keys: keys.map((key) => key.keyId),
  };
}

function minuteDate(minute: EpochMinute): Date {
  return new Date(minute * 60_000);
}

/** Shared counts of a minute read with its calls only (the counts are never changed once read). */
const CALLS_ONLY: MinuteCounts[] = [];
const CALLS_ONLY_SHARED = 1024;

function callsOnly(requests: number): MinuteCounts {
  if (requests >= CALLS_ONLY_SHARED) return { ...ZERO_MINUTE, requests };
  return (CALLS_ONLY[requests] ??= { ...ZERO_MINUTE, requests });
}

function countsOf(row: MinuteRow): MinuteCounts {
  return {
    requests: Number(row.c_requests),
    billable: Number(row.c_billable),
    serverErrors: Number(row.c_server_errors),
    authRejected: Number(row.c_auth_rejected),
    scopeRejected: Number(row.c_scope_rejected),
    rateLimited: Number(row.c_rate_limited),
    credits: Number(row.c_credits),
  };
}

function seriesOf(rows: readonly MinuteRow[]): KeyMinuteSeries[] {
  const byKey = new Map<string, { customerId: string; minutes: Map<EpochMinute, MinuteCounts> }>();
  for (const row of rows) {
    let entry = byKey.get(row.key_id);
    if (entry === undefined) {
      entry = { customerId: row.c_customer_id, minutes: new Map() };
      byKey.set(row.key_id, entry);
    }
    entry.minutes.set(Number(row.c_minute), countsOf(row));
  }
  return [...byKey].map(([keyId, entry]) => ({ keyId, ...entry }));
}

/**
 * Reads key traffic for the evaluator. Every minute: `key_activity_minute` (ClickHouse migration 0003, sorted
 * by minute first, kept two days) for the look-back window and the newest minute's sources, and the rollups for
 * quota use. Once per key (baseline warm-up): the minute rollup and the raw table over the warm-up days.
 */
export class ClickHouseKeyTrafficSource implements KeyTrafficSource {
  constructor(private readonly clickhouse: ClickHouseHandle) {}

  /**
   * From `key_activity_minute` (sorted by minute first): a primary-key range, whatever the number of keys. One
   * row per key with its minutes as arrays of numbers (compact JSON): 30 rows of named strings per key cost
   * more to send and parse than the query itself. Before `countsFrom`, two arrays of numbers per key (minute
   * offsets from `fromMinute`, calls) instead of a tuple of eight numbers per minute: at a 150-minute look-back
   * nearly all of the answer.
   */
  async activeKeys(
    fromMinute: EpochMinute,
    toMinute: EpochMinute,
    countsFrom?: EpochMinute,
  ): Promise<KeyMinuteSeries[]> {
    const callsOnlyBefore = countsFrom !== undefined && countsFrom > fromMinute ? countsFrom : fromMinute;
    const result = await this.clickhouse.client.query({
      query: `SELECT key_id, any(customer_id),
                     groupArrayIf((minute, events, requests, upstream_error, rejected_auth, rejected_scope,
                                   rate_limited, credits), minute >= {countsFrom:UInt32}),
                     groupArrayIf(toUInt32(minute - {fromMinute:UInt32}), minute < {countsFrom:UInt32}),
                     groupArrayIf(events, minute < {countsFrom:UInt32})
              FROM (
                SELECT key_id, any(customer_id) AS customer_id,
                       toUInt32(intDiv(toUnixTimestamp(bucket), 60)) AS minute,
                       toUInt32(sum(events)) AS events, toUInt32(sum(requests)) AS requests,
                       toUInt32(sum(upstream_error)) AS upstream_error, toUInt32(sum(rejected_auth)) AS rejected_auth,
                       toUInt32(sum(rejected_scope)) AS rejected_scope, toUInt32(sum(rate_limited)) AS rate_limited,
                       toFloat64(sum(credits)) AS credits
                FROM key_activity_minute
                WHERE bucket >= {from:DateTime('UTC')} AND bucket <= {to:DateTime('UTC')}
                  AND ${KEY_NOT_A_LANDING_MARK}
                GROUP BY key_id, minute
              )
              GROUP BY key_id`,
      query_params: {
        from: minuteDate(fromMinute),
        to: minuteDate(toMinute),
        fromMinute,
        countsFrom: callsOnlyBefore,
      },
      format: 'JSONCompactEachRow',
    });
    type Counts = [number, number, number, number, number, number, number, number];
    type Row = [string, string, Counts[], number[], number[]];
    return (await result.json<Row>()).map(([keyId, customerId, full, offsets, calls]) => {
      const minutes = new Map<EpochMinute, MinuteCounts>();
      for (let index = 0; index < offsets.length; index++) {
        minutes.set(fromMinute + offsets[index], callsOnly(calls[index]));
      }
      for (const [
        minute,
        requests,
        billable,
        serverErrors,
        authRejected,
        scopeRejected,
        rateLimited,
        credits,
      ] of full) {
        minutes.set(minute, {
          requests,
          billable,
          serverErrors,
          authRejected,
          scopeRejected,
          rateLimited,
          credits,
        });
      }
      return callsOnlyBefore > fromMinute
        ? { keyId, customerId, minutes, countsFrom: callsOnlyBefore }
        : { keyId, customerId, minutes };
    });
  }

  async history(
    keys: readonly KeyRef[],
    fromMinute: EpochMinute,
    toMinute: EpochMinute,
  ): Promise<KeyMinuteSeries[]> {
    if (keys.length === 0) return [];
    const rows = await this.minuteRows(KEY_FILTER, fromMinute, toMinute, {
      ...keyParams(keys),
    });
    return seriesOf(rows);
  }

  async minuteSources(minute: EpochMinute): Promise<Map<string, KeyMinuteSources>> {
    const part = (dimension: string, column: string): string => `
      SELECT key_id, '${dimension}' AS dimension, ${column} AS value, toString(sum(events)) AS calls,
             toUInt32(0) AS first_minute, toUInt32(0) AS last_minute
      FROM key_activity_minute WHERE bucket = {minute:DateTime('UTC')} AND ${NOT_A_LANDING_MARK}
      GROUP BY key_id, ${column}`;
    const [result, countries] = await Promise.all([
      this.clickhouse.client.query({
        query: `${part('ip', 'client_ip')} UNION ALL ${part('route', 'route')}`,
        query_params: { minute: minuteDate(minute) },
        format: 'JSONEachRow',
      }),
      this.countriesOverRange(minute, minute),
    ]);
    const rows = await result.json<SourceRow>();
    const byKey = countries.get(minute);
    const out = new Map<
      string,
      { clientIps: Record<string, number>; routes: Record<string, number>; countries: SourceCounts }
    >();
    for (const row of rows) {
      let entry = out.get(row.key_id);
      if (entry === undefined) {
        entry = { clientIps: {}, routes: {}, countries: byKey?.get(row.key_id) ?? {} };
        out.set(row.key_id, entry);
      }
      (row.dimension === 'ip' ? entry.clientIps : entry.routes)[row.value] = Number(row.calls);
    }
    return out;
  }

  /**
   * Calls per country of each key and minute from `key_country_minute` (ClickHouse migration 0005, sorted by
   * minute first, kept two days): a primary-key range. Calls without a country are not in it.
   */
  private async countriesOverRange(
    fromMinute: EpochMinute,
    toMinute: EpochMinute,
  ): Promise<Map<EpochMinute, Map<string, SourceCounts>>> {
    const result = await this.clickhouse.client.query({
      query: `SELECT toUInt32(intDiv(toUnixTimestamp(bucket), 60)) AS minute, key_id,
                     groupArray((toString(country), toUInt32(events)))
              FROM (
                SELECT bucket, key_id, country, sum(events) AS events FROM key_country_minute
                WHERE bucket >= {from:DateTime('UTC')} AND bucket <= {to:DateTime('UTC')} AND ${KEY_NOT_A_LANDING_MARK}
                GROUP BY bucket, key_id, country
              )
              GROUP BY bucket, key_id`,
      query_params: { from: minuteDate(fromMinute), to: minuteDate(toMinute) },
      format: 'JSONCompactEachRow',
    });
    type Row = [number, string, [string, number][]];
    const out = new Map<EpochMinute, Map<string, SourceCounts>>();
    for (const [minute, keyId, pairs] of await result.json<Row>()) {
      let byKey = out.get(minute);
      if (byKey === undefined) {
        byKey = new Map();
        out.set(minute, byKey);
      }
      byKey.set(keyId, Object.fromEntries(pairs));
    }
    return out;
  }

  async authFailuresByIp(minute: EpochMinute): Promise<Record<string, number>> {
    const result = await this.clickhouse.client.query({
      query: `SELECT client_ip, toString(sum(failures)) AS c_failures FROM auth_failures_minute
              WHERE bucket = {minute:DateTime('UTC')} AND ${IP_NOT_A_LANDING_MARK} GROUP BY client_ip`,
      query_params: { minute: minuteDate(minute) },
      format: 'JSONEachRow',
    });
    const rows = await result.json<{ client_ip: string; c_failures: string }>();
    return Object.fromEntries(rows.map((row) => [row.client_ip, Number(row.c_failures)]));
  }

  /**
   * One row per minute and key with its (client IP, route, calls) triples from `key_activity_minute`, summed
   * per IP and per route here: the same totals `minuteSources` sums in ClickHouse, without one row per IP.
   */
  async sourcesOverRange(
    fromMinute: EpochMinute,
    toMinute: EpochMinute,
  ): Promise<Map<EpochMinute, Map<string, KeyMinuteSources>>> {
    const [result, countries] = await Promise.all([
      this.clickhouse.client.query({
        query: `SELECT toUInt32(intDiv(toUnixTimestamp(bucket), 60)) AS minute, key_id,
                       groupArray((client_ip, toString(route), toUInt32(events)))
                FROM key_activity_minute
                WHERE bucket >= {from:DateTime('UTC')} AND bucket <= {to:DateTime('UTC')} AND ${NOT_A_LANDING_MARK}
                GROUP BY bucket, key_id`,
        query_params: { from: minuteDate(fromMinute), to: minuteDate(toMinute) },
        format: 'JSONCompactEachRow',
      }),
      this.countriesOverRange(fromMinute, toMinute),
    ]);
    type Row = [number, string, [string, string, number][]];
    const out = new Map<EpochMinute, Map<string, KeyMinuteSources>>();
    for (const [minute, keyId, triples] of await result.json<Row>()) {
      const clientIps: Record<string, number> = {};
      const routes: Record<string, number> = {};
      for (const [ip, route, calls] of triples) {
        clientIps[ip] = (clientIps[ip] ?? 0) + calls;
        routes[route] = (routes[route] ?? 0) + calls;
      }
      let byKey = out.get(minute);
      if (byKey === undefined) {
        byKey = new Map();
        out.set(minute, byKey);
      }
      byKey.set(keyId, { clientIps, routes, countries: countries.get(minute)?.get(keyId) ?? {} });
    }
    return out;
  }

  async authFailuresOverRange(
    fromMinute: EpochMinute,
    toMinute: EpochMinute,
  ): Promise<Map<EpochMinute, Record<string, number>>> {
    const result = await this.clickhouse.client.query({
      query: `SELECT toUInt32(intDiv(toUnixTimestamp(bucket), 60)) AS minute,
                     groupArray((client_ip, toUInt32(failures)))
              FROM auth_failures_minute
              WHERE bucket >= {from:DateTime('UTC')} AND bucket <= {to:DateTime('UTC')} AND ${IP_NOT_A_LANDING_MARK}
              GROUP BY bucket`,
      query_params: { from: minuteDate(fromMinute), to: minuteDate(toMinute) },
      format: 'JSONCompactEachRow',
    });
    type Row = [number, [string, number][]];
    const out = new Map<EpochMinute, Record<string, number>>();
    for (const [minute, pairs] of await result.json<Row>()) {
      const failures: Record<string, number> = {};
      for (const [ip, count] of pairs) failures[ip] = (failures[ip] ?? 0) + count;
      out.set(minute, failures);
    }
    return out;
  }

  async sourceHistory(
    keys: readonly KeyRef[],
    fromMinute: EpochMinute,
    toMinute: EpochMinute,
  ): Promise<Map<string, KeySourceHistory>> {
    const out = new Map<string, { clientIps: SourceSpans; routes: SourceSpans; countries: SourceSpans }>();
    if (keys.length === 0) return out;
    const rows = await this.sourceRows(KEY_FILTER, fromMinute, toMinute, {
      ...keyParams(keys),
    });
    for (const row of rows) {
      let entry = out.get(row.key_id);
      if (entry === undefined) {
        entry = { clientIps: {}, routes: {}, countries: {} };
        out.set(row.key_id, entry);
      }
      const spans =
        row.dimension === 'ip' ? entry.clientIps : row.dimension === 'route' ? entry.routes : entry.countries;
      spans[row.value] = [Number(row.first_minute), Number(row.last_minute)];
    }
    return out;
  }

  /**
   * Two grouped queries for all keys, whatever their windows: the minute rollup for the day and for the
   * month's partial hours (its first hour when the month starts off the hour, and the current hour), the hour
   * rollup for the month's whole hours. Each key's own window starts are passed as arrays (`transform`).
   */
  async quotaUse(
    keys: readonly KeyQuotaWindows[],
    throughMinute: EpochMinute,
  ): Promise<Map<string, KeyQuotaUse>> {
    const out = new Map<string, KeyQuotaUse>();
    if (keys.length === 0) return out;
    const currentHourMs = Math.floor((throughMinute * 60_000) / HOUR_MS) * HOUR_MS;
    const ids = keys.map((key) => key.keyId);
    const seconds = (ms: number): number => Math.floor(ms / 1000);
    const dayStarts = keys.map((key) => seconds(key.dayStartMs));
    const monthStarts = keys.map((key) => seconds(key.monthStartMs));
    const bodyStarts = keys.map((key) => seconds(Math.ceil(key.monthStartMs / HOUR_MS) * HOUR_MS));
    const earliestEdge = Math.min(...dayStarts, ...monthStarts);
    const latestBody = Math.max(...bodyStarts);
    const per = (name: string): string =>
      `toDateTime(transform(key_id, {keys:Array(String)}, {${name}:Array(UInt32)}, toUInt32(0)), 'UTC')`;
    const minuteResult = await this.clickhouse.client.query({
      query: `SELECT key_id,
                toFloat64(sumIf(requests, bucket >= ${per('dayStarts')})) AS day_requests,
                toFloat64(sumIf(credits, bucket >= ${per('monthStarts')}
                  AND (bucket < ${per('bodyStarts')} OR bucket >= toDateTime({currentHour:UInt32}, 'UTC')))) AS edge_credits
              FROM usage_rollup_minute
              WHERE key_id IN {keys:Array(String)} AND bucket <= toDateTime({through:UInt32}, 'UTC')
                AND (bucket >= toDateTime({minDay:UInt32}, 'UTC') OR bucket >= toDateTime({currentHour:UInt32}, 'UTC')
                     OR (bucket >= toDateTime({earliest:UInt32}, 'UTC') AND bucket < toDateTime({latestBody:UInt32}, 'UTC')))
              GROUP BY key_id`,
      query_params: {
        keys: ids,
        dayStarts,
        monthStarts,
        bodyStarts,
        currentHour: seconds(currentHourMs),
        through: throughMinute * 60,
        minDay: Math.min(...dayStarts),
        earliest: earliestEdge,
        latestBody,
      },
      format: 'JSONEachRow',
    });
    const hourResult = await this.clickhouse.client.query({
      query: `SELECT key_id, toFloat64(sumIf(credits, bucket >= ${per('bodyStarts')})) AS body_credits
              FROM usage_rollup_hour
              WHERE key_id IN {keys:Array(String)} AND bucket < toDateTime({currentHour:UInt32}, 'UTC')
                AND bucket >= toDateTime({minBody:UInt32}, 'UTC')
              GROUP BY key_id`,
      query_params: {
        keys: ids,
        bodyStarts,
        currentHour: seconds(currentHourMs),
        minBody: Math.min(...bodyStarts),
      },
      format: 'JSONEachRow',
    });
    const body = new Map(
      (await hourResult.json<{ key_id: string; body_credits: number }>()).map((row) => [
        row.key_id,
        Number(row.body_credits),
      ]),
    );
    const minutes = await minuteResult.json<{ key_id: string; day_requests: number; edge_credits: number }>();
    const byKey = new Map(minutes.map((row) => [row.key_id, row]));
    for (const keyId of ids) {
      const row = byKey.get(keyId);
      out.set(keyId, {
        requestsToday: Number(row?.day_requests ?? 0),
        creditsThisMonth: Number(row?.edge_credits ?? 0) + (body.get(keyId) ?? 0),
      });
    }
    return out;
  }

  private async minuteRows(
    keyFilter: string,
    fromMinute: EpochMinute,
    toMinute: EpochMinute,
    params: Record<string, unknown>,
  ): Promise<MinuteRow[]> {
    const result = await this.clickhouse.client.query({
      query: `SELECT ${MINUTE_COLUMNS}
              FROM usage_rollup_minute
              WHERE bucket >= {from:DateTime('UTC')} AND bucket <= {to:DateTime('UTC')}
                AND key_id != '' AND ${NOT_A_LANDING_MARK} ${keyFilter}
              GROUP BY key_id, c_minute`,
      query_params: { ...params, from: minuteDate(fromMinute), to: minuteDate(toMinute) },
      format: 'JSONEachRow',
    });
    return result.json<MinuteRow>();
  }

  private async sourceRows(
    keyFilter: string,
    fromMinute: EpochMinute,
    toMinute: EpochMinute,
    params: Record<string, unknown>,
  ): Promise<SourceRow[]> {
    const result = await this.clickhouse.client.query({
      query: sourcesQuery(keyFilter),
      query_params: { ...params, from: minuteDate(fromMinute), to: minuteDate(toMinute + 1) },
      format: 'JSONEachRow',
    });
    return result.json<SourceRow>();
  }
}
