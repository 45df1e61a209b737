import { mkdir, open, readdir, readFile, rename, rm, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
  decodeSpoolFrame,
  encodeSpoolFrame,
  probeSpoolFrame,
  type SpoolBatch,
  type SpooledMessage,
} from './spool-frame';

/** A segment file is closed and a new one started once it holds this many bytes. */
const SEGMENT_MAX_BYTES = 16 * 1024 * 1024;
const SEGMENT_PATTERN = /^segment-(\d{16})\.spool$/;
const CURSOR_FILE = 'cursor';

/** The spool cannot take a batch without exceeding its byte bound. */
export class SpoolFullError extends Error {
  constructor(
    readonly neededBytes: number,
    readonly usedBytes: number,
    readonly maxBytes: number,
  ) {
    super(
      `event spool full: a batch of ${neededBytes} bytes does not fit (${usedBytes} of maxSpoolBytes ${maxBytes} used)`,
    );
    this.name = 'SpoolFullError';
  }
}

interface Segment {
  readonly path: string;
  size: number;
  /** Batches of this segment not yet acknowledged. */
  live: number;
}

interface IndexedBatch {
  readonly sequence: number;
  readonly segment: Segment;
  readonly position: number;
  readonly frameBytes: number;
  readonly messageCount: number;
}

export interface SpoolRecoveryNote {
  readonly file: string;
  readonly reason: string;
  readonly discardedBytes: number;
}

/**
 * A FIFO of event batches on disk: append-only segment files of CRC-framed batches, each append
 * fsynced before it resolves, and a cursor file (replaced atomically) naming the oldest batch not yet
 * acknowledged. Acknowledgements come in FIFO order; fully acknowledged segments are deleted.
 * Not safe for concurrent appends: the caller serialises them.
 */
export class DiskSpool {
  private readonly batches: IndexedBatch[] = [];
  private head = 0;
  private active: { segment: Segment; handle: FileHandle } | undefined;
  private usedBytes = 0;
  private events = 0;
  private closed = false;

  private constructor(
    readonly directory: string,
    readonly maxBytes: number,
    private nextSequence: number,
    /** Damage found (and cut off) when the spool was opened: torn writes from a crash. */
    readonly recoveryNotes: readonly SpoolRecoveryNote[],
  ) {}

  /** Opens (creating if needed) the spool in `directory`, indexing every batch not yet acknowledged. */
  static async open(directory: string, maxBytes: number): Promise<DiskSpool> {
    if (!Number.isInteger(maxBytes) || maxBytes <= 0) {
      throw new RangeError(`maxSpoolBytes: must be a positive integer, got ${maxBytes}`);
    }
    await mkdir(directory, { recursive: true });
    const cursor = await readCursor(join(directory, CURSOR_FILE));
    const names = (await readdir(directory)).filter((name) => SEGMENT_PATTERN.test(name)).sort();
    const notes: SpoolRecoveryNote[] = [];
    const found: IndexedBatch[] = [];
    const segments: Segment[] = [];
    let nextSequence = cursor;
    for (const [fileIndex, name] of names.entries()) {
      const path = join(directory, name);
      const content = await readFile(path);
      const segment: Segment = { path, size: content.length, live: 0 };
      let position = 0;
      while (position < content.length) {
        const probe = probeSpoolFrame(content, position);
        if (probe.kind !== 'frame') {
          // A crash mid-append leaves a torn frame at the end of the newest file; cut it off.
          const reason = probe.kind === 'invalid' ? probe.reason : 'torn write at the end of the file';
          notes.push({ file: name, reason, discardedBytes: content.length - position });
          if (fileIndex === names.length - 1) await truncate(path, position);
          segment.size = position;
          break;
        }
        if (probe.sequence >= cursor) {
          found.push({
            sequence: probe.sequence,
            segment,
            position,
            frameBytes: probe.frameBytes,
            messageCount: probe.messageCount,
          });
          segment.live++;
        }
        nextSequence = Math.max(nextSequence, probe.sequence + 1);
        position += probe.frameBytes;
      }
      segments.push(segment);
    }
    const spool = new DiskSpool(directory, maxBytes, nextSequence, notes);
    for (const segment of segments) {
      if (segment.live === 0) await rm(segment.path, { force: true });
    }
    for (const batch of found) {
      spool.batches.push(batch);
      spool.usedBytes += batch.frameBytes;
      spool.events += batch.messageCount;
    }
    return spool;
  }

  /** Batches waiting to be replayed. */
  get batchCount(): number {
    return this.batches.length - this.head;
  }

  /** Events in the batches waiting to be replayed. */
  get eventCount(): number {
    return this.events;
  }

  /** Bytes of the batches waiting to be replayed. */
  get bytes(): number {
    return this.usedBytes;
  }

  /** Appends a batch and fsyncs it; resolves with its sequence. Throws SpoolFullError when it does not fit. */
  async append(messages: readonly SpooledMessage[]): Promise<number> {
    this.assertOpen('append');
    const sequence = this.nextSequence;
    const frame = encodeSpoolFrame(sequence, messages);
    if (this.usedBytes + frame.length > this.maxBytes) {
      throw new SpoolFullError(frame.length, this.usedBytes, this.maxBytes);
    }
    const active = await this.activeSegment(frame.length);
    const position = active.segment.size;
    try {
      await active.handle.write(frame, 0, frame.length, position);
      await active.handle.datasync();
    } catch (error) {
      // Leave no half-written frame behind a later append.
      await active.handle.truncate(position).catch(() => undefined);
      throw error;
    }
    active.segment.size += frame.length;
    active.segment.live++;
    this.nextSequence = sequence + 1;
    this.batches.push({
      sequence,
      segment: active.segment,
      position,
      frameBytes: frame.length,
      messageCount: messages.length,
    });
    this.usedBytes += frame.length;
    this.events += messages.length;
    return sequence;
  }

  /** The oldest batch not yet acknowledged, read back from disk. */
  async peek(): Promise<SpoolBatch | undefined> {
    this.assertOpen('peek');
    const batch = this.batches[this.head];
    if (batch === undefined) return undefined;
    const handle = await open(batch.segment.path, 'r');
    try {
      const frame = Buffer.allocUnsafe(batch.frameBytes);
      await handle.read(frame, 0, batch.frameBytes, batch.position);
      return decodeSpoolFrame(frame);
    } finally {
      await handle.close();
    }
  }

  /** Marks the oldest batch (which must have this sequence) as delivered; it is never replayed again. */
  async ack(sequence: number): Promise<void> {
    this.assertOpen('ack');
    const batch = this.batches[this.head];
    if (batch === undefined || batch.sequence !== sequence) {
      throw new Error(
        `spool ack: sequence ${sequence} is not the oldest batch (${batch?.sequence ?? 'none'})`,
      );
    }
    await writeCursor(this.directory, sequence + 1);
    this.head++;
    this.usedBytes -= batch.frameBytes;
    this.events -= batch.messageCount;
    batch.segment.live--;
    if (this.head > 1024 && this.head * 2 > this.batches.length) {
      this.batches.splice(0, this.head);
      this.head = 0;
    }
    if (batch.segment.live === 0) await this.removeSegment(batch.segment);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const active = this.active;
    this.active = undefined;
    await active?.handle.close();
  }

  private async activeSegment(frameBytes: number): Promise<{ segment: Segment; handle: FileHandle }> {
    const current = this.active;
    if (current && (current.segment.size === 0 || current.segment.size + frameBytes <= SEGMENT_MAX_BYTES)) {
      return current;
    }
    if (current) {
      this.active = undefined;
      await current.handle.close();
      if (current.segment.live === 0) await rm(current.segment.path, { force: true });
    }
    const path = join(this.directory, `segment-${String(this.nextSequence).padStart(16, '0')}.spool`);
    const handle = await open(path, 'w');
    await syncDirectory(this.directory);
    const next = { segment: { path, size: 0, live: 0 }, handle };
    this.active = next;
    return next;
  }

  private async removeSegment(segment: Segment): Promise<void> {
    if (this.active?.segment === segment) {
      const active = this.active;
      this.active = undefined;
      await active.handle.close();
    }
    await rm(segment.path, { force: true });
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new Error(`spool ${operation}: the spool in ${this.directory} is closed`);
  }
}

async function readCursor(path: string): Promise<number> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new Error(`spool cursor ${path}: not a sequence number (${JSON.stringify(text.slice(0, 32))})`);
    }
    return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

/** Replaces the cursor atomically: a crash leaves the old or the new value, never a mix. */
async function writeCursor(directory: string, nextSequence: number): Promise<void> {
  const path = join(directory, CURSOR_FILE);
  const temporary = `${path}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(String(nextSequence));
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  await syncDirectory(directory);
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
