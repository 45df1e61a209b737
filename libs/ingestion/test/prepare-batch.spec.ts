import fc from 'fast-check';
import {
  decodeUsageEvent,
  encodeUsageEventJson,
  scanCompactUsageEvent,
  USAGE_EVENT_V1_FIELDS,
  type UsageEventV1,
} from '@keymeter/contracts';
import type { LogRecord } from '@keymeter/event-log';
import { ALL_CORRUPTIONS, corrupt, validUsageEventArb } from '../../contracts/test/usage-event.arbitraries';
import { prepareBatch, RAW_EVENT_COLUMNS, rawEventBodyOf, toRawEventRow, type RawEventRow } from '../src';
import { PreparedRecords, type PreparedBatch } from '../src/prepared-records';

const GRACE_MS = 3_600_000;

/** What a batch must come to, by the full path alone: decode, validate, first copy of an id, one row each. */
function fullPath(records: readonly LogRecord[]) {
  const rows: RawEventRow[] = [];
  const deadLetterOffsets: string[] = [];
  const seen = new Set<string>();
  let duplicatesInBatch = 0;
  for (const record of records) {
    const decoded = decodeUsageEvent(record.value);
    if (!decoded.ok) {
      deadLetterOffsets.push(record.offset);
    } else if (seen.has(decoded.event.id)) {
      duplicatesInBatch += 1;
    } else {
      seen.add(decoded.event.id);
      rows.push(toRawEventRow(decoded.event, record, GRACE_MS));
    }
  }
  const times = rows.map((row) => Date.parse(`${row.occurred_at.replace(' ', 'T')}Z`));
  return {
    body: rawEventBodyOf(rows).bytes.toString('utf8'),
    rowDays: times.map((ms) => Math.floor(ms / 86_400_000)),
    ids: rows.map((row) => row.event_id),
    deadLetterOffsets,
    duplicatesInBatch,
    lateEvents: rows.filter((row) => row.late === 1).length,
    maxOccurredAtMs: times.length === 0 ? undefined : Math.max(...times),
  };
}

function prepared(records: readonly LogRecord[]) {
  return summaryOf(prepareBatch(records, GRACE_MS));
}

/** A batch in the form `fullPath` gives. */
function summaryOf(batch: PreparedBatch) {
  expect(batch.body.rowCount).toBe(batch.ids.length);
  return {
    body: batch.body.bytes.toString('utf8'),
    rowDays: batch.body.rowDays,
    ids: batch.ids,
    deadLetterOffsets: batch.deadLetters.map((letter) => letter.record.offset),
    duplicatesInBatch: batch.duplicatesInBatch,
    lateEvents: batch.lateEvents,
    maxOccurredAtMs: batch.maxOccurredAtMs,
  };
}

/** Printable ASCII without quote and backslash: what the fast path copies as it is. */
const plainString = (text: string): string => text.replace(/[^\x20-\x7e]|["\\]/g, '_');

const plainEventArb = validUsageEventArb.map((event): UsageEventV1 => ({
  ...event,
  userAgent: plainString(event.userAgent),
  ...(event.meta === undefined
    ? {}
    : { meta: Object.fromEntries(Object.entries(event.meta).map(([k, v]) => [k, plainString(v)])) }),
}));

/** One record's payload: mostly our producers' form, also every other form the topic may hold. */
const payloadArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: plainEventArb.map(encodeUsageEventJson) },
  { weight: 2, arbitrary: validUsageEventArb.map(encodeUsageEventJson) },
  { weight: 1, arbitrary: plainEventArb.map((event) => JSON.stringify(event)) },
  {
    weight: 1,
    arbitrary: plainEventArb.map((event) =>
      JSON.stringify(USAGE_EVENT_V1_FIELDS.map((f) => event[f] ?? null)),
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(plainEventArb, fc.constantFrom(...ALL_CORRUPTIONS))
      .map(([event, corruption]) => JSON.stringify(corrupt(event, corruption))),
  },
  { weight: 1, arbitrary: plainEventArb.map((event) => encodeUsageEventJson(event).replace(/,/g, ', ')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);

interface BatchItem {
  readonly payload: string;
  /** When set, a copy of an earlier item's event id (a re-sent event, maybe with other fields). */
  readonly copyOf: number | undefined;
  /** Log time relative to the event time, minutes (late beyond 60). */
  readonly logDelayMinutes: number;
}

const itemArb: fc.Arbitrary<BatchItem> = fc.record({
  payload: payloadArb,
  copyOf: fc.option(fc.nat(), { nil: undefined }),
  logDelayMinutes: fc.integer({ min: -5, max: 120 }),
});

/** The id written in a payload, when it has one where the compact form keeps it. */
const idIn = (payload: string): string | undefined => /^\[1,"([0-9A-Z]{26})"/.exec(payload)?.[1];

function recordsOf(items: readonly BatchItem[]): LogRecord[] {
  const payloads: string[] = [];
  return items.map((item, index) => {
    let payload = item.payload;
    const earlier = item.copyOf === undefined || index === 0 ? undefined : payloads[item.copyOf % index];
    const earlierId = earlier === undefined ? undefined : idIn(earlier);
    const ownId = idIn(payload);
    if (earlierId !== undefined && ownId !== undefined) payload = payload.replace(ownId, earlierId);
    payloads.push(payload);
    const occurredAt = /"(\d{4}-\d{2}-\d{2}T[^"]*)"/.exec(payload)?.[1];
    const eventMs = occurredAt === undefined ? Date.UTC(2026, 3, 1) : Date.parse(occurredAt);
    return {
      topic: 'usage-events',
      // Two partitions alternating: the writer encodes the source columns once per partition.
      partition: index % 2 === 0 ? 4 : 11,
      offset: String(1_000 + index),
      key: null,
      value: Buffer.from(payload, 'utf8'),
      timestamp: (Number.isNaN(eventMs) ? 0 : eventMs) + item.logDelayMinutes * 60_000,
      headers: {},
    };
  });
}

describe('prepareBatch', () => {
  it('reads our producers’ payloads in place and gives the rows, ids and counts of the full path', () => {
    const events = fc.sample(plainEventArb, { numRuns: 50, seed: 7 });
    const records = recordsOf(
      events.map((e) => ({ payload: encodeUsageEventJson(e), copyOf: undefined, logDelayMinutes: 61 })),
    );
    for (const record of records)
      expect(scanCompactUsageEvent(record.value, 0, record.value.length)).toBe(true);
    const batch = prepared(records);
    expect(batch).toEqual(fullPath(records));
    expect(batch.ids).toEqual(events.map((event) => event.id));
    expect(batch.lateEvents).toBe(50);
  });

  it('writes each row as its columns: the time in ClickHouse form, the source, an empty country when absent', () => {
    const [event] = fc.sample(plainEventArb, { numRuns: 1, seed: 11 });
    const plainEvent: UsageEventV1 = { ...event, occurredAt: '2026-04-01T08:30:15.123Z' };
    delete plainEvent.country;
    const [record] = recordsOf([
      { payload: encodeUsageEventJson(plainEvent), copyOf: undefined, logDelayMinutes: 0 },
    ]);
    const fields = prepared([record]).body.slice(0, -1).split('\t');
    const column = (name: (typeof RAW_EVENT_COLUMNS)[number]): string =>
      fields[RAW_EVENT_COLUMNS.indexOf(name)];
    expect(fields).toHaveLength(RAW_EVENT_COLUMNS.length);
    expect(column('occurred_at')).toBe('2026-04-01 08:30:15.123');
    expect(column('source_topic')).toBe('usage-events');
    expect(column('source_partition')).toBe('4');
    expect(column('source_offset')).toBe('1000');
    expect(column('country')).toBe('');
    expect(column('units')).toBe(plainEvent.units);
  });

  it('gives the body, ids, dead letters and counts of the full path for any mix of records', () => {
    fc.assert(
      fc.property(fc.array(itemArb, { maxLength: 40 }), (items) => {
        const records = recordsOf(items);
        expect(prepared(records)).toEqual(fullPath(records));
      }),
      { numRuns: 500 },
    );
  });

  it('holds records as they arrive and takes batches of any size as prepareBatch would give them', () => {
    fc.assert(
      fc.property(
        fc.array(itemArb, { maxLength: 60 }),
        fc.array(fc.tuple(fc.boolean(), fc.nat({ max: 12 })), { maxLength: 30 }),
        (items, steps) => {
          const records = recordsOf(items);
          const held = new PreparedRecords(GRACE_MS);
          let delivered = 0;
          let taken = 0;
          // Each step delivers up to 12 more records or takes up to 12 of those held as a batch.
          for (const [deliver, count] of [...steps, [false, records.length] as const]) {
            if (deliver) {
              for (const record of records.slice(delivered, delivered + count)) held.append(record);
              delivered = Math.min(records.length, delivered + count);
            } else {
              const size = Math.min(count, delivered - taken);
              expect(held.size).toBe(delivered - taken);
              const batch = held.batch(size);
              const alone = prepareBatch(records.slice(taken, taken + size), GRACE_MS);
              expect(summaryOf(batch)).toEqual(summaryOf(alone));
              expect(batch.lastLogTimeMs).toBe(size === 0 ? undefined : records[taken + size - 1].timestamp);
              held.drop(size);
              taken += size;
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps a batch taken while more records arrive and the held rows move to other buffers', () => {
    const events = fc.sample(plainEventArb, { numRuns: 3_000, seed: 5 });
    const items: BatchItem[] = [];
    for (let index = 0; index < 12_000; index++) {
      // Each event comes four times, 3,000 records apart, and every seventh record re-sends the id of one
      // 5,000 records before: copies within and across batches.
      const event = events[index % events.length];
      items.push({
        payload: encodeUsageEventJson(event),
        copyOf: index % 7 === 0 && index > 5_000 ? index - 5_000 : undefined,
        logDelayMinutes: index % 90,
      });
    }
    const records = recordsOf(items);
    const expected = (from: number, to: number) => summaryOf(prepareBatch(records.slice(from, to), GRACE_MS));
    const held = new PreparedRecords(GRACE_MS);
    for (const record of records.slice(0, 3_000)) held.append(record);
    expect(summaryOf(held.batch(2_900))).toEqual(expected(0, 2_900));
    held.drop(2_900);
    // Taken, then 9,000 more records arrive before it is dropped, as while a batch is being inserted: the rows
    // move to another buffer (most of the held bytes released, so one of the same size) and the columns grow.
    const taken = held.batch(100);
    const takenBody = taken.body.bytes.toString('utf8');
    for (const record of records.slice(3_000)) held.append(record);
    expect(taken.body.bytes.toString('utf8')).toBe(takenBody);
    expect(summaryOf(taken)).toEqual(expected(2_900, 3_000));
    held.drop(100);
    const grown = held.capacityBytes;
    let last: PreparedBatch | undefined;
    for (let from = 3_000; from < 12_000; from += 5_000) {
      const count = Math.min(5_000, 12_000 - from);
      last = held.batch(count);
      expect(summaryOf(last)).toEqual(expected(from, from + count));
      expect(last.duplicatesInBatch).toBeGreaterThan(0);
      held.drop(count);
    }
    expect(held.size).toBe(0);
    expect(() => held.batch(1)).toThrow('cannot take 1 of 0 records');
    // Emptied, it lets go of the grown buffers (back to the size of a fresh one); the last batch keeps its bytes.
    expect(grown).toBeGreaterThan(3 * new PreparedRecords(GRACE_MS).capacityBytes);
    expect(held.capacityBytes).toBe(new PreparedRecords(GRACE_MS).capacityBytes);
    expect(summaryOf(last as PreparedBatch)).toEqual(expected(8_000, 12_000));
    expect(summaryOf(held.batch(0))).toEqual(expected(0, 0));
    held.append(records[0]);
    expect(summaryOf(held.batch(1))).toEqual(expected(0, 1));
  });
});
