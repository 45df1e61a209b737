import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openClickHouse, runClickHouseMigrations, type ClickHouseHandle } from '@keymeter/clickhouse';
import type { EventLog } from '@keymeter/event-log';
import {
  ClickHouseIngestStore,
  IngestionEngine,
  IngestMetrics,
  parsePlanMetadata,
  readIngestWatermarks,
  type CommittedBatch,
  type IngestionEngineOptions,
  type IngestStore,
} from '../src';
import {
  openKafka,
  produce,
  readTopic,
  recordLegacyPlan,
  uncommitted,
  uniqueName,
  waitFor,
  withOutageSwitch,
} from './ingestion-harness';
import { eventMessage, groundTruth, makeEvent, mixedStream, poisonMessage } from './usage-stream';
import { allTotals, expectedForEveryTable } from './usage-totals';

const PARTITIONS = 3;

describe('ingestion engine on Kafka and chDB', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keymeter-ingestion-engine-'));
  let handle: ClickHouseHandle;
  let log: EventLog;
  let topic: string;
  let dlq: string;
  let groupId: string;
  const engines: IngestionEngine[] = [];
  let databaseIndex = 0;

  beforeEach(async () => {
    databaseIndex += 1;
    handle = await openClickHouse({ chdbPath: dir, database: `ingestion_engine_${databaseIndex}` });
    await runClickHouseMigrations(handle);
    log = openKafka();
    topic = uniqueName('usage-events');
    dlq = `${topic}-dlq`;
    groupId = uniqueName('ingestor');
    await log.ensureTopics([
      { name: topic, partitions: PARTITIONS },
      { name: dlq, partitions: PARTITIONS },
    ]);
  });

  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.stop();
    await log.close();
    await handle.close();
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function startEngine(store: IngestStore, overrides: Partial<IngestionEngineOptions> = {}): IngestionEngine {
    const engine = new IngestionEngine({
      eventLog: log,
      store,
      topic,
      groupId,
      deadLetterTopic: dlq,
      maxBatchEvents: 200,
      maxBatchWaitMs: 100,
      lateGraceMs: 3_600_000,
      retryBaseDelayMs: 50,
      retryMaxDelayMs: 500,
      lagRefreshMs: 200,
      ...overrides,
    });
    engines.push(engine);
    return engine;
  }

  it('counts a mixed stream exactly once in every table and sends poison messages to the dead-letter topic', async () => {
    const stream = mixedStream(7, 3000);
    const poison = stream.filter((m) => m.event === undefined).length;
    const metrics = new IngestMetrics();
    const engine = startEngine(new ClickHouseIngestStore(handle.client), { metrics });
    await engine.start();
    await produce(log, topic, stream);

    await waitFor('everything committed', async () => (await uncommitted(log, topic, groupId)) === 0);
    expect(await allTotals(handle.client)).toEqual(expectedForEveryTable(groundTruth(stream)));

    const dead = await readTopic(log, dlq, poison);
    expect(dead).toHaveLength(poison);
    for (const record of dead) {
      expect(record.headers['dlq-reason']).toMatch(/not valid JSON|compact v1 payload must have/);
      expect(record.headers['dlq-source-topic']).toBe(topic);
    }
    const text = await metrics.text();
    expect(text).toContain(`keymeter_ingest_dead_lettered_total ${poison}`);
    const resent = stream.filter((m) => m.event).length - groundTruth(stream).size;
    expect(resent).toBeGreaterThan(0);
    const dropped = [...text.matchAll(/keymeter_ingest_duplicates_dropped_total\{where="\w+"\} (\d+)/g)];
    expect(dropped.reduce((sum, m) => sum + Number(m[1]), 0)).toBe(
      stream.filter((m) => m.event).length -
        [...groundTruth(stream).values()].reduce((s, t) => s + t.events, 0),
    );

    // Watermarks are written together after the commits, at most a watermark interval later.
    const highs = (await log.topicOffsets(topic))
      .filter((h) => Number(h.high) > 0)
      .map((h) => Number(h.high))
      .sort();
    const watermarkEnds = async (): Promise<number[]> =>
      (await readIngestWatermarks(handle.client, topic)).map((w) => Number(w.lastOffset) + 1).sort();
    await waitFor('the watermarks written', async () => (await watermarkEnds()).join() === highs.join());
    expect(await watermarkEnds()).toEqual(highs);
  });

  it('keeps a partition flowing past a poison message between valid events', async () => {
    const at = Date.UTC(2026, 3, 2);
    const before = eventMessage(makeEvent({ keyIndex: 5, occurredAtMs: at, units: '1' }));
    const after = eventMessage(makeEvent({ keyIndex: 5, occurredAtMs: at + 1, units: '2' }));
    const stream = [before, poisonMessage(5, '[2,"from the future"]'), after];
    await startEngine(new ClickHouseIngestStore(handle.client)).start();
    await produce(log, topic, stream);

    await waitFor('everything committed', async () => (await uncommitted(log, topic, groupId)) === 0);
    expect(await allTotals(handle.client)).toEqual(expectedForEveryTable(groundTruth(stream)));
    const [dead] = await readTopic(log, dlq, 1);
    expect(dead.headers['dlq-reason']).toBe('v: unsupported schema version 2; expected 1');
  });

  it('counts an event re-sent days later (in a later batch) once', async () => {
    const original = makeEvent({ keyIndex: 3, occurredAtMs: Date.UTC(2026, 2, 1), units: '5' });
    const later = Array.from({ length: 50 }, (_, i) =>
      eventMessage(makeEvent({ keyIndex: 3, occurredAtMs: Date.UTC(2026, 2, 8) + i })),
    );
    const stream = [eventMessage(original), ...later];
    await startEngine(new ClickHouseIngestStore(handle.client)).start();
    await produce(log, topic, stream);
    await waitFor('the first delivery committed', async () => (await uncommitted(log, topic, groupId)) === 0);

    await produce(log, topic, [eventMessage(original)]);
    await waitFor('the re-send committed', async () => (await uncommitted(log, topic, groupId)) === 0);
    expect(await allTotals(handle.client)).toEqual(expectedForEveryTable(groundTruth(stream)));
  });

  /** The store `real` with some of its calls replaced. */
  function storeOver(real: IngestStore, overrides: Partial<IngestStore>): IngestStore {
    return {
      loadPlans: (...args) => real.loadPlans(...args),
      findIdsStoredElsewhere: (ids, range, reformed) => real.findIdsStoredElsewhere(ids, range, reformed),
      insertRawEvents: (body, range) => real.insertRawEvents(body, range),
      completeLanding: (body, range) => real.completeLanding(body, range),
      recordWatermarks: (watermarks) => real.recordWatermarks(watermarks),
      ...overrides,
    };
  }

  it('re-inserts a batch that failed after its insert under the same token and counts it once', async () => {
    const real = new ClickHouseIngestStore(handle.client);
    let failAfterInsert = 2;
    let inserts = 0;
    const failingAfterInsert = storeOver(real, {
      insertRawEvents: async (body, range) => {
        inserts += 1;
        await real.insertRawEvents(body, range);
        if (failAfterInsert > 0) {
          failAfterInsert -= 1;
          throw new Error('connection reset after the insert was acknowledged');
        }
      },
    });
    const stream = Array.from({ length: 120 }, (_, i) =>
      eventMessage(makeEvent({ keyIndex: 1, occurredAtMs: Date.UTC(2026, 3, 3) + i })),
    );
    await startEngine(failingAfterInsert, { maxBatchEvents: 1000, maxBatchWaitMs: 300 }).start();
    await produce(log, topic, stream);

    await waitFor('everything committed', async () => (await uncommitted(log, topic, groupId)) === 0);
    expect(inserts).toBeGreaterThan(1);
    expect(await allTotals(handle.client)).toEqual(expectedForEveryTable(groundTruth(stream)));
  });

  it('writes a retried batch back into a table that kept its token but lost its rows, and counts it once', async () => {
    const real = new ClickHouseIngestStore(handle.client);
    let inserts = 0;
    // The first insert lands, then the minute rollup loses its rows while its log keeps the token (what a kill
    // inside ClickHouse's commit leaves), and the attempt fails: the retry is dropped there.
    const losingMinuteRollup = storeOver(real, {
      insertRawEvents: async (body, range) => {
        inserts += 1;
        await real.insertRawEvents(body, range);
        if (inserts === 1) {
          await handle.client.command({
            query: 'ALTER TABLE usage_rollup_minute DELETE WHERE 1',
            clickhouse_settings: { mutations_sync: '2' },
          });
          throw new Error('killed inside the commit');
        }
      },
    });
    const stream = Array.from({ length: 120 }, (_, i) =>
      eventMessage(makeEvent({ keyIndex: 1, occurredAtMs: Date.UTC(2026, 3, 3) + i })),
    );
    const metrics = new IngestMetrics();
    await startEngine(losingMinuteRollup, { maxBatchEvents: 1000, maxBatchWaitMs: 300, metrics }).start();
    await produce(log, topic, stream);

    await waitFor('everything committed', async () => (await uncommitted(log, topic, groupId)) === 0);
    expect(inserts).toBeGreaterThan(1);
    expect(await allTotals(handle.client)).toEqual(expectedForEveryTable(groundTruth(stream)));
    expect(await metrics.text()).toContain(
      'keymeter_ingest_landing_repairs_total{table="usage_rollup_minute"} 1',
    );
  });

  /** A store on chDB whose event inserts always fail (ClickHouse down), after the plan was made. */
  function failingInserts(): IngestStore {
    return storeOver(new ClickHouseIngestStore(handle.client), {
      insertRawEvents: () => Promise.reject(new Error('ClickHouse is down')),
    });
  }

  /** Partitions of the topic holding records, with their high watermark. */
  async function filledPartitions(): Promise<Map<number, bigint>> {
    const offsets = await log.topicOffsets(topic);
    return new Map(offsets.filter((o) => BigInt(o.high) > 0n).map((o) => [o.partition, BigInt(o.high)]));
  }

  /** The plan in the committed offset's metadata, per partition. */
  async function committedPlans(): Promise<Map<number, { first: bigint; last: bigint }>> {
    const plans = new Map<number, { first: bigint; last: bigint }>();
    for (const entry of await log.committedOffsets(groupId, topic)) {
      const plan = parsePlanMetadata(entry.metadata);
      if (plan.kind === 'plan') {
        plans.set(entry.partition, { first: plan.range.firstOffset, last: plan.range.lastOffset });
      }
    }
    return plans;
  }

  /** Records the first batch each partition commits. */
  function firstBatches(): {
    readonly ranges: Map<number, { first: bigint; last: bigint }>;
    readonly onBatchCommitted: (batch: CommittedBatch) => void;
  } {
    const ranges = new Map<number, { first: bigint; last: bigint }>();
    return {
      ranges,
      onBatchCommitted: (batch) => {
        if (!ranges.has(batch.partition)) {
          ranges.set(batch.partition, { first: batch.firstOffset, last: batch.lastOffset });
        }
      },
    };
  }

  /**
   * Whether the group committed every record and the engine reported a batch for every planned partition. Both:
   * the answer to the offset fetch can be read before the engine's own commit answer (two connections, read in
   * the order the poll returns them), so "committed" alone can be seen before the engine reports the batch.
   */
  async function allReported(
    batches: ReturnType<typeof firstBatches>,
    plans: ReadonlyMap<number, unknown>,
  ): Promise<boolean> {
    return (await uncommitted(log, topic, groupId)) === 0 && batches.ranges.size >= plans.size;
  }

  const timestamps = (count: number, from: number): ReturnType<typeof eventMessage>[] =>
    Array.from({ length: count }, (_, i) =>
      eventMessage(makeEvent({ keyIndex: i % 12, occurredAtMs: from + i, units: String(1 + (i % 3)) })),
    );

  it('re-forms a range planned before a crash between its plan and its insert exactly, from the commit', async () => {
    const stream = timestamps(150, Date.UTC(2026, 3, 4));
    await produce(log, topic, stream);
    const filled = await filledPartitions();
    // Plans every partition's records as one range, then cannot insert it.
    const first = startEngine(failingInserts(), { maxBatchEvents: 1000, maxBatchWaitMs: 50 });
    await first.start();
    await waitFor(
      'a plan committed for every partition',
      async () => (await committedPlans()).size === filled.size,
    );
    await first.stop();
    const plans = await committedPlans();
    for (const [partition, high] of filled)
      expect(plans.get(partition)).toEqual({ first: 0n, last: high - 1n });
    expect(
      (await log.committedOffsets(groupId, topic)).every((c) => c.offset === '0' || c.offset === '-1'),
    ).toBe(true);

    // More records arrive; the next engine cuts batches of 7, except the planned ranges.
    const more = timestamps(60, Date.UTC(2026, 3, 5));
    await produce(log, topic, more);
    const batches = firstBatches();
    await startEngine(new ClickHouseIngestStore(handle.client), {
      maxBatchEvents: 7,
      onBatchCommitted: batches.onBatchCommitted,
    }).start();
    await waitFor('everything committed, every first batch reported', () => allReported(batches, plans));
    expect(batches.ranges).toEqual(plans);
    expect(await allTotals(handle.client)).toEqual(expectedForEveryTable(groundTruth([...stream, ...more])));
  });

  it('a plan in the commit metadata survives a rebalance: the member taking the partition re-forms it', async () => {
    const stream = timestamps(150, Date.UTC(2026, 3, 6));
    await produce(log, topic, stream);
    const filled = await filledPartitions();
    const planner = startEngine(failingInserts(), { maxBatchEvents: 1000, maxBatchWaitMs: 50 });
    await planner.start();
    await waitFor(
      'a plan committed for every partition',
      async () => (await committedPlans()).size === filled.size,
    );
    const plans = await committedPlans();

    // Another member joins (the group rebalances), then the planner leaves: every partition moves to it.
    const batches = firstBatches();
    await startEngine(new ClickHouseIngestStore(handle.client), {
      maxBatchEvents: 7,
      onBatchCommitted: batches.onBatchCommitted,
    }).start();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await planner.stop();
    await waitFor('everything committed, every first batch reported', () => allReported(batches, plans));
    expect(batches.ranges).toEqual(plans);
    expect(await allTotals(handle.client)).toEqual(expectedForEveryTable(groundTruth(stream)));
  });

  it('re-forms a range an earlier version planned in ingest_batches (its commits carry no plan)', async () => {
    const stream = timestamps(120, Date.UTC(2026, 3, 7));
    await produce(log, topic, stream);
    const filled = await filledPartitions();
    // The earlier ingestor: a fence commit of offset 0 without metadata, then the plan in ingest_batches.
    const earlier = await log.consumer({ groupId, topics: [topic], fromBeginning: true });
    const fenced = new Set<number>();
    await earlier.run({
      eachBatch: async (batch) => {
        if (fenced.has(batch.partition)) return;
        await earlier.commit([{ topic, partition: batch.partition, offset: batch.firstOffset }]);
        fenced.add(batch.partition);
      },
    });
    await waitFor('every partition fenced', () => fenced.size === filled.size);
    await earlier.stop();
    const store = new ClickHouseIngestStore(handle.client);
    const legacy = new Map<number, { first: bigint; last: bigint }>();
    for (const [partition, high] of filled) {
      legacy.set(partition, { first: 0n, last: high / 2n });
      await recordLegacyPlan(handle.client, { topic, partition, firstOffset: 0n, lastOffset: high / 2n });
    }

    const batches = firstBatches();
    await startEngine(store, {
      maxBatchEvents: 1000,
      maxBatchWaitMs: 50,
      onBatchCommitted: batches.onBatchCommitted,
    }).start();
    await waitFor('everything committed, every first batch reported', () => allReported(batches, legacy));
    expect(batches.ranges).toEqual(legacy);
    expect(await allTotals(handle.client)).toEqual(expectedForEveryTable(groundTruth(stream)));
  });

  it('under a backlog writes the watermarks when a partition catches up and at stop, not once per batch', async () => {
    const real = new ClickHouseIngestStore(handle.client);
    const writes: number[][] = [];
    const counting = storeOver(real, {
      recordWatermarks: async (watermarks) => {
        writes.push(watermarks.map((w) => w.partition));
        await real.recordWatermarks(watermarks);
      },
    });
    const stream = timestamps(300, Date.UTC(2026, 3, 8));
    await produce(log, topic, stream);
    let batches = 0;
    // An interval longer than the test: only the writes of partitions catching up and the one at stop happen.
    const engine = startEngine(counting, {
      maxBatchEvents: 20,
      watermarkIntervalMs: 600_000,
      onBatchCommitted: () => {
        batches += 1;
      },
    });
    await engine.start();
    await waitFor('everything committed', async () => (await uncommitted(log, topic, groupId)) === 0);
    await engine.stop();

    const filled = await filledPartitions();
    // 300 events in batches of 20: at least 15 batches, at most one write per partition catching up plus
    // the one at stop (which has nothing left to write when every partition caught up).
    expect(batches).toBeGreaterThanOrEqual(15);
    expect(writes.length).toBeGreaterThanOrEqual(1);
    expect(writes.length).toBeLessThanOrEqual(filled.size + 1);
    expect([...new Set(writes.flat())].sort()).toEqual([...filled.keys()].sort());
    const marks = await readIngestWatermarks(handle.client, topic);
    expect(marks.map((m) => [m.partition, BigInt(m.lastOffset) + 1n])).toEqual(
      [...filled].sort((a, b) => a[0] - b[0]),
    );
  });

  it('a second group reading records already ingested into the same database counts none of them again', async () => {
    const stream = mixedStream(31, 400);
    await produce(log, topic, stream);
    await startEngine(new ClickHouseIngestStore(handle.client)).start();
    await waitFor('the first group committed', async () => (await uncommitted(log, topic, groupId)) === 0);
    expect(await allTotals(handle.client)).toEqual(expectedForEveryTable(groundTruth(stream)));

    // Another group (or this one after its offsets expired) starts from the beginning with batches cut
    // differently: no plan of the first group applies, the id set drops every copy already stored.
    const second = uniqueName('ingestor-second');
    startEngine(new ClickHouseIngestStore(handle.client), { groupId: second, maxBatchEvents: 37 });
    await engines[engines.length - 1].start();
    await waitFor('the second group committed', async () => (await uncommitted(log, topic, second)) === 0);
    expect(await allTotals(handle.client)).toEqual(expectedForEveryTable(groundTruth(stream)));
  });

  it('while ClickHouse is down: lag grows, nothing is committed; after it returns everything lands once', async () => {
    const outage = withOutageSwitch(handle.client);
    const engine = startEngine(new ClickHouseIngestStore(outage.client));
    await engine.start();
    const first = mixedStream(11, 400);
    await produce(log, topic, first);
    await waitFor('the first part committed', async () => (await uncommitted(log, topic, groupId)) === 0);
    const committedBefore = await log.committedOffsets(groupId, topic);

    outage.setDown(true);
    const second = mixedStream(12, 600);
    await produce(log, topic, second);
    await waitFor(
      'the engine noticed the outage on every partition with records',
      () => engine.status().partitions.filter((p) => p.consecutiveFailures > 1).length === PARTITIONS,
    );
    const lag = await engine.refreshLag();
    expect(Object.values(lag).reduce((a, b) => a + b, 0)).toBe(second.length);
    // Offsets unchanged (the commits' metadata now names the planned ranges).
    const offsetsOf = (entries: readonly { partition: number; offset: string }[]): string[] =>
      entries.map((entry) => `${entry.partition}:${entry.offset}`);
    expect(offsetsOf(await log.committedOffsets(groupId, topic))).toEqual(offsetsOf(committedBefore));
    expect(engine.status().partitions.every((p) => p.paused)).toBe(true);

    outage.setDown(false);
    await waitFor(
      'everything committed after the outage',
      async () => (await uncommitted(log, topic, groupId)) === 0,
    );
    expect(await allTotals(handle.client)).toEqual(expectedForEveryTable(groundTruth([...first, ...second])));
    expect(engine.status().partitions.every((p) => !p.paused && p.consecutiveFailures === 0)).toBe(true);
  });

  it('a restarted engine resumes from the committed offsets and counts nothing twice', async () => {
    const stream = mixedStream(21, 1500);
    await produce(log, topic, stream.slice(0, 700));
    const first = startEngine(new ClickHouseIngestStore(handle.client));
    await first.start();
    await waitFor('the first part committed', async () => (await uncommitted(log, topic, groupId)) === 0);
    await first.stop();

    await produce(log, topic, stream.slice(700));
    await startEngine(new ClickHouseIngestStore(handle.client)).start();
    await waitFor('everything committed', async () => (await uncommitted(log, topic, groupId)) === 0);
    expect(await allTotals(handle.client)).toEqual(expectedForEveryTable(groundTruth(stream)));
  });
});
