import { scannedFields, USAGE_EVENT_V1_FIELDS } from '@keymeter/contracts';
import { rawEventRowAsTabSeparated, tabSeparatedField } from './raw-event-body';
import type { RawEventRow, RowSource } from './raw-event-row';
import { utcDayOf } from './utc-day';

/** A batch's rows as the TabSeparated body of the raw insert (`RAW_EVENT_COLUMNS`), one line per row. */
export interface RawEventBody {
  readonly bytes: Buffer;
  readonly rowCount: number;
  /** The UTC day of each row's occurred_at (days since 1970-01-01), in row order: what landing marks vouch for. */
  readonly rowDays: readonly number[];
}

/** The UTC day of a raw row's occurred_at text (`2026-03-01 12:00:00.000`). */
function dayOfRawTime(text: string): number {
  return utcDayOf(Date.parse(`${text.slice(0, 10)}T${text.slice(11)}Z`));
}

const field = (name: (typeof USAGE_EVENT_V1_FIELDS)[number]): number => USAGE_EVENT_V1_FIELDS.indexOf(name);
const ID = field('id');
const OCCURRED_AT = field('occurredAt');
const OUTCOME = field('outcome');
const BILLABLE = field('billable');
const COUNTRY = field('country');
/** Columns event_id … outcome are the compact fields id … outcome in order, occurred_at reformatted. */
const FIRST_COPIED = field('gatewayId');
if (
  ID !== 1 ||
  OCCURRED_AT !== 2 ||
  FIRST_COPIED !== 3 ||
  OUTCOME !== 15 ||
  BILLABLE !== 16 ||
  COUNTRY !== 17
) {
  throw new Error('raw event body writer: the compact field order differs from the raw columns');
}

const TAB = 0x09;
const NEWLINE = 0x0a;
const SPACE = 0x20;
const ZERO = 0x30;
/** Bytes per row a body of rows is first sized for; it doubles when a batch needs more. */
const INITIAL_BYTES_PER_ROW = 192;
/**
 * Per row besides the copied text, the source columns and the offset: 21 separators and the newline, billable
 * and late.
 */
const FIXED_ROW_BYTES = 64;

/**
 * Writes TabSeparated rows of `usage_events_raw` into one growing buffer: rows of the full path (`appendRow`) and
 * rows of the fast path (`appendScanned`, copied from the record's bytes) give the same line for the same event.
 * Writing each line straight into the buffer is ~5x cheaper than appending lines to a string and encoding it at
 * the end (a rope of 10 000 pieces flattened, then copied; docs/benchmarks.md, ingestion pipeline).
 *
 * Positions are absolute (bytes written since the writer began), so a reader can keep them while the writer
 * moves to a larger buffer; once told that the bytes before a position are no longer needed (`release`), a move
 * copies only what follows. Views (`bytes`) stay valid: the writer never writes over bytes it wrote, it moves to
 * a fresh buffer instead.
 */
export class TabSeparatedRowWriter {
  private readonly initialBytes: number;
  private buffer: Buffer;
  /** Absolute position of buffer[0]. */
  private base = 0;
  /** Bytes of the buffer in use. */
  private length = 0;
  /** Absolute position before which nothing is needed any more. */
  private releasedTo = 0;
  private topic: string | undefined;
  private partition = -1;
  private sourceBytes = Buffer.alloc(0);

  /** `initialBytes`: room for the expected rows (the buffer grows when they need more). */
  constructor(initialBytes = 0) {
    this.initialBytes = Math.max(1024, initialBytes);
    this.buffer = Buffer.allocUnsafe(this.initialBytes);
  }

  /** Bytes the writer's buffer takes (what it holds and its room). */
  get capacity(): number {
    return this.buffer.length;
  }

  /** Absolute position after the last row written. */
  get end(): number {
    return this.base + this.length;
  }

  /** The bytes between two absolute positions, neither before the released position (a view, not a copy). */
  bytes(from: number, to: number): Buffer {
    if (from < this.base || to > this.end || from > to) {
      throw new RangeError(`bytes ${from}..${to} are not held (held: ${this.base}..${this.end})`);
    }
    return this.buffer.subarray(from - this.base, to - this.base);
  }

  /**
   * The bytes before `position` are no longer needed: the next move leaves them behind. Once nothing is needed, a
   * buffer grown beyond its first size is let go at once (a partition that caught up does not keep a backlog's
   * buffer); views of it stay valid.
   */
  release(position: number): void {
    this.releasedTo = Math.min(this.end, Math.max(this.releasedTo, position));
    if (this.releasedTo === this.end && this.buffer.length > this.initialBytes) {
      this.buffer = Buffer.allocUnsafe(this.initialBytes);
      this.base = this.end;
      this.length = 0;
    }
  }

  /** A row built by the full path (`toRawEventRow`); returns its UTC day. */
  appendRow(row: RawEventRow): number {
    const line = rawEventRowAsTabSeparated(row);
    // A UTF-16 code unit never takes more than 3 UTF-8 bytes.
    this.reserve(line.length * 3);
    this.length += this.buffer.write(line, this.length, 'utf8');
    return dayOfRawTime(row.occurred_at);
  }

  /**
   * The event `scanCompactUsageEvent` has just read from `input` (its fields' places are in `scannedFields`);
   * returns its UTC day. Its strings are printable ASCII without backslashes, so their text needs no TabSeparated
   * escaping.
   */
  appendScanned(input: Uint8Array, source: RowSource, lateGraceMs: number): number {
    const { starts, ends, numbers } = scannedFields;
    const hasCountry = starts[COUNTRY] >= 0;
    const sourceColumns = this.sourceColumnsOf(source);
    let size = FIXED_ROW_BYTES + sourceColumns.length + source.offset.length;
    for (let index = ID; index <= OUTCOME; index++) size += ends[index] - starts[index];
    if (hasCountry) size += ends[COUNTRY] - starts[COUNTRY];
    this.reserve(size);
    const bytes = this.buffer;
    let at = copy(input, starts[ID], ends[ID], bytes, this.length);
    bytes[at++] = TAB;
    // 2026-03-01T12:00:00.000Z → 2026-03-01 12:00:00.000 (ClickHouse's basic parser wants the space form).
    const time = starts[OCCURRED_AT];
    at = copy(input, time, time + 10, bytes, at);
    bytes[at++] = SPACE;
    at = copy(input, time + 11, time + 23, bytes, at);
    for (let index = FIRST_COPIED; index <= OUTCOME; index++) {
      bytes[at++] = TAB;
      at = copy(input, starts[index], ends[index], bytes, at);
    }
    bytes[at++] = TAB;
    bytes[at++] = numbers[BILLABLE] === 1 ? ZERO + 1 : ZERO;
    bytes[at++] = TAB;
    bytes[at++] = source.timestamp - numbers[OCCURRED_AT] > lateGraceMs ? ZERO + 1 : ZERO;
    bytes[at++] = TAB;
    at = copy(sourceColumns, 0, sourceColumns.length, bytes, at);
    bytes[at++] = TAB;
    at = writeAscii(source.offset, bytes, at);
    bytes[at++] = TAB;
    if (hasCountry) at = copy(input, starts[COUNTRY], ends[COUNTRY], bytes, at);
    bytes[at++] = NEWLINE;
    this.length = at;
    return utcDayOf(numbers[OCCURRED_AT]);
  }

  /**
   * Room for `count` more bytes. A move copies what is still needed into a buffer twice its size (with the
   * room), so moves get rarer as the held bytes grow and a buffer that keeps releasing stays the same size.
   */
  private reserve(count: number): void {
    if (this.length + count <= this.buffer.length) return;
    const keepFrom = this.releasedTo - this.base;
    const kept = this.length - keepFrom;
    const moved = Buffer.allocUnsafe(Math.max(this.buffer.length, 2 * (kept + count)));
    this.buffer.copy(moved, 0, keepFrom, this.length);
    this.buffer = moved;
    this.base = this.releasedTo;
    this.length = kept;
  }

  /**
   * The source_topic and source_partition columns with the tab between them, encoded once per partition (every
   * record of a batch comes from one partition of one topic).
   */
  private sourceColumnsOf(source: RowSource): Buffer {
    if (source.topic !== this.topic || source.partition !== this.partition) {
      this.topic = source.topic;
      this.partition = source.partition;
      this.sourceBytes = Buffer.from(`${tabSeparatedField(source.topic)}\t${source.partition}`, 'utf8');
    }
    return this.sourceBytes;
  }
}

/** The rows of `body` whose index `keep` accepts, in order. */
export function keepRows(body: RawEventBody, keep: (index: number) => boolean): RawEventBody {
  const kept: Buffer[] = [];
  const rowDays: number[] = [];
  let rowCount = 0;
  let lineStart = 0;
  for (let index = 0; index < body.rowCount; index++) {
    // Every line ends with a newline; newlines inside values are escaped.
    const lineEnd = body.bytes.indexOf(NEWLINE, lineStart) + 1;
    if (keep(index)) {
      kept.push(body.bytes.subarray(lineStart, lineEnd));
      rowDays.push(body.rowDays[index]);
      rowCount += 1;
    }
    lineStart = lineEnd;
  }
  return { bytes: Buffer.concat(kept), rowCount, rowDays };
}

/**
 * The body of rows built by the full path, for `INSERT INTO usage_events_raw (RAW_EVENT_COLUMNS) FORMAT
 * TabSeparated`: several times cheaper for ClickHouse to parse than keyed JSON (docs/benchmarks.md, insert formats).
 */
export function rawEventBodyOf(rows: readonly RawEventRow[]): RawEventBody {
  const writer = new TabSeparatedRowWriter(rows.length * INITIAL_BYTES_PER_ROW);
  const rowDays = rows.map((row) => writer.appendRow(row));
  return { bytes: writer.bytes(0, writer.end), rowCount: rows.length, rowDays };
}

/** The same body as a string. */
export function rawEventRowsAsTabSeparated(rows: readonly RawEventRow[]): string {
  return rawEventBodyOf(rows).bytes.toString('utf8');
}

function copy(input: Uint8Array, from: number, to: number, bytes: Uint8Array, at: number): number {
  let target = at;
  for (let source = from; source < to; source++) bytes[target++] = input[source];
  return target;
}

/** `text` of ASCII characters (digits here) as bytes. */
function writeAscii(text: string, bytes: Uint8Array, at: number): number {
  for (let index = 0; index < text.length; index++) bytes[at + index] = text.charCodeAt(index);
  return at + text.length;
}
