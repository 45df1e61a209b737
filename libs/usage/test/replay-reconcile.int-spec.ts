import { PassThrough } from 'node:stream';
import { openClickHouse } from '@keymeter/clickhouse';
import type { EventLog } from '@keymeter/event-log';
import { reconcile, replayUsageTables, tableCounts, usageSeries, type UsageSeries } from '../src';
import {
  ingestAll,
  openTestClickHouse,
  openTestKafka,
  produceEvents,
  uniqueName,
  usageEvent,
} from './usage-harness';

const CUSTOMER = 'cus_replay';

function knownStream(): ReturnType<typeof usageEvent>[] {
  const events = [];
  for (let index = 0; index < 120; index++) {
    events.push(
      usageEvent({
        customerId: index % 4 === 0 ? 'cus_other' : CUSTOMER,
        keyId: `key_${index % 5}`,
        at: new Date(Date.UTC(2026, 2, 30, 20) + index * 17 * 60_000).toISOString(),
        units: `${(index % 7) + 0.25}`,
        outcome: index % 9 === 0 ? 'rate_limited' : 'forwarded',
        status: index % 9 === 0 ? 429 : index % 11 === 0 ? 503 : 200,
      }),
    );
  }
  return events;
}

describe('replay and reconciliation (Kafka, chDB)', () => {
  let log: EventLog;
  let ch: Awaited<ReturnType<typeof openTestClickHouse>>;
  const topic = uniqueName('usage-replay');
  const dlq = `${topic}-dlq`;
  const liveGroup = uniqueName('usage-replay-live');
  const stream = knownStream();
  const from = new Date('2026-03-30T00:00:00Z');
  const to = new Date('2026-04-02T00:00:00Z');
  // The test's events carry event times of 2026-03/04 but reach the log now: read the log up to now.
  const lateWindowMs = (): number => Math.max(Date.now() - to.getTime(), 0) + 3_600_000;

  const monthSeries = (): Promise<UsageSeries> =>
    usageSeries(ch.handle.client, {
      customerId: CUSTOMER,
      from: new Date('2026-03-29T11:00:00Z'),
      to: new Date('2026-04-04T11:00:00Z'),
      granularity: 'day',
      timeZone: 'Pacific/Auckland',
      groupBy: 'key',
    });

  beforeAll(async () => {
    log = openTestKafka('keymeter-replay-test');
    await log.ensureTopics([
      { name: topic, partitions: 3 },
      { name: dlq, partitions: 3 },
    ]);
    ch = await openTestClickHouse('keymeter-replay');
    // The stream, then a re-send of a few of its events (same ids) as a gateway retry would.
    await produceEvents(log, topic, stream);
    await produceEvents(log, topic, [stream[3], stream[50], stream[50]]);
    await ingestAll(log, ch.handle, topic, dlq, liveGroup);
  });

  afterAll(async () => {
    await log?.close();
    await ch?.cleanup();
  });

  it('reports a clean reconciliation when ClickHouse holds every event once', async () => {
    const report = await reconcile({
      eventLog: log,
      client: ch.handle.client,
      topic,
      from,
      to,
      lateWindowMs: lateWindowMs(),
    });
    expect(report.log.records).toBe(123);
    expect(report.log.distinctIds).toBe(120);
    expect(report.log.resentIds).toBe(3);
    expect(report.clickhouse).toEqual({ rawRows: 120, distinctIds: 120, rollupEvents: 120 });
    expect(report.missing).toEqual({ count: 0, ids: [] });
    expect(report.duplicates).toEqual({ count: 0, ids: [] });
    expect(report.clean).toBe(true);
  });

  it('rebuilds the tables from the topic, swaps them in, and every count and query stays the same', async () => {
    const before = await monthSeries();
    const countsBefore = await tableCounts(ch.handle.client, 'keymeter');
    const progress = new PassThrough();
    let progressText = '';
    progress.on('data', (chunk: Buffer) => (progressText += chunk.toString()));
    const lines: string[] = [];
    const result = await replayUsageTables({
      eventLog: log,
      live: ch.handle,
      openDatabase: (database) => openClickHouse({ chdbPath: ch.dir, database }),
      topic,
      deadLetterTopic: dlq,
      liveGroupId: liveGroup,
      lateGraceMs: 3_600_000,
      maxBatchEvents: 40,
      maxBatchWaitMs: 50,
      print: (line) => lines.push(line),
      progressOut: progress,
    });
    expect(result.swapped).toBe(true);
    expect(result.countsEqual).toBe(true);
    expect(result.rebuilt).toEqual(countsBefore);
    expect(result.rebuilt.rawRows).toBe('120');
    expect(lines.join('\n')).toContain('counts are equal');
    expect(progressText).toMatch(/replay \[#+\] 100% 123\/123 records/);
    // The live database now holds the rebuilt tables (the old ones moved to the replay database).
    const tables = await (
      await ch.handle.client.query({
        query: `SELECT name, toString(uuid) AS uuid, database FROM system.tables
                WHERE name = 'usage_events_raw' AND database IN ({a:String}, {b:String}) ORDER BY database`,
        query_params: { a: 'keymeter', b: result.replayDatabase },
        format: 'JSONEachRow',
      })
    ).json<{ uuid: string; database: string }>();
    expect(tables).toHaveLength(2);
    expect(await tableCounts(ch.handle.client, 'keymeter')).toEqual(countsBefore);
    expect(await monthSeries()).toEqual(before);

    // The live path still works on the swapped tables: new events land once in raw and rollups.
    const extra = usageEvent({
      customerId: CUSTOMER,
      keyId: 'key_1',
      at: '2026-04-01T10:00:00Z',
      units: '9',
    });
    await produceEvents(log, topic, [extra, stream[7]]);
    await ingestAll(log, ch.handle, topic, dlq, liveGroup);
    const after = await tableCounts(ch.handle.client, 'keymeter');
    expect(after.rawRows).toBe('121');
    expect(after.rollupMinuteEvents).toBe('121');
    expect(after.rollupHourEvents).toBe('121');
    expect(after.rollupDayEvents).toBe('121');
  });

  it('reports an event deleted from ClickHouse as missing, and a doubled one as duplicate', async () => {
    const victim = stream[10];
    await ch.handle.client.command({
      query: 'DELETE FROM usage_events_raw WHERE event_id = {id:String}',
      query_params: { id: victim.id },
      clickhouse_settings: { mutations_sync: '2' },
    });
    const doubled = stream[20];
    await ch.handle.client.command({
      query: `INSERT INTO usage_events_raw SELECT * FROM usage_events_raw WHERE event_id = {id:String}`,
      query_params: { id: doubled.id },
      clickhouse_settings: { insert_deduplicate: 0 },
    });
    const report = await reconcile({
      eventLog: log,
      client: ch.handle.client,
      topic,
      from,
      to,
      lateWindowMs: lateWindowMs(),
    });
    expect(report.missing).toEqual({ count: 1, ids: [victim.id] });
    expect(report.duplicates).toEqual({ count: 1, ids: [doubled.id] });
    expect(report.unknownToLog.count).toBe(0);
    expect(report.clean).toBe(false);
  });
});
