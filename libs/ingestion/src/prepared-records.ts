import {
  decodeUsageEvent,
  scanCompactUsageEvent,
  scannedEventId,
  scannedOccurredAtMs,
} from '@keymeter/contracts';
import type { LogRecord } from '@keymeter/event-log';
import { TabSeparatedRowWriter, type RawEventBody } from './raw-event-body-writer';
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
  /** Log time of the batch's last record, epoch ms (undefined for an empty batch). */
  readonly lastLogTimeMs: number | undefined;
}

const MAX_REASON_LENGTH = 1000;
/** Records the columns first have room for; they double when more are held. */
const INITIAL_RECORDS = 1024;
/** A dead letter's id: no valid event, no row. */
const NO_ROW = '';

/**
 * Records of one partition, each prepared as it arrives (decoded, validated, written as its raw table row) and
 * kept column by column until a batch takes them: typed arrays and one buffer of rows rather than one object per
 * record. Under a backlog a partition holds two batches of records for seconds; kept as objects (and the fetched
 * buffers their values point into), they outlived the young generation and made garbage collection a quarter of
 * the ingestor's CPU (docs/benchmarks.md). Prepared on arrival, the records die young and what is held is off the
 * heap, but for the ids.
 *
 * A record's row does not depend on the batch it ends up in; which copy of an id counts does, so duplicates are
 * left out when a batch is taken (`batch`), the first copy within the batch winning.
 *
 * Records in the form our producers write (canonical values, printable ASCII) are read in place by
 * `scanCompactUsageEvent` and copied into the row; every other record goes through `decodeUsageEvent` and
 * `toRawEventRow`, which give the same line for a record both can read (property-tested).
 */
export class PreparedRecords {
  private readonly rows = new TabSeparatedRowWriter(INITIAL_RECORDS * 256);
  /** Absolute index (records appended since the start) of column slot 0. */
  private base = 0;
  /** Absolute index of the oldest record held. */
  private first = 0;
  /** Absolute index the next record gets. */
  private next = 0;
  private offsets = new BigInt64Array(INITIAL_RECORDS);
  private logTimes = new Float64Array(INITIAL_RECORDS);
  private occurredAts = new Float64Array(INITIAL_RECORDS);
  /** Absolute positions of each record's row in `rows` (start = end for a dead letter). */
  private rowStarts = new Float64Array(INITIAL_RECORDS);
  private rowEnds = new Float64Array(INITIAL_RECORDS);
  private days = new Int32Array(INITIAL_RECORDS);
  private late = new Uint8Array(INITIAL_RECORDS);
  /** The event id of each record, NO_ROW for a dead letter. */
  private ids: string[] = [];
  /** Dead letters by absolute index. */
  private readonly deadLetters = new Map<number, DeadLetter>();

  constructor(private readonly lateGraceMs: number) {}

  /** Records held. */
  get size(): number {
    return this.next - this.first;
  }

  /** Bytes the held records' buffers take, room included (rows and columns; not the ids and dead letters). */
  get capacityBytes(): number {
    const columns = [
      this.offsets,
      this.logTimes,
      this.occurredAts,
      this.rowStarts,
      this.rowEnds,
      this.days,
      this.late,
    ];
    return this.rows.capacity + columns.reduce((sum, column) => sum + column.byteLength, 0);
  }

  /** Offset of the `index`-th record held (0 = the oldest). */
  offsetAt(index: number): bigint {
    if (index < 0 || index >= this.size) throw new RangeError(`record ${index} of ${this.size} is not held`);
    return this.offsets[this.first + index - this.base];
  }

  /** Prepares one record and holds it after the others. */
  append(record: LogRecord): void {
    if (this.next - this.base === this.offsets.length) this.makeRoom();
    const slot = this.next - this.base;
    const value = record.value;
    const rowStart = this.rows.end;
    let id: string;
    let occurredMs: number;
    let day: number;
    if (scanCompactUsageEvent(value, 0, value.length)) {
      id = scannedEventId(value);
      occurredMs = scannedOccurredAtMs();
      day = this.rows.appendScanned(value, record, this.lateGraceMs);
    } else {
      const decoded = decodeUsageEvent(value);
      if (decoded.ok) {
        id = decoded.event.id;
        occurredMs = Date.parse(decoded.event.occurredAt);
        day = this.rows.appendRow(toRawEventRow(decoded.event, record, this.lateGraceMs));
      } else {
        const reason = decoded.errors.map((e) => (e.field === '' ? e.reason : `${e.field}: ${e.reason}`));
        this.deadLetters.set(this.next, { record, reason: reason.join('; ').slice(0, MAX_REASON_LENGTH) });
        id = NO_ROW;
        occurredMs = 0;
        day = 0;
      }
    }
    this.offsets[slot] = BigInt(record.offset);
    this.logTimes[slot] = record.timestamp;
    this.occurredAts[slot] = occurredMs;
    this.rowStarts[slot] = rowStart;
    this.rowEnds[slot] = this.rows.end;
    this.days[slot] = day;
    this.late[slot] = id !== NO_ROW && record.timestamp - occurredMs > this.lateGraceMs ? 1 : 0;
    this.ids[slot] = id;
    this.next += 1;
  }

  /**
   * The oldest `count` records as a batch, still held until `drop`. Its body is a view of the held rows when no
   * copy of an id repeats within it (the usual case), else the rows kept, copied.
   */
  batch(count: number): PreparedBatch {
    if (count < 0 || count > this.size) throw new RangeError(`cannot take ${count} of ${this.size} records`);
    const from = this.first - this.base;
    const to = from + count;
    const ids: string[] = [];
    const rowDays: number[] = [];
    const deadLetters: DeadLetter[] = [];
    const seen = new Set<string>();
    let duplicatesInBatch = 0;
    let lateEvents = 0;
    let maxOccurredAtMs = Number.NEGATIVE_INFINITY;
    // Rows lie back to back (a dead letter's is empty), so the rows kept are runs between repeated copies.
    const runs: Buffer[] = [];
    let runStart = count === 0 ? this.rows.end : this.rowStarts[from];
    for (let slot = from; slot < to; slot++) {
      const id = this.ids[slot];
      if (id === NO_ROW) {
        deadLetters.push(this.deadLetters.get(this.base + slot) as DeadLetter);
      } else if (seen.has(id)) {
        duplicatesInBatch += 1;
        if (this.rowStarts[slot] > runStart) runs.push(this.rows.bytes(runStart, this.rowStarts[slot]));
        runStart = this.rowEnds[slot];
      } else {
        seen.add(id);
        ids.push(id);
        rowDays.push(this.days[slot]);
        lateEvents += this.late[slot];
        if (this.occurredAts[slot] > maxOccurredAtMs) maxOccurredAtMs = this.occurredAts[slot];
      }
    }
    const runEnd = count === 0 ? runStart : this.rowEnds[to - 1];
    const lastRun = this.rows.bytes(runStart, runEnd);
    // No repeated copy: the body is a view of the held rows; otherwise the kept runs, copied together.
    const bytes = runs.length === 0 ? lastRun : Buffer.concat([...runs, lastRun]);
    return {
      body: { bytes, rowCount: ids.length, rowDays },
      ids,
      deadLetters,
      duplicatesInBatch,
      lateEvents,
      maxOccurredAtMs: ids.length === 0 ? undefined : maxOccurredAtMs,
      lastLogTimeMs: count === 0 ? undefined : this.logTimes[to - 1],
    };
  }

  /** Lets go of the oldest `count` records (their batch was inserted). */
  drop(count: number): void {
    if (count < 0 || count > this.size) throw new RangeError(`cannot drop ${count} of ${this.size} records`);
    for (let index = this.first; index < this.first + count; index++) this.deadLetters.delete(index);
    this.first += count;
    this.rows.release(this.size === 0 ? this.rows.end : this.rowStarts[this.first - this.base]);
    // Emptied after a backlog: back to the first size rather than keeping columns for 100,000 records.
    if (this.size === 0 && this.offsets.length > INITIAL_RECORDS) this.moveTo(INITIAL_RECORDS);
  }

  clear(): void {
    this.drop(this.size);
  }

  /** Moves the held records to the start of the columns, doubling them when more than half are in use. */
  private makeRoom(): void {
    const held = this.next - this.first;
    this.moveTo(held * 2 > this.offsets.length ? this.offsets.length * 2 : this.offsets.length);
  }

  /** Moves the held records to the start of fresh columns with room for `capacity` records. */
  private moveTo(capacity: number): void {
    const from = this.first - this.base;
    const held = this.next - this.first;
    const move = <T extends Column<T>>(column: T, fresh: T): T => {
      fresh.set(column.subarray(from, from + held));
      return fresh;
    };
    this.offsets = move(this.offsets, new BigInt64Array(capacity));
    this.logTimes = move(this.logTimes, new Float64Array(capacity));
    this.occurredAts = move(this.occurredAts, new Float64Array(capacity));
    this.rowStarts = move(this.rowStarts, new Float64Array(capacity));
    this.rowEnds = move(this.rowEnds, new Float64Array(capacity));
    this.days = move(this.days, new Int32Array(capacity));
    this.late = move(this.late, new Uint8Array(capacity));
    this.ids = this.ids.slice(from, from + held);
    this.base = this.first;
  }
}

/** What `makeRoom` needs of a typed array column. */
interface Column<T> {
  subarray(begin: number, end: number): T;
  set(values: T): void;
}
