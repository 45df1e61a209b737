import type { EventLog, LogBatch, LogConsumer, LogProducer, OutgoingMessage } from '@keymeter/event-log';
import { describeRange, type BatchRange } from './batch-range';
import type { BatchWatermark, IngestStore } from './ingest-store';
import { IngestMetrics } from './ingest-metrics';
import { PartitionBuffer, type BatchCut, type CutRules, type PlannedRange } from './partition-buffer';
import { parsePlanMetadata, planMetadata } from './plan-metadata';
import type { DeadLetter } from './prepared-records';
import { keepRows } from './raw-event-body-writer';

export type IngestLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type IngestLog = (level: IngestLogLevel, message: string, fields?: Record<string, unknown>) => void;

export interface IngestionEngineOptions {
  readonly eventLog: EventLog;
  readonly store: IngestStore;
  /** Topic of UsageEvents, e.g. `usage-events`. */
  readonly topic: string;
  readonly groupId: string;
  /** Where invalid records go, with the reason in the `dlq-reason` header. Must exist. */
  readonly deadLetterTopic: string;
  readonly maxBatchEvents: number;
  readonly maxBatchWaitMs: number;
  /**
   * How long a partial batch waits while the log already holds more of its partition's records (default
   * 4 × maxBatchWaitMs): under a backlog batches fill up to maxBatchEvents instead of closing small.
   */
  readonly maxBacklogWaitMs?: number;
  /** Events that reached the log later than this after they occurred are stored with `late = 1`. */
  readonly lateGraceMs: number;
  readonly metrics?: IngestMetrics;
  readonly log?: IngestLog;
  /** Retry delay after a failed batch: base, doubling per failure, up to max. Default 200 ms .. 10 s. */
  readonly retryBaseDelayMs?: number;
  readonly retryMaxDelayMs?: number;
  /**
   * A delivery returns to the consumer at once (so the next records are fetched and decoded while
   * ClickHouse inserts) unless its partition then holds more than this many records; then it waits for
   * the partition's inserts. Bounds memory per partition. Default 2 × maxBatchEvents; 0 makes every
   * delivery wait until its records are inserted and committed.
   */
  readonly maxBufferedEvents?: number;
  /** How often lag per partition is refreshed. Default 5 s. */
  readonly lagRefreshMs?: number;
  /**
   * The watermarks of committed batches are written together (one insert for every partition) at most
   * this often, and at stop. Default 1 s. A watermark is never ahead of what ClickHouse holds; it may be
   * behind the commits by about this long plus one insert (docs/ingestor.md, "Watermark").
   */
  readonly watermarkIntervalMs?: number;
  /** Called after each batch is committed (for tests and benchmarks). */
  readonly onBatchCommitted?: (batch: CommittedBatch) => void;
}

export interface CommittedBatch extends BatchRange {
  readonly records: number;
  readonly inserted: number;
  readonly deadLettered: number;
  readonly duplicatesDropped: number;
}

export interface PartitionStatus {
  readonly partition: number;
  readonly buffered: number;
  readonly paused: boolean;
  readonly consecutiveFailures: number;
  readonly lastError?: string;
}

export interface IngestionStatus {
  readonly state: 'created' | 'running' | 'stopping' | 'stopped';
  readonly partitions: readonly PartitionStatus[];
  /** Uncommitted records per partition at the last refresh. */
  readonly lag: Readonly<Record<number, number>>;
}

/** The partition moved to another member (or the log refused a commit): drop local state, re-read. */
class OwnershipLostError extends Error {}

class PartitionState {
  readonly buffer: PartitionBuffer;
  /** Next offset expected from the consumer; undefined until the first delivery after a reset. */
  nextOffset: bigint | undefined;
  plansLoaded = false;
  /**
   * First offsets of planned ranges that may have been inserted (partly) already: loaded from the log or the
   * store (planned by an earlier process or member), or attempted by this one.
   */
  readonly mayHaveLanded = new Set<bigint>();
  /** The consumer's position is ahead of what we hold: make it redeliver from the committed offset. */
  rewind = false;
  paused = false;
  failures = 0;
  lastError: string | undefined;
  retryTimer: NodeJS.Timeout | null = null;
  dueTimer: NodeJS.Timeout | null = null;
  /** Serialises the partition's inserts: drains after deliveries, timed flushes, retries. */
  chain: Promise<void> = Promise.resolve();
  /** A drain is queued on the chain and has not started yet (it will see every record appended until then). */
  drainQueued = false;

  constructor(
    readonly partition: number,
    lateGraceMs: number,
  ) {
    this.buffer = new PartitionBuffer(lateGraceMs);
  }

  reset(): void {
    this.buffer.clear();
    this.nextOffset = undefined;
    this.plansLoaded = false;
    this.mayHaveLanded.clear();
    this.rewind = false;
    this.clearTimers();
  }

  clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.retryTimer = null;
    this.dueTimer = null;
  }
}

const DEFAULT_RETRY_BASE_MS = 200;
const DEFAULT_RETRY_MAX_MS = 10_000;
const DEFAULT_LAG_REFRESH_MS = 5_000;
const DEFAULT_WATERMARK_INTERVAL_MS = 1_000;
/**
 * Under a backlog a partial batch waits this many batch waits for records already in the log. Small
 * batches cost the store far more per event (docs/benchmarks.md, "Third pass"); when the store falls
 * behind, batches that close by time get smaller, which makes it fall further behind.
 */
const BACKLOG_WAIT_FACTOR = 4;

/**
 * Consumes UsageEvents from the event log and writes them to ClickHouse so that each is counted once.
 *
 * Per partition, one batch at a time: cut (size or time, or a recorded plan) → record the plan → decode
 * (invalid records to the dead-letter topic) → drop ids counted by other batches → insert with the
 * range's deduplication token → record the watermark → commit the offset after the batch. Any failure
 * pauses the partition and retries the same batch with backoff; nothing is committed meanwhile.
 * Deliveries only buffer records and queue the partition's inserts, so fetching and decoding overlap
 * the inserts, and partitions insert independently of each other.
 * The exactly-once argument is in docs/ingestor.md.
 */
export class IngestionEngine {
  private state: IngestionStatus['state'] = 'created';
  private consumer: LogConsumer | null = null;
  private producer: LogProducer | null = null;
  private readonly partitions = new Map<number, PartitionState>();
  private readonly metrics: IngestMetrics;
  private readonly log: IngestLog;
  private readonly rules: CutRules;
  private readonly maxBufferedEvents: number;
  private lagTimer: NodeJS.Timeout | null = null;
  private lag: Record<number, number> = {};
  /** Watermarks of committed batches not yet written, per partition. */
  private readonly pendingWatermarks = new Map<number, BatchWatermark>();
  private readonly watermarkIntervalMs: number;
  private watermarkTimer: NodeJS.Timeout | null = null;
  private watermarkWrite: Promise<void> | null = null;
  /** A batch asked for a write while one was in flight: write again when it ends. */
  private watermarkRewrite = false;

  constructor(private readonly options: IngestionEngineOptions) {
    if (!Number.isInteger(options.maxBatchEvents) || options.maxBatchEvents < 1) {
      throw new RangeError(`maxBatchEvents: must be a positive integer, got ${options.maxBatchEvents}`);
    }
    if (!(options.maxBatchWaitMs >= 0)) {
      throw new RangeError(`maxBatchWaitMs: must be >= 0, got ${options.maxBatchWaitMs}`);
    }
    if (!(options.lateGraceMs >= 0)) {
      throw new RangeError(`lateGraceMs: must be >= 0, got ${options.lateGraceMs}`);
    }
    this.metrics = options.metrics ?? new IngestMetrics();
    this.log = options.log ?? (() => undefined);
    this.rules = {
      maxBatchEvents: options.maxBatchEvents,
      maxBatchWaitMs: options.maxBatchWaitMs,
      maxBacklogWaitMs: options.maxBacklogWaitMs ?? BACKLOG_WAIT_FACTOR * options.maxBatchWaitMs,
    };
    if (options.maxBacklogWaitMs !== undefined && !(options.maxBacklogWaitMs >= 0)) {
      throw new RangeError(`maxBacklogWaitMs: must be >= 0, got ${options.maxBacklogWaitMs}`);
    }
    this.watermarkIntervalMs = options.watermarkIntervalMs ?? DEFAULT_WATERMARK_INTERVAL_MS;
    if (!(this.watermarkIntervalMs >= 0)) {
      throw new RangeError(`watermarkIntervalMs: must be >= 0, got ${options.watermarkIntervalMs}`);
    }
    this.maxBufferedEvents = options.maxBufferedEvents ?? 2 * options.maxBatchEvents;
    if (!Number.isInteger(this.maxBufferedEvents) || this.maxBufferedEvents < 0) {
      throw new RangeError(`maxBufferedEvents: must be a whole number, got ${options.maxBufferedEvents}`);
    }
  }

  /** Joins the consumer group and starts consuming. Resolves once the consumer runs. */
  async start(): Promise<void> {
    if (this.state !== 'created') throw new Error(`start: the ingestion engine is ${this.state}`);
    this.state = 'running';
    const { eventLog, topic, groupId } = this.options;
    this.producer = await eventLog.producer();
    this.consumer = await eventLog.consumer({
      groupId,
      topics: [topic],
      fromBeginning: true,
      maxBatchRecords: this.options.maxBatchEvents,
    });
    await this.consumer.run({ eachBatch: (batch) => this.onBatch(batch) });
    const refresh = this.options.lagRefreshMs ?? DEFAULT_LAG_REFRESH_MS;
    this.lagTimer = setInterval(() => void this.refreshLag().catch(() => undefined), refresh);
    this.lagTimer.unref();
    void this.refreshLag().catch(() => undefined);
    this.watermarkTimer = setInterval(() => void this.writeWatermarks(), this.watermarkIntervalMs);
    this.watermarkTimer.unref();
  }

  /**
   * Graceful stop: no new batches; the batch in flight finishes and is committed; what is buffered is
   * flushed once if the store answers (otherwise it stays uncommitted and is redelivered); then the
   * consumer leaves the group.
   */
  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    if (this.lagTimer) clearInterval(this.lagTimer);
    const parts = [...this.partitions.values()];
    for (const part of parts) part.clearTimers();
    await Promise.all(parts.map((part) => this.serial(part, () => this.drain(part, true, false))));
    if (this.watermarkTimer) clearInterval(this.watermarkTimer);
    while (this.watermarkWrite) await this.watermarkWrite;
    await this.writeWatermarks();
    await this.consumer?.stop();
    await this.producer?.close();
    this.state = 'stopped';
  }

  status(): IngestionStatus {
    return {
      state: this.state,
      partitions: [...this.partitions.values()]
        .sort((a, b) => a.partition - b.partition)
        .map((part) => ({
          partition: part.partition,
          buffered: part.buffer.size,
          paused: part.paused,
          consecutiveFailures: part.failures,
          ...(part.lastError === undefined ? {} : { lastError: part.lastError }),
        })),
      lag: { ...this.lag },
    };
  }

  get metricsRegistry(): IngestMetrics {
    return this.metrics;
  }

  /** Reads high watermarks and the group's commits; updates the lag gauge. */
  async refreshLag(): Promise<Record<number, number>> {
    const { eventLog, topic, groupId } = this.options;
    const [offsets, committed] = await Promise.all([
      eventLog.topicOffsets(topic),
      eventLog.committedOffsets(groupId, topic),
    ]);
    const committedBy = new Map(committed.map((c) => [c.partition, BigInt(c.offset)]));
    const lag: Record<number, number> = {};
    for (const { partition, low, high } of offsets) {
      const done = committedBy.get(partition) ?? -1n;
      const from = done < 0n ? BigInt(low) : done;
      const value = Number(BigInt(high) - from);
      lag[partition] = Math.max(0, value);
      this.metrics.lag.set({ topic, partition: String(partition) }, lag[partition]);
    }
    this.lag = lag;
    return lag;
  }

  private partition(partition: number): PartitionState {
    let part = this.partitions.get(partition);
    if (!part) {
      part = new PartitionState(partition, this.options.lateGraceMs);
      this.partitions.set(partition, part);
    }
    return part;
  }

  private serial(part: PartitionState, work: () => Promise<void>): Promise<void> {
    const result = part.chain.then(work);
    part.chain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /**
   * Buffers a delivery and queues the partition's inserts. Returns before they finish (unless the
   * partition holds more than maxBufferedEvents): the consumer's position moves on, but commits still
   * come only from inserted batches, so a crash redelivers from the last inserted batch as before.
   */
  private async onBatch(batch: LogBatch): Promise<void> {
    const part = this.partition(batch.partition);
    // Stopping: leave the records uncommitted; they are redelivered to the next consumer.
    if (this.state !== 'running') return;
    const first = BigInt(batch.firstOffset);
    // A delivery before the expected offset is a redelivery from the committed offset (restart,
    // rebalance): what was buffered will come again, and plans must be re-read from that point.
    // The buffer is only reset once the batch in flight has finished with it.
    if (part.rewind || part.nextOffset === undefined || first < part.nextOffset) {
      await part.chain;
      if (this.state !== 'running') return;
      if (part.rewind) {
        part.reset();
        throw new Error(
          `${this.options.topic}[${batch.partition}]: local state was dropped; redelivering from the committed offset`,
        );
      }
      if (part.nextOffset === undefined || first < part.nextOffset) part.reset();
    }
    const logEnd = /^\d+$/.test(batch.highWatermark) ? BigInt(batch.highWatermark) : undefined;
    part.buffer.append(batch.records, Date.now(), logEnd);
    part.nextOffset = BigInt(batch.lastOffset) + 1n;
    const drained = this.queueDrain(part);
    // Backpressure: hold the consumer while this partition is too far behind.
    if (part.buffer.size > this.maxBufferedEvents) await drained;
  }

  /** Queues one drain of the partition unless one is queued and not started yet (it will see these records). */
  private queueDrain(part: PartitionState): Promise<void> {
    if (part.drainQueued) return part.chain;
    part.drainQueued = true;
    return this.serial(part, () => {
      part.drainQueued = false;
      return this.drain(part, false, true);
    });
  }

  /**
   * Inserts every batch that is complete (all that is buffered when `force`). Never throws: a failure
   * pauses the partition and schedules a retry (when `retry`), keeping the records in memory.
   */
  private async drain(part: PartitionState, force: boolean, retry: boolean): Promise<void> {
    if (part.buffer.size === 0) return;
    try {
      if (!part.plansLoaded) {
        const from = part.buffer.firstOffset as bigint;
        const plans = await this.loadPlans(part, from);
        part.buffer.setPlans(plans);
        for (const plan of plans) part.mayHaveLanded.add(plan.firstOffset);
        part.plansLoaded = true;
      }
      for (;;) {
        const cut = part.buffer.nextCut(this.rules, Date.now(), force);
        if (!cut) break;
        await this.insertBatch(part, cut, force);
      }
      if (part.failures > 0) this.log('info', `${this.options.topic}[${part.partition}] recovered`);
      part.failures = 0;
      part.lastError = undefined;
      this.setPaused(part, false);
      this.scheduleDue(part);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof OwnershipLostError) {
        this.log('warn', `${this.options.topic}[${part.partition}]: ${message}; dropping buffered records`);
        part.reset();
        part.rewind = true;
        this.setPaused(part, false);
        return;
      }
      part.failures += 1;
      part.lastError = message;
      this.metrics.storeFailures.inc();
      if (!retry || this.state !== 'running') {
        this.log('warn', `${this.options.topic}[${part.partition}]: batch failed, left uncommitted`, {
          error: message,
        });
        return;
      }
      const base = this.options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_MS;
      const max = this.options.retryMaxDelayMs ?? DEFAULT_RETRY_MAX_MS;
      const delayMs = Math.min(base * 2 ** (part.failures - 1), max);
      this.log('warn', `${this.options.topic}[${part.partition}]: batch failed; paused, retrying`, {
        error: message,
        failures: part.failures,
        delayMs,
      });
      this.setPaused(part, true);
      part.clearTimers();
      part.retryTimer = setTimeout(() => {
        part.retryTimer = null;
        void this.serial(part, () => this.drain(part, false, true));
      }, delayMs);
    }
  }

  /** Flushes a partial batch once its oldest record has waited long enough. */
  private scheduleDue(part: PartitionState): void {
    if (part.dueTimer) clearTimeout(part.dueTimer);
    part.dueTimer = null;
    const dueAt = part.buffer.dueAtMs(this.rules);
    if (dueAt === undefined || this.state !== 'running') return;
    part.dueTimer = setTimeout(
      () => {
        part.dueTimer = null;
        void this.serial(part, () => this.drain(part, false, true));
      },
      Math.max(0, dueAt - Date.now()),
    );
  }

  private setPaused(part: PartitionState, paused: boolean): void {
    if (part.paused === paused || !this.consumer) return;
    part.paused = paused;
    if (paused) this.consumer.pause(this.options.topic, [part.partition]);
    else this.consumer.resume(this.options.topic, [part.partition]);
    this.metrics.pausedPartitions.set([...this.partitions.values()].filter((p) => p.paused).length);
  }

  private async insertBatch(part: PartitionState, cut: BatchCut, force: boolean): Promise<void> {
    const startedAt = process.hrtime.bigint();
    const { store, topic } = this.options;
    const range: BatchRange = {
      topic,
      partition: part.partition,
      firstOffset: cut.firstOffset,
      lastOffset: cut.lastOffset,
    };
    if (!cut.replanned) {
      // Plan: commit the batch's start (the offset already committed) with the range in the commit's
      // metadata. The commit is also the fence: it succeeds only while this member owns the partition in
      // the group's current generation, so a member that lost it in a rebalance plans nothing.
      const plan: PlannedRange = { firstOffset: range.firstOffset, lastOffset: range.lastOffset };
      await this.commit(range, range.firstOffset, plan);
      part.buffer.addPlan(plan);
    }
    const prepared = part.buffer.prepared(cut);
    const ids = prepared.ids;
    // A range planned by an earlier process or member, or attempted before, may have landed (partly): its
    // own rows are not duplicates. A range this process planned and never attempted was never inserted by
    // this group: any stored copy is one (e.g. from another group reading the same records).
    const reformed = part.mayHaveLanded.has(range.firstOffset);
    const elsewhere =
      ids.length === 0 ? new Set<string>() : await store.findIdsStoredElsewhere(ids, range, reformed);
    const body =
      elsewhere.size === 0 ? prepared.body : keepRows(prepared.body, (index) => !elsewhere.has(ids[index]));
    if (prepared.deadLetters.length > 0) await this.sendDeadLetters(prepared.deadLetters);
    part.mayHaveLanded.add(range.firstOffset);
    await store.insertRawEvents(body, range);
    // A range inserted before may have left a table with its token but without its rows (a process killed
    // inside ClickHouse's commit): the retry is dropped there, so check every table and fill in what lacks.
    const repairs = reformed ? await store.completeLanding(body, range) : [];
    this.noteWatermark({
      topic,
      partition: part.partition,
      lastOffset: range.lastOffset,
      // A cut holds at least one record, so its last log time is known.
      lastLogTimeMs: prepared.lastLogTimeMs as number,
      maxOccurredAtMs: prepared.maxOccurredAtMs,
    });
    // Caught up (nothing after this batch buffered or in the log): write the watermarks now, so an invoice
    // cut-off taken right after the usage shows up includes it. Under a backlog they wait for the interval
    // (one insert for many batches).
    if (part.buffer.isCaughtUpAfter(range.lastOffset)) this.requestWatermarkWrite();
    // The commit after the insert carries the plan of the next batch when that batch is already complete
    // (under a backlog it is): this commit then fences it too, and it needs no commit before its insert.
    // Otherwise the commit says that nothing is planned from there. Should the commit fail, the partition's
    // local state is dropped anyway.
    part.buffer.consumed(cut, Date.now());
    const next = part.buffer.nextCut(this.rules, Date.now(), force);
    if (next && !next.replanned) {
      part.buffer.addPlan({ firstOffset: next.firstOffset, lastOffset: next.lastOffset });
    }
    await this.commit(range, range.lastOffset + 1n, part.buffer.planAt(range.lastOffset + 1n));
    part.mayHaveLanded.delete(range.firstOffset);

    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    this.metrics.recordBatch(body.rowCount, seconds, cut.count, Date.now());
    this.metrics.deadLettered.inc(prepared.deadLetters.length);
    this.metrics.duplicatesDropped.inc({ where: 'batch' }, prepared.duplicatesInBatch);
    this.metrics.duplicatesDropped.inc({ where: 'stored' }, elsewhere.size);
    this.metrics.lateEvents.inc(prepared.lateEvents);
    for (const repair of repairs) {
      this.metrics.landingRepairs.inc({ table: repair.table }, repair.days.length);
      this.log(
        'warn',
        `${describeRange(range)}: ${repair.table} lacked the batch; its rows were written again`,
        {
          days: repair.days.join(','),
        },
      );
    }
    this.log('debug', `committed ${describeRange(range)}`, { inserted: body.rowCount });
    this.options.onBatchCommitted?.({
      ...range,
      records: cut.count,
      inserted: body.rowCount,
      deadLettered: prepared.deadLetters.length,
      duplicatesDropped: prepared.duplicatesInBatch + elsewhere.size,
    });
  }

  /**
   * Where a partition's batches must start: the plan in the metadata of its committed offset. A commit
   * from an ingestor that kept plans in the store (before they moved into the commits) carries none of
   * this format: then the store's plans are read, once per partition and start (upgrade). A partition
   * never committed has no plan anywhere (every plan was made with a commit).
   */
  private async loadPlans(part: PartitionState, from: bigint): Promise<PlannedRange[]> {
    const { eventLog, groupId, topic, store } = this.options;
    const committed = (await eventLog.committedOffsets(groupId, topic)).find(
      (entry) => entry.partition === part.partition,
    );
    const plan = parsePlanMetadata(committed?.metadata);
    if (plan.kind === 'plan') return plan.range.firstOffset >= from ? [plan.range] : [];
    if (plan.kind === 'none') return [];
    if (committed === undefined || BigInt(committed.offset) < 0n) return [];
    return store.loadPlans(topic, part.partition, from);
  }

  /** Keeps the highest watermark of each partition until the next write. */
  private noteWatermark(mark: BatchWatermark): void {
    const known = this.pendingWatermarks.get(mark.partition);
    if (!known) {
      this.pendingWatermarks.set(mark.partition, mark);
      return;
    }
    const occurred = [known.maxOccurredAtMs, mark.maxOccurredAtMs].filter((t) => t !== undefined);
    this.pendingWatermarks.set(mark.partition, {
      topic: mark.topic,
      partition: mark.partition,
      lastOffset: known.lastOffset > mark.lastOffset ? known.lastOffset : mark.lastOffset,
      lastLogTimeMs: Math.max(known.lastLogTimeMs, mark.lastLogTimeMs),
      maxOccurredAtMs: occurred.length === 0 ? undefined : Math.max(...occurred),
    });
  }

  /**
   * Writes the pending watermarks of every partition in one insert (one write at a time). A failed write
   * keeps them for the next one; batches never wait for it. Never throws.
   */
  /** Writes the watermarks as soon as possible: now, or right after the write in flight. */
  private requestWatermarkWrite(): void {
    if (this.watermarkWrite) this.watermarkRewrite = true;
    else void this.writeWatermarks();
  }

  private writeWatermarks(): Promise<void> {
    if (this.watermarkWrite) return this.watermarkWrite;
    if (this.pendingWatermarks.size === 0) return Promise.resolve();
    const marks = [...this.pendingWatermarks.values()];
    this.pendingWatermarks.clear();
    this.watermarkWrite = this.options.store
      .recordWatermarks(marks)
      .catch((error: unknown) => {
        for (const mark of marks) this.noteWatermark(mark);
        this.log('warn', `${this.options.topic}: watermarks not written; kept for the next write`, {
          error: error instanceof Error ? error.message : String(error),
        });
      })
      .finally(() => {
        this.watermarkWrite = null;
        if (this.watermarkRewrite && this.state === 'running') {
          this.watermarkRewrite = false;
          void this.writeWatermarks();
        }
      });
    return this.watermarkWrite;
  }

  private async commit(range: BatchRange, offset: bigint, plan: PlannedRange | undefined): Promise<void> {
    if (!this.consumer) throw new OwnershipLostError('the consumer is not running');
    try {
      await this.consumer.commit([
        {
          topic: range.topic,
          partition: range.partition,
          offset: offset.toString(),
          metadata: planMetadata(plan),
        },
      ]);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new OwnershipLostError(
        `commit of offset ${offset} for ${describeRange(range)} failed: ${message}`,
      );
    }
  }

  private async sendDeadLetters(deadLetters: readonly DeadLetter[]): Promise<void> {
    if (!this.producer) throw new Error('the dead-letter producer is not open');
    const messages: OutgoingMessage[] = deadLetters.map(({ record, reason }) => ({
      key: record.key ?? `${record.topic}/${record.partition}/${record.offset}`,
      value: record.value,
      headers: {
        ...record.headers,
        'dlq-reason': reason,
        'dlq-source-topic': record.topic,
        'dlq-source-partition': String(record.partition),
        'dlq-source-offset': record.offset,
        'dlq-source-timestamp': String(record.timestamp),
      },
    }));
    await this.producer.send(this.options.deadLetterTopic, messages);
  }
}
