import {
  decodeUsageEvent,
  scanCompactUsageEvent,
  scannedEventId,
  scannedOccurredAtMs,
} from '@keymeter/contracts';
import type { LogRecord } from '@keymeter/event-log';
import { RawEventBodyWriter, type RawEventBody } from './raw-event-body-writer';
import { toRawEventRow } from './raw-event-row';

export interface DeadLetter {
  readonly record: LogRecord;
  /** Why the record was refused, naming the fields (`status: must be ...; units: ...`). */
  readonly reason: string;
}

export interface PreparedBatch {
  /** One row per distinct event id, in offset order (the first copy of an id within the batch wins). */
  readonly body: RawEventBody;
  /** The event id of each row of `body`, in the same order. */
  readonly ids: readonly string[];
  readonly deadLetters: readonly DeadLetter[];
  /** Copies of an id already seen earlier in the same batch. */
  readonly duplicatesInBatch: number;
  readonly lateEvents: number;
  /** Largest occurred_at among the rows, epoch ms (undefined for a batch without valid events). */
  readonly maxOccurredAtMs: number | undefined;
}

const MAX_REASON_LENGTH = 1000;
/** A row's columns beyond the payload's text: topic (its own length), partition, offset, late, tabs. */
const ROW_BYTES_BEYOND_PAYLOAD = 48;

/**
 * Room for the body of our producers' payloads: a row of one is never longer than the payload plus the source
 * columns (the payload's quotes, commas and brackets become fewer tabs), so such a body never grows and copies
 * itself. A batch that needs more (escaped or non-ASCII text) grows it. The profile showed the copy's time
 * moving to the first writes into the fresh buffer rather than going away: this saves a copy, not a measurable
 * share of the main thread.
 */
function bodyBytesFor(records: readonly LogRecord[]): number {
  let bytes = 0;
  for (const record of records) {
    bytes += record.value.length + record.topic.length + ROW_BYTES_BEYOND_PAYLOAD;
  }
  return bytes;
}

/**
 * Decodes and validates a batch's records. Pure: the same records always give the same result.
 *
 * Records in the form our producers write (canonical values, printable ASCII) are read in place by
 * `scanCompactUsageEvent` and copied into the body; every other record goes through `decodeUsageEvent`
 * and `toRawEventRow`, which give the same line for a record both can read (property-tested).
 */
export function prepareBatch(records: readonly LogRecord[], lateGraceMs: number): PreparedBatch {
  const preparer = new BatchPreparer(records, lateGraceMs);
  preparer.prepareNext(records.length);
  return preparer.result();
}

/**
 * `prepareBatch` a slice at a time, so a caller can let the event loop run between slices: a batch of 50,000
 * records takes ~100 ms, and on chDB the engine's next statement starts only when the main thread is free to
 * hear that the previous one ended.
 */
export class BatchPreparer {
  private readonly body: RawEventBodyWriter;
  private readonly ids: string[] = [];
  private readonly deadLetters: DeadLetter[] = [];
  private readonly seen = new Set<string>();
  private duplicatesInBatch = 0;
  private lateEvents = 0;
  private maxOccurredAtMs = Number.NEGATIVE_INFINITY;
  private next = 0;

  constructor(
    private readonly records: readonly LogRecord[],
    private readonly lateGraceMs: number,
  ) {
    this.body = new RawEventBodyWriter(bodyBytesFor(records));
  }

  get done(): boolean {
    return this.next === this.records.length;
  }

  /** Prepares up to `count` more records, in order. */
  prepareNext(count: number): void {
    const end = Math.min(this.records.length, this.next + count);
    for (; this.next < end; this.next++) this.prepare(this.records[this.next]);
  }

  /** The batch, once every record was prepared. */
  result(): PreparedBatch {
    if (!this.done) throw new Error(`${this.records.length - this.next} records are not prepared yet`);
    return {
      body: this.body.finish(),
      ids: this.ids,
      deadLetters: this.deadLetters,
      duplicatesInBatch: this.duplicatesInBatch,
      lateEvents: this.lateEvents,
      maxOccurredAtMs: this.ids.length === 0 ? undefined : this.maxOccurredAtMs,
    };
  }

  private prepare(record: LogRecord): void {
    const value = record.value;
    let id: string;
    let occurredMs: number;
    if (scanCompactUsageEvent(value, 0, value.length)) {
      id = scannedEventId(value);
      occurredMs = scannedOccurredAtMs();
      if (this.seen.has(id)) {
        this.duplicatesInBatch += 1;
        return;
      }
      this.body.appendScanned(value, record, this.lateGraceMs);
    } else {
      const decoded = decodeUsageEvent(value);
      if (!decoded.ok) {
        const reason = decoded.errors.map((e) => (e.field === '' ? e.reason : `${e.field}: ${e.reason}`));
        this.deadLetters.push({ record, reason: reason.join('; ').slice(0, MAX_REASON_LENGTH) });
        return;
      }
      id = decoded.event.id;
      occurredMs = Date.parse(decoded.event.occurredAt);
      if (this.seen.has(id)) {
        this.duplicatesInBatch += 1;
        return;
      }
      this.body.appendRow(toRawEventRow(decoded.event, record, this.lateGraceMs));
    }
    this.seen.add(id);
    this.ids.push(id);
    if (record.timestamp - occurredMs > this.lateGraceMs) this.lateEvents += 1;
    if (occurredMs > this.maxOccurredAtMs) this.maxOccurredAtMs = occurredMs;
  }
}

/** Records prepared between two turns of the event loop (~10 ms of work). */
const PREPARE_SLICE = 5_000;

/** `prepareBatch`, letting other callbacks (chDB's answers, Kafka's) run between slices. */
export async function prepareInSlices(
  records: readonly LogRecord[],
  lateGraceMs: number,
): Promise<PreparedBatch> {
  const preparer = new BatchPreparer(records, lateGraceMs);
  preparer.prepareNext(PREPARE_SLICE);
  while (!preparer.done) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    preparer.prepareNext(PREPARE_SLICE);
  }
  return preparer.result();
}
