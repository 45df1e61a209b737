/**
 * One partition: an ordered list of segment files in one directory, appended to by a single writer.
 *
 * Appends are group-committed: sends that arrive while a write + fsync is in progress are written
 * together by the next round, with one fsync. A send resolves only after its round's fsync, and
 * records become visible to readers at the same moment, so no reader ever sees a record that a crash
 * could still take away.
 */
import { mkdir, open, readdir, type FileHandle } from 'node:fs/promises';
import {
  FRAME_HEADER_BYTES,
  encodeFrame,
  encodedSize,
  type RecordToAppend,
  type StoredRecord,
} from './record-codec';
import { fsyncDirectory } from './durable-file';
import {
  Segment,
  parseSegmentFileName,
  scanSegment,
  segmentFileName,
  visitFrames,
  type IndexEntry,
} from './segment';

export interface PartitionLogOptions {
  /** The active segment is rolled once it holds at least this many bytes. */
  readonly segmentBytes: number;
  readonly warn: (message: string) => void;
}

interface PendingAppend {
  readonly records: readonly RecordToAppend[];
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class PartitionLog {
  private active: FileHandle;
  private nextOffset: number;
  private lastTimestamp: number;
  private pending: PendingAppend[] = [];
  private flushing: Promise<void> | null = null;
  private broken: Error | null = null;
  private closed = false;
  private readonly listeners = new Set<() => void>();

  private constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly directory: string,
    private readonly segments: Segment[],
    active: FileHandle,
    private readonly options: PartitionLogOptions,
  ) {
    this.active = active;
    const last = segments[segments.length - 1];
    this.nextOffset = last.nextOffset!;
    this.lastTimestamp = last.lastTimestamp;
  }

  /**
   * Opens (creating if needed) the partition directory. The last segment is read whole: a torn
   * frame at its end (a write cut short by a crash, never acknowledged) is cut off.
   */
  static async open(
    topic: string,
    partition: number,
    directory: string,
    options: PartitionLogOptions,
  ): Promise<PartitionLog> {
    await mkdir(directory, { recursive: true });
    const bases = (await readdir(directory))
      .map(parseSegmentFileName)
      .filter((base): base is number => base !== null)
      .sort((a, b) => a - b);
    if (bases.length === 0) {
      const handle = await open(`${directory}/${segmentFileName(0)}`, 'w');
      await handle.close();
      await fsyncDirectory(directory);
      bases.push(0);
    }
    const segments = bases.map((base) => new Segment(directory, base, 0));
    const last = segments[segments.length - 1];
    const scan = await scanSegment(last.path, last.baseOffset);
    if (scan.validBytes < scan.fileBytes) {
      options.warn(
        `event log ${topic}/${partition}: ${last.path}: ${scan.stopReason ?? 'trailing bytes'}; ` +
          `cutting ${scan.fileBytes - scan.validBytes} unacknowledged trailing bytes`,
      );
    }
    last.adoptScan(scan);
    const handle = await open(last.path, 'r+');
    try {
      if (scan.validBytes < scan.fileBytes) {
        await handle.truncate(scan.validBytes);
        await handle.sync();
      }
      const log = new PartitionLog(topic, partition, directory, segments, handle, options);
      if (segments.length > 1) {
        // Older segments are indexed lazily; the one before an empty active segment gives the clock floor.
        const previous = segments[segments.length - 2];
        await log.ensureIndexed(previous);
        if (previous.nextOffset !== last.baseOffset) {
          throw new Error(
            `event log ${topic}/${partition}: ${previous.path} ends at offset ${previous.nextOffset} ` +
              `but the next segment starts at ${last.baseOffset}`,
          );
        }
        if (scan.lastTimestamp < 0) log.lastTimestamp = previous.lastTimestamp;
      }
      return log;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Earliest retained offset. Retention would drop whole segments from the front and raise it. */
  get low(): number {
    return this.segments[0].baseOffset;
  }

  /** Next offset to be written: every offset below it is durable and readable. */
  get high(): number {
    return this.nextOffset;
  }

  get failure(): Error | null {
    return this.broken;
  }

  /** Called after every durable append (in-process notification; no other process writes this directory). */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  append(records: readonly RecordToAppend[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`event log partition ${this.label} is closed`));
    if (this.broken) return Promise.reject(this.broken);
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ records, resolve, reject });
      if (this.flushing === null) this.flushing = this.flushLoop();
    });
  }

  private get label(): string {
    return `${this.topic}/${this.partition}`;
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const round = this.pending.splice(0);
      try {
        await this.writeRound(round.flatMap((append) => append.records));
        for (const append of round) append.resolve();
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const append of round) append.reject(failure);
      }
    }
    this.flushing = null;
  }

  private async writeRound(records: readonly RecordToAppend[]): Promise<void> {
    if (this.broken) throw this.broken;
    let segment = this.segments[this.segments.length - 1];
    if (segment.size >= this.options.segmentBytes) segment = await this.roll();

    // Append time, never going backwards within a partition (offsetsForTime relies on it).
    const timestamp = Math.max(Date.now(), this.lastTimestamp);
    const buffer = Buffer.alloc(records.reduce((sum, record) => sum + encodedSize(record), 0));
    const frames: IndexEntry[] = [];
    let at = 0;
    records.forEach((record, index) => {
      const offset = this.nextOffset + index;
      frames.push({ offset, position: segment.size + at, timestamp });
      at = encodeFrame(record, offset, timestamp, buffer, at);
    });

    const start = segment.size;
    try {
      let written = 0;
      while (written < buffer.length) {
        const { bytesWritten } = await this.active.write(
          buffer,
          written,
          buffer.length - written,
          start + written,
        );
        written += bytesWritten;
      }
      await this.active.datasync();
    } catch (error) {
      await this.undoPartialWrite(start, error);
      throw error;
    }
    segment.noteAppended(frames, start + buffer.length);
    this.nextOffset += records.length;
    this.lastTimestamp = timestamp;
    for (const listener of this.listeners) listener();
  }

  /** A failed write (disk full, I/O error) must not leave part of a round behind the acknowledged data. */
  private async undoPartialWrite(size: number, cause: unknown): Promise<void> {
    try {
      await this.active.truncate(size);
      await this.active.datasync();
    } catch (truncateError) {
      this.broken = new Error(
        `event log partition ${this.label} is unusable after a failed write (${String(cause)}) ` +
          `that could not be undone (${String(truncateError)}); reopen the log to repair it`,
      );
    }
  }

  private async roll(): Promise<Segment> {
    const segment = new Segment(this.directory, this.nextOffset, 0);
    const handle = await open(segment.path, 'w+');
    try {
      await handle.sync();
      await fsyncDirectory(this.directory);
    } catch (error) {
      await handle.close();
      throw error;
    }
    const previous = this.active;
    segment.adoptScan({
      validBytes: 0,
      nextOffset: this.nextOffset,
      lastTimestamp: -1,
      index: [],
      stopReason: null,
      fileBytes: 0,
    });
    this.segments.push(segment);
    this.active = handle;
    await previous.close();
    return segment;
  }

  async ensureIndexed(segment: Segment): Promise<void> {
    if (segment.index !== null) return;
    const scan = await scanSegment(segment.path, segment.baseOffset);
    if (scan.stopReason !== null) {
      throw new Error(`event log ${this.label}: damaged segment ${segment.path}: ${scan.stopReason}`);
    }
    segment.adoptScan(scan);
  }

  private segmentFor(offset: number): Segment {
    let found = this.segments[0];
    for (const segment of this.segments) {
      if (segment.baseOffset > offset) break;
      found = segment;
    }
    return found;
  }

  /**
   * Up to `maxRecords` consecutive records from `fromOffset` (which must be within [low, high)),
   * stopping after about `maxBytes` (at least one record) or at the end of a segment.
   */
  async read(fromOffset: number, maxRecords: number, maxBytes: number): Promise<StoredRecord[]> {
    if (fromOffset >= this.nextOffset || fromOffset < this.low) return [];
    const segment = this.segmentFor(fromOffset);
    await this.ensureIndexed(segment);
    const end = segment.size;
    const records: StoredRecord[] = [];
    let bytes = 0;
    await this.withReadHandle(segment, async (handle) => {
      await visitFrames(
        handle,
        segment.positionAtOrBefore(fromOffset),
        end,
        (decode, offset) => {
          if (offset < fromOffset) return true;
          const record = decode();
          records.push(record);
          bytes += record.value.length + FRAME_HEADER_BYTES;
          return records.length < maxRecords && bytes < maxBytes;
        },
        (position, reason) => {
          throw new Error(
            `event log ${this.label}: damaged record in ${segment.path} at byte ${position}: ${reason}`,
          );
        },
      );
    });
    return records;
  }

  /** First offset whose timestamp is >= `time`, or high when there is none. */
  async offsetForTime(time: number): Promise<number> {
    for (const segment of this.segments) {
      await this.ensureIndexed(segment);
      if (segment.nextOffset === segment.baseOffset || segment.lastTimestamp < time) continue;
      let found = -1;
      await this.withReadHandle(segment, async (handle) => {
        await visitFrames(
          handle,
          segment.positionBeforeTime(time),
          segment.size,
          (_decode, offset, timestamp) => {
            if (timestamp < time) return true;
            found = offset;
            return false;
          },
          (position, reason) => {
            throw new Error(
              `event log ${this.label}: damaged record in ${segment.path} at byte ${position}: ${reason}`,
            );
          },
        );
      });
      if (found >= 0) return found;
    }
    return this.nextOffset;
  }

  /** Readers use their own handle: the writer's may be closed by a roll while they read. */
  private async withReadHandle(segment: Segment, use: (handle: FileHandle) => Promise<void>): Promise<void> {
    const handle = await open(segment.path, 'r');
    try {
      await use(handle);
    } finally {
      await handle.close();
    }
  }

  /** Waits for appends in progress (they complete or fail), then releases the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing !== null) await this.flushing;
    this.listeners.clear();
    await this.active.close();
  }
}
