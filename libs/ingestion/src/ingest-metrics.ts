import { Counter, Gauge, Histogram, Registry } from 'prom-client';

const ROWS_RATE_WINDOW_MS = 10_000;

/** The ingestor's Prometheus metrics, in a registry of their own (several apps can share a process). */
export class IngestMetrics {
  readonly registry = new Registry();
  readonly lag = new Gauge({
    name: 'keymeter_ingest_consumer_lag',
    help: 'Records not yet committed by the ingestor, per partition (high watermark - committed offset)',
    labelNames: ['topic', 'partition'],
    registers: [this.registry],
  });
  readonly rows = new Counter({
    name: 'keymeter_ingest_rows_total',
    help: 'Events inserted into ClickHouse',
    registers: [this.registry],
  });
  readonly rowsPerSecond = new Gauge({
    name: 'keymeter_ingest_rows_per_second',
    help: 'Events inserted per second over the last 10 seconds',
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: 'keymeter_ingest_batch_duration_seconds',
    help: 'Time from cutting a batch to its commit (plan, lookup, insert, watermark, commit)',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly batchEvents = new Histogram({
    name: 'keymeter_ingest_batch_records',
    help: 'Records per batch',
    buckets: [1, 10, 100, 1000, 5000, 10000, 50000],
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: 'keymeter_ingest_dead_lettered_total',
    help: 'Invalid records sent to the dead-letter topic',
    registers: [this.registry],
  });
  readonly duplicatesDropped = new Counter({
    name: 'keymeter_ingest_duplicates_dropped_total',
    help: 'Events dropped because their id was already counted (within the batch or by another batch)',
    labelNames: ['where'],
    registers: [this.registry],
  });
  readonly lateEvents = new Counter({
    name: 'keymeter_ingest_late_events_total',
    help: 'Events that reached the log later than the grace period after they occurred (flagged late)',
    registers: [this.registry],
  });
  readonly landingRepairs = new Counter({
    name: 'keymeter_ingest_landing_repairs_total',
    help: 'Days of a retried batch a table lacked after the retry (killed inside a commit) and got written again',
    labelNames: ['table'],
    registers: [this.registry],
  });
  readonly storeFailures = new Counter({
    name: 'keymeter_ingest_store_failures_total',
    help: 'Batch attempts that failed (ClickHouse or dead-letter topic unavailable); retried with backoff',
    registers: [this.registry],
  });
  readonly pausedPartitions = new Gauge({
    name: 'keymeter_ingest_paused_partitions',
    help: 'Partitions paused while their batch waits for a retry',
    registers: [this.registry],
  });

  private readonly recent: Array<{ atMs: number; rows: number }> = [];

  /**
   * Exports how busy an embedded engine is (chDB runs every statement of the process through one queue):
   * `keymeter_chdb_statements` and `keymeter_chdb_busy_seconds`, both since the process started, read from
   * `read` at every scrape. `rate(keymeter_chdb_busy_seconds[1m])` near 1 means the queue is saturated: the
   * ingestor cannot go faster on this engine, whatever the lag.
   */
  watchEngine(read: () => { readonly statements: number; readonly busyMs: number }): void {
    new Gauge({
      name: 'keymeter_chdb_statements',
      help: 'Statements the process ran on its chDB engine since it started',
      registers: [this.registry],
      collect() {
        this.set(read().statements);
      },
    });
    new Gauge({
      name: 'keymeter_chdb_busy_seconds',
      help: 'Wall time the chDB engine spent running statements (one at a time, the running one included) since the process started',
      registers: [this.registry],
      collect() {
        this.set(read().busyMs / 1000);
      },
    });
  }

  recordBatch(rows: number, seconds: number, records: number, nowMs: number): void {
    this.rows.inc(rows);
    this.batchSeconds.observe(seconds);
    this.batchEvents.observe(records);
    this.recent.push({ atMs: nowMs, rows });
    while (this.recent.length > 0 && this.recent[0].atMs < nowMs - ROWS_RATE_WINDOW_MS) this.recent.shift();
    const total = this.recent.reduce((sum, entry) => sum + entry.rows, 0);
    this.rowsPerSecond.set(total / (ROWS_RATE_WINDOW_MS / 1000));
  }

  /** Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
