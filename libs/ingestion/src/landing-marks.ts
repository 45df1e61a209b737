/*
 * Landing marks: one extra row per UTC day of a batch, inserted with the batch's rows, so that every table the
 * insert writes can tell whether it holds the batch's rows of that day.
 *
 * Why: ClickHouse commits an insert table by table, and within a table it records the deduplication token
 * before the part is renamed into place. A process killed between the two leaves the token without the rows,
 * and the retry of the batch is then dropped as a duplicate in that table alone (docs/ingestor.md, "Landing
 * marks"). A mark lands in the same part as the rows it vouches for (every table is partitioned by month or by
 * day of the event time, or by the insert's day), so a table holding a batch's mark for a day holds that day's
 * rows, and one lacking it lacks them.
 *
 * A mark reads as an event no producer can send: customer `~`; event id `~<topic>/<partition>/<first>-<last>/<day>`
 * (one per batch and day, so the raw table and the id set hold one row per mark); key id and client IP
 * `~<topic>/<partition>` (so in the summing tables the marks of a partition and day add up to one row whose count
 * is the number of batches). `~` starts no id, key, customer or address the contract accepts. Not billable,
 * status 0, outcome `rejected_auth` (the auth-failure view keeps only those). Readers leave marks out
 * (`NOT_A_LANDING_MARK` and its siblings in @keymeter/clickhouse).
 */
import { LANDING_MARK_CUSTOMER } from '@keymeter/clickhouse';
import type { BatchRange } from './batch-range';
import { rawEventRowAsTabSeparated } from './raw-event-body';
import type { RawEventRow } from './raw-event-row';
import { dayKey, dayStartText } from './utc-day';

/** The key of a partition's marks in the summing tables: `~<topic>/<partition>`. */
export function landingMarkKey(range: BatchRange): string {
  return `~${range.topic}/${range.partition}`;
}

/** The tag of a batch's mark for one day: `~<topic>/<partition>/<first>-<last>/<yyyymmdd>`. */
export function landingMarkTag(range: BatchRange, day: number): string {
  return `~${range.topic}/${range.partition}/${range.firstOffset}-${range.lastOffset}/${dayKey(day)}`;
}

/** The distinct days of a body's rows, ascending. */
export function distinctDays(rowDays: readonly number[]): number[] {
  return [...new Set(rowDays)].sort((a, b) => a - b);
}

/** The raw row of a batch's mark for one day; its time is the day's first instant. */
export function landingMarkRow(range: BatchRange, day: number): RawEventRow {
  const key = landingMarkKey(range);
  return {
    event_id: landingMarkTag(range, day),
    occurred_at: `${dayStartText(day)}.000`,
    gateway_id: LANDING_MARK_CUSTOMER,
    key_id: key,
    customer_id: LANDING_MARK_CUSTOMER,
    method: LANDING_MARK_CUSTOMER,
    route: LANDING_MARK_CUSTOMER,
    status: 0,
    latency_ms: 0,
    request_bytes: 0,
    response_bytes: 0,
    units: '0',
    client_ip: key,
    user_agent: LANDING_MARK_CUSTOMER,
    outcome: 'rejected_auth',
    billable: 0,
    late: 0,
    source_topic: range.topic,
    source_partition: range.partition,
    source_offset: range.firstOffset.toString(),
    country: LANDING_MARK_CUSTOMER,
  };
}

/** The TabSeparated lines of a batch's marks, one per day. */
export function landingMarksBody(range: BatchRange, days: readonly number[]): Buffer {
  return Buffer.from(
    days.map((day) => rawEventRowAsTabSeparated(landingMarkRow(range, day))).join(''),
    'utf8',
  );
}
