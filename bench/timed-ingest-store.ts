import type {
  BatchRange,
  BatchWatermark,
  IngestStore,
  LandingRepair,
  PlannedRange,
  RawEventBody,
} from '@keymeter/ingestion';

type Step = 'loadPlans' | 'idLookup' | 'insert' | 'landing' | 'watermark';

/**
 * Wraps an ingest store and adds up the wall time of each step, to show where a batch's time goes.
 * Wall time on chDB includes waiting in the engine's statement queue behind other partitions.
 */
export class TimedIngestStore implements IngestStore {
  readonly millis: Record<Step, number> = {
    loadPlans: 0,
    idLookup: 0,
    insert: 0,
    landing: 0,
    watermark: 0,
  };
  inserts = 0;
  rows = 0;

  constructor(private readonly inner: IngestStore) {}

  private async timed<T>(step: Step, work: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    try {
      return await work();
    } finally {
      this.millis[step] += Number(process.hrtime.bigint() - started) / 1e6;
    }
  }

  loadPlans(topic: string, partition: number, fromOffset: bigint): Promise<PlannedRange[]> {
    return this.timed('loadPlans', () => this.inner.loadPlans(topic, partition, fromOffset));
  }

  findIdsStoredElsewhere(
    eventIds: readonly string[],
    range: BatchRange,
    reformed?: boolean,
  ): Promise<Set<string>> {
    return this.timed('idLookup', () => this.inner.findIdsStoredElsewhere(eventIds, range, reformed));
  }

  insertRawEvents(body: RawEventBody, range: BatchRange): Promise<void> {
    this.inserts += 1;
    this.rows += body.rowCount;
    return this.timed('insert', () => this.inner.insertRawEvents(body, range));
  }

  completeLanding(body: RawEventBody, range: BatchRange): Promise<readonly LandingRepair[]> {
    return this.timed('landing', () => this.inner.completeLanding(body, range));
  }

  recordWatermarks(watermarks: readonly BatchWatermark[]): Promise<void> {
    return this.timed('watermark', () => this.inner.recordWatermarks(watermarks));
  }

  /** One line: inserts, mean rows per insert, summed wall time per step. */
  summary(): string {
    const steps = Object.entries(this.millis)
      .map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`)
      .join(', ');
    const mean = this.inserts === 0 ? 0 : Math.round(this.rows / this.inserts);
    return `${this.inserts} inserts of ${mean} rows on average; wall time per step (summed over partitions): ${steps}`;
  }
}
