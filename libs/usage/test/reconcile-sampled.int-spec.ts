import type { EventLog } from '@keymeter/event-log';
import { reconcile, sampleSize } from '../src';
import {
  ingestAll,
  openTestClickHouse,
  openTestKafka,
  produceEvents,
  uniqueName,
  usageEvent,
} from './usage-harness';

describe('sampled reconciliation (Kafka, chDB)', () => {
  let log: EventLog;
  let ch: Awaited<ReturnType<typeof openTestClickHouse>>;
  const topic = uniqueName('usage-reconcile-sampled');
  const dlq = `${topic}-dlq`;
  const events = Array.from({ length: 600 }, (_, index) =>
    usageEvent({
      customerId: `cus_${index % 3}`,
      keyId: `key_${index % 7}`,
      at: new Date(Date.UTC(2026, 4, 1) + index * 60_000).toISOString(),
      units: '1',
    }),
  );
  const from = new Date('2026-05-01T00:00:00Z');
  const to = new Date('2026-05-02T00:00:00Z');
  const lateWindowMs = (): number => Math.max(Date.now() - to.getTime(), 0) + 3_600_000;
  const run = (extra: Partial<Parameters<typeof reconcile>[0]>): ReturnType<typeof reconcile> =>
    reconcile({
      eventLog: log,
      client: ch.handle.client,
      topic,
      from,
      to,
      lateWindowMs: lateWindowMs(),
      ...extra,
    });

  beforeAll(async () => {
    log = openTestKafka('keymeter-reconcile-sampled-test');
    await log.ensureTopics([
      { name: topic, partitions: 3 },
      { name: dlq, partitions: 3 },
    ]);
    ch = await openTestClickHouse('keymeter-reconcile-sampled');
    await produceEvents(log, topic, events);
    await ingestAll(log, ch.handle, topic, dlq, uniqueName('usage-reconcile-sampled-live'));
  });

  afterAll(async () => {
    await log?.close();
    await ch?.cleanup();
  });

  it('is clean when ClickHouse holds every event once, and checks every window when the sample needs them all', async () => {
    const report = await run({ mode: 'sampled', sample: { windowRecords: 50, seed: 1 } });
    expect(report.mode).toBe('sampled');
    // 600 records over 3 partitions in windows of 50: at most 14 windows, fewer than 459, so all are drawn.
    expect(report.sample?.sampledWindows).toBe(report.sample?.windows);
    expect(report.sample?.badWindowShareBelow).toBe(0);
    expect(report.sample?.recordsChecked).toBe(600);
    expect(report.log.distinctIds).toBe(600);
    expect(report.clickhouse).toEqual({ rawRows: 600, distinctIds: 600, rollupEvents: 600 });
    expect(report.sample?.duplicateRowsInRange).toBe(0);
    expect(report.clean).toBe(true);
  });

  it('auto mode is exact up to maxRecords and sampled above', async () => {
    expect((await run({})).mode).toBe('exact');
    const sampled = await run({ maxRecords: 100, sample: { windowRecords: 100, seed: 2 } });
    expect(sampled.mode).toBe('sampled');
    expect(sampled.clean).toBe(true);
    await expect(run({ mode: 'exact', maxRecords: 100 })).rejects.toThrow(/more than the limit of 100/);
    await expect(run({ mode: 'sampled', sample: { confidence: 1.5 } })).rejects.toThrow(/sample\.confidence/);
  });

  it('finds a deleted and a doubled event in the drawn windows, and scales what a partial sample finds', async () => {
    const victims = [events[10], events[11]];
    for (const victim of victims) {
      await ch.handle.client.command({
        query: 'DELETE FROM usage_events_raw WHERE event_id = {id:String}',
        query_params: { id: victim.id },
        clickhouse_settings: { mutations_sync: '2' },
      });
    }
    const doubled = events[300];
    await ch.handle.client.command({
      query: `INSERT INTO usage_events_raw SELECT * FROM usage_events_raw WHERE event_id = {id:String}`,
      query_params: { id: doubled.id },
      clickhouse_settings: { insert_deduplicate: 0 },
    });

    const full = await run({ mode: 'sampled', sample: { windowRecords: 50, seed: 3 } });
    expect(full.missing).toEqual({ count: 2, ids: victims.map((e) => e.id).sort() });
    expect(full.duplicates).toEqual({ count: 1, ids: [doubled.id] });
    expect(full.sample?.duplicateRowsInRange).toBe(1);
    expect(full.sample?.estimatedMissing).toBe(2);
    expect(full.clean).toBe(false);

    // A sample of one window (confidence 0.5 against a 50 % tolerance): whatever it finds is scaled up,
    // and the whole-range duplicate count still sees the doubled row.
    expect(sampleSize(12, 0.5, 0.5)).toBe(1);
    const partial = await run({
      mode: 'sampled',
      sample: { windowRecords: 50, confidence: 0.5, tolerance: 0.5, seed: 4 },
    });
    const sample = partial.sample;
    expect(sample?.sampledWindows).toBe(1);
    expect(sample?.recordsChecked).toBeLessThanOrEqual(50);
    expect(sample?.estimatedMissing).toBe(partial.missing.count * (sample?.windows ?? 0));
    expect(sample?.duplicateRowsInRange).toBe(1);
    expect(partial.clean).toBe(false);
  });
});
