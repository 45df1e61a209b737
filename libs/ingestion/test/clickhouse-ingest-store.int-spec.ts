import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  KEY_NOT_A_LANDING_MARK,
  NOT_A_LANDING_MARK,
  openClickHouse,
  runClickHouseMigrations,
  type ClickHouseHandle,
} from '@keymeter/clickhouse';
import type { LogRecord } from '@keymeter/event-log';
import { decodeUsageEvent } from '@keymeter/contracts';
import {
  ClickHouseIngestStore,
  prepareBatch,
  RAW_EVENT_COLUMNS,
  readIngestWatermarks,
  toRawEventRow,
  type BatchRange,
  type BatchWatermark,
  type RawEventBody,
} from '../src';
import { recordLegacyPlan } from './ingestion-harness';
import { eventMessage, groundTruth, makeEvent, type StreamMessage } from './usage-stream';
import { allTotals, expectedForEveryTable } from './usage-totals';

function records(stream: readonly StreamMessage[], partition: number, firstOffset: number): LogRecord[] {
  return stream.map(({ message }, index) => ({
    topic: 'usage-events',
    partition,
    offset: String(firstOffset + index),
    key: message.key,
    value: Buffer.from(message.value),
    timestamp: Date.UTC(2026, 3, 1, 12),
    headers: {},
  }));
}

/** A body's values of one column, row by row (no value in these tests holds an escape). */
function column(body: RawEventBody, name: (typeof RAW_EVENT_COLUMNS)[number]): string[] {
  const at = RAW_EVENT_COLUMNS.indexOf(name);
  const lines = body.bytes.toString('utf8').split('\n').slice(0, -1);
  return lines.map((line) => line.split('\t')[at]);
}

const rangeOf = (partition: number, first: number, last: number): BatchRange => ({
  topic: 'usage-events',
  partition,
  firstOffset: BigInt(first),
  lastOffset: BigInt(last),
});

describe('usage schema and the ClickHouse ingest store (chDB)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keymeter-ingest-store-'));
  let handle: ClickHouseHandle;
  let store: ClickHouseIngestStore;
  let databaseIndex = 0;

  beforeEach(async () => {
    databaseIndex += 1;
    handle = await openClickHouse({ chdbPath: dir, database: `ingest_store_${databaseIndex}` });
    await runClickHouseMigrations(handle);
    store = new ClickHouseIngestStore(handle.client);
  });

  afterEach(async () => {
    await handle.close();
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function rows<T>(query: string): Promise<T[]> {
    return (await handle.client.query({ query, format: 'JSONEachRow' })).json<T>();
  }

  it('counts a batch inserted twice under its range token once in the raw table, every rollup and the id set', async () => {
    const stream = [
      eventMessage(makeEvent({ keyIndex: 1, occurredAtMs: Date.UTC(2026, 2, 31, 23, 59), units: '1.5' })),
      eventMessage(makeEvent({ keyIndex: 1, occurredAtMs: Date.UTC(2026, 3, 1, 0, 1), units: '2' })),
      eventMessage(
        makeEvent({ keyIndex: 2, occurredAtMs: Date.UTC(2026, 3, 1, 0, 2), outcome: 'rate_limited' }),
      ),
    ];
    const prepared = prepareBatch(records(stream, 0, 100), 3_600_000);
    await store.insertRawEvents(prepared.body, rangeOf(0, 100, 102));
    await store.insertRawEvents(prepared.body, rangeOf(0, 100, 102));

    expect(await allTotals(handle.client)).toEqual(expectedForEveryTable(groundTruth(stream)));
    expect(
      await rows("SELECT toString(count()) AS ids FROM usage_event_ids WHERE NOT startsWith(event_id, '~')"),
    ).toEqual([{ ids: '3' }]);
  });

  it('stores every column exactly as given, whatever characters the strings hold', async () => {
    const [record] = records(
      [eventMessage(makeEvent({ keyIndex: 3, occurredAtMs: Date.UTC(2026, 3, 1, 8, 30, 15, 123) }))],
      2,
      7,
    );
    const decoded = decodeUsageEvent(record.value);
    if (!decoded.ok) throw new Error('the test event is invalid');
    const row = toRawEventRow(decoded.event, record, 3_600_000);
    const awkward = {
      ...row,
      route: '/v1/a\\b\tc\nd/:id',
      user_agent: 'agent "quoted", \'single\' \\N ünï ✓\r',
      gateway_id: 'gw\\',
      units: '123456789012.000001',
      request_bytes: Number.MAX_SAFE_INTEGER,
      country: 'NZ',
    };
    await store.insertEvents([awkward], rangeOf(2, 7, 7));

    const stored = await rows<Record<string, unknown>>(
      `SELECT event_id, occurred_at, gateway_id, key_id, customer_id, method, route, status, latency_ms,
              toString(request_bytes) AS request_bytes, toString(response_bytes) AS response_bytes,
              toString(units) AS units, client_ip, user_agent, outcome, billable, late, source_topic,
              source_partition, toString(source_offset) AS source_offset, country
       FROM usage_events_raw WHERE ${NOT_A_LANDING_MARK}`,
    );
    expect(stored).toEqual([
      {
        ...awkward,
        request_bytes: String(awkward.request_bytes),
        response_bytes: String(awkward.response_bytes),
      },
    ]);
  });

  it("stores each event's country ('' without one) and counts calls per key, minute and country", async () => {
    // Recent minutes: key_country_minute keeps two days.
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    const at = hour + 10_000;
    const bucket = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
    const withCountry = (occurredAtMs: number, country: string) => ({
      ...makeEvent({ keyIndex: 5, occurredAtMs }),
      country,
    });
    const stream = [
      eventMessage(withCountry(at, 'DE')),
      eventMessage(withCountry(at + 1000, 'DE')),
      eventMessage(withCountry(at + 2000, 'BR')),
      eventMessage(makeEvent({ keyIndex: 5, occurredAtMs: at + 3000 })),
      eventMessage(withCountry(at + 60_000, 'DE')),
    ];
    // Through the compact Kafka encoding and the validator, as the ingestor reads them.
    const prepared = prepareBatch(records(stream, 0, 0), 3_600_000);
    expect(column(prepared.body, 'country')).toEqual(['DE', 'DE', 'BR', '', 'DE']);
    await store.insertRawEvents(prepared.body, rangeOf(0, 0, 4));

    expect(
      await rows(
        `SELECT country, toString(count()) AS calls FROM usage_events_raw WHERE ${NOT_A_LANDING_MARK}
         GROUP BY country ORDER BY country`,
      ),
    ).toEqual([
      { country: '', calls: '1' },
      { country: 'BR', calls: '1' },
      { country: 'DE', calls: '3' },
    ]);
    expect(
      await rows(
        `SELECT toString(bucket) AS bucket, key_id, country, toString(sum(events)) AS events FROM key_country_minute
         WHERE ${KEY_NOT_A_LANDING_MARK} GROUP BY bucket, key_id, country ORDER BY bucket, country`,
      ),
    ).toEqual([
      { bucket: bucket(hour), key_id: 'key_5', country: 'BR', events: '1' },
      { bucket: bucket(hour), key_id: 'key_5', country: 'DE', events: '2' },
      { bucket: bucket(hour + 60_000), key_id: 'key_5', country: 'DE', events: '1' },
    ]);
  });

  it('inserts through several clients, each partition on its own one, counting each batch once', async () => {
    const second = await openClickHouse({ chdbPath: dir, database: `ingest_store_${databaseIndex}` });
    try {
      const pooled = new ClickHouseIngestStore([handle.client, second.client]);
      const streams = [0, 1].map((partition) => [
        eventMessage(makeEvent({ keyIndex: partition, occurredAtMs: Date.UTC(2026, 3, 1, 1) })),
        eventMessage(makeEvent({ keyIndex: partition + 2, occurredAtMs: Date.UTC(2026, 3, 1, 2) })),
      ]);
      const batches = streams.map((stream, partition) => ({
        body: prepareBatch(records(stream, partition, 0), 3_600_000).body,
        range: rangeOf(partition, 0, 1),
      }));
      await Promise.all(batches.map(({ body, range }) => pooled.insertRawEvents(body, range)));
      await Promise.all(batches.map(({ body, range }) => pooled.insertRawEvents(body, range)));

      expect(await allTotals(handle.client)).toEqual(expectedForEveryTable(groundTruth(streams.flat())));
    } finally {
      await second.close();
    }
  });

  it('buckets by UTC minute, hour and day, with status class and outcome counts', async () => {
    const at = Date.UTC(2026, 2, 31, 23, 59, 30);
    const stream = [
      eventMessage(makeEvent({ keyIndex: 4, occurredAtMs: at, units: '3', responseBytes: 10 })),
      eventMessage(makeEvent({ keyIndex: 4, occurredAtMs: at + 1000, outcome: 'rate_limited', status: 429 })),
      eventMessage(makeEvent({ keyIndex: 4, occurredAtMs: at + 2000, status: 503, units: '7' })),
    ];
    await store.insertRawEvents(prepareBatch(records(stream, 1, 0), 3_600_000).body, rangeOf(1, 0, 2));

    for (const [table, bucket] of [
      ['usage_rollup_minute', '2026-03-31 23:59:00'],
      ['usage_rollup_hour', '2026-03-31 23:00:00'],
      ['usage_rollup_day', '2026-03-31 00:00:00'],
    ]) {
      const found = await rows(
        `SELECT toString(bucket) AS bucket, status_class, toString(sum(events)) AS events,
                toString(sum(requests)) AS requests, toString(sum(credits)) AS credits,
                toString(sum(egress_bytes)) AS egress, toString(sum(rejected)) AS rejected,
                toString(sum(rate_limited)) AS rate_limited
         FROM ${table} WHERE ${NOT_A_LANDING_MARK} GROUP BY bucket, status_class ORDER BY status_class`,
      );
      expect(found).toEqual([
        {
          bucket,
          status_class: 2,
          events: '1',
          requests: '1',
          credits: '3',
          egress: '10',
          rejected: '0',
          rate_limited: '0',
        },
        {
          bucket,
          status_class: 4,
          events: '1',
          requests: '0',
          credits: '0',
          egress: '0',
          rejected: '1',
          rate_limited: '1',
        },
        {
          bucket,
          status_class: 5,
          events: '1',
          requests: '0',
          credits: '0',
          egress: '0',
          rejected: '0',
          rate_limited: '0',
        },
      ]);
    }
  });

  it('flags events that reached the log more than the grace period after they occurred', async () => {
    const logTime = Date.UTC(2026, 3, 1, 12);
    const stream = [
      eventMessage(makeEvent({ keyIndex: 1, occurredAtMs: logTime - 3_600_000 })),
      eventMessage(makeEvent({ keyIndex: 1, occurredAtMs: logTime - 3_600_001 })),
    ];
    const prepared = prepareBatch(records(stream, 0, 0), 3_600_000);
    expect(column(prepared.body, 'late')).toEqual(['0', '1']);
    await store.insertRawEvents(prepared.body, rangeOf(0, 0, 1));
    expect(await rows('SELECT toString(sum(late_events)) AS late FROM usage_rollup_day')).toEqual([
      { late: '1' },
    ]);
  });

  it('finds ids stored by other batches but not those stored by an earlier attempt of the same range', async () => {
    const event = makeEvent({ keyIndex: 1, occurredAtMs: Date.UTC(2026, 3, 1) });
    const prepared = prepareBatch(records([eventMessage(event)], 0, 10), 0);
    await store.insertRawEvents(prepared.body, rangeOf(0, 10, 19));

    expect(await store.findIdsStoredElsewhere([event.id, 'X'], rangeOf(0, 10, 19))).toEqual(new Set());
    expect(await store.findIdsStoredElsewhere([event.id, 'X'], rangeOf(0, 20, 29))).toEqual(
      new Set([event.id]),
    );
    expect(await store.findIdsStoredElsewhere([event.id], rangeOf(1, 10, 19))).toEqual(new Set([event.id]));
    // A range cut anew (not re-formed) was never inserted: a copy stored from its own offsets counts too.
    expect(await store.findIdsStoredElsewhere([event.id, 'X'], rangeOf(0, 10, 19), false)).toEqual(
      new Set([event.id]),
    );
  });

  it('returns recorded plans from an offset on, in recording order', async () => {
    await recordLegacyPlan(handle.client, rangeOf(0, 0, 9));
    await recordLegacyPlan(handle.client, rangeOf(0, 10, 19));
    await recordLegacyPlan(handle.client, rangeOf(1, 10, 12));
    await recordLegacyPlan(handle.client, rangeOf(0, 10, 15));

    expect(await store.loadPlans('usage-events', 0, 10n)).toEqual([
      { firstOffset: 10n, lastOffset: 19n },
      { firstOffset: 10n, lastOffset: 15n },
    ]);
  });

  it('keeps the highest watermark of each partition whatever order they were written in', async () => {
    const mark = (
      partition: number,
      lastOffset: number,
      logMs: number,
      occurredMs: number,
    ): BatchWatermark => ({
      topic: 'usage-events',
      partition,
      lastOffset: BigInt(lastOffset),
      lastLogTimeMs: logMs,
      maxOccurredAtMs: occurredMs,
    });
    await store.recordWatermarks([mark(0, 99, Date.UTC(2026, 3, 1, 10), Date.UTC(2026, 3, 1, 9))]);
    await store.recordWatermarks([mark(0, 199, Date.UTC(2026, 3, 1, 11), Date.UTC(2026, 2, 1))]);
    // Several partitions in one write.
    await store.recordWatermarks([
      mark(1, 5, Date.UTC(2026, 3, 1, 8), Date.UTC(2026, 3, 1, 7)),
      mark(0, 150, Date.UTC(2026, 3, 1, 10, 30), Date.UTC(2026, 2, 2)),
    ]);

    expect(await readIngestWatermarks(handle.client, 'usage-events')).toEqual([
      expect.objectContaining({
        partition: 0,
        lastOffset: '199',
        lastLogTime: '2026-04-01T11:00:00.000Z',
        maxOccurredAt: '2026-04-01T09:00:00.000Z',
      }),
      expect.objectContaining({ partition: 1, lastOffset: '5', lastLogTime: '2026-04-01T08:00:00.000Z' }),
    ]);
  });
});
