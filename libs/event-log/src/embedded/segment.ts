/**
 * A segment: one file of consecutive frames of one partition, named after its first offset
 * (`00000000000000001234.log`). Only the last segment of a partition is ever written.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeFrame, probeFrame, type StoredRecord } from './record-codec';

const SEGMENT_SUFFIX = '.log';
const OFFSET_DIGITS = 20;
const READ_CHUNK_BYTES = 1024 * 1024;
/** One sparse index entry per this many bytes of frames. */
const INDEX_INTERVAL_BYTES = 4096;

export function segmentFileName(baseOffset: number): string {
  return `${String(baseOffset).padStart(OFFSET_DIGITS, '0')}${SEGMENT_SUFFIX}`;
}

export function parseSegmentFileName(name: string): number | null {
  const match = /^(\d{20})\.log$/.exec(name);
  return match ? Number(match[1]) : null;
}

export interface IndexEntry {
  readonly offset: number;
  readonly position: number;
  readonly timestamp: number;
}

/** What a scan of a segment found. */
export interface SegmentScan {
  /** Bytes of valid, consecutive frames from the start of the file. */
  readonly validBytes: number;
  /** The offset after the last valid frame. */
  readonly nextOffset: number;
  /** Timestamp of the last valid frame (-1 when the segment is empty). */
  readonly lastTimestamp: number;
  readonly index: IndexEntry[];
  /** Why the scan stopped before `fileBytes`, when it did. */
  readonly stopReason: string | null;
  readonly fileBytes: number;
}

/** Visits frames from `start` to `end` of a file; `visit` returns false to stop. */
export async function visitFrames(
  handle: FileHandle,
  start: number,
  end: number,
  visit: (record: () => StoredRecord, offset: number, timestamp: number, position: number) => boolean,
  onInvalid: (position: number, reason: string) => void,
): Promise<number> {
  let buffer = Buffer.alloc(Math.min(READ_CHUNK_BYTES, Math.max(end - start, 0)));
  let chunkStart = start;
  let limit = end;
  while (chunkStart < limit) {
    const wanted = Math.min(buffer.length, limit - chunkStart);
    const { bytesRead } = await handle.read(buffer, 0, wanted, chunkStart);
    if (bytesRead < wanted) {
      // Shorter than expected: only frames wholly before the real end count.
      onInvalid(chunkStart + bytesRead, 'file ends early');
      limit = chunkStart + bytesRead;
    }
    let at = 0;
    for (;;) {
      const probe = probeFrame(buffer, at, bytesRead);
      if (probe.kind === 'invalid') {
        onInvalid(chunkStart + at, probe.reason);
        return chunkStart + at;
      }
      if (probe.kind === 'incomplete') {
        if (chunkStart + at + probe.needed > limit) {
          if (chunkStart + at < limit) onInvalid(chunkStart + at, 'incomplete frame at end of file');
          return chunkStart + at;
        }
        // Next read starts at this frame, large enough to hold it.
        if (probe.needed > buffer.length) buffer = Buffer.alloc(probe.needed);
        break;
      }
      const { frame } = probe;
      const current = buffer;
      if (!visit(() => decodeFrame(current, frame), frame.offset, frame.timestamp, chunkStart + at)) {
        return chunkStart + at;
      }
      at += frame.frameBytes;
    }
    chunkStart += at;
  }
  return chunkStart;
}

/** Reads a whole segment, checking every frame and that offsets follow on from `baseOffset`. */
export async function scanSegment(path: string, baseOffset: number): Promise<SegmentScan> {
  const handle = await open(path, 'r');
  try {
    const fileBytes = (await handle.stat()).size;
    const index: IndexEntry[] = [];
    let nextOffset = baseOffset;
    let lastTimestamp = -1;
    let lastIndexed = -INDEX_INTERVAL_BYTES;
    let stopReason: string | null = null;
    const validBytes = await visitFrames(
      handle,
      0,
      fileBytes,
      (_record, offset, timestamp, position) => {
        if (offset !== nextOffset) {
          stopReason = `offset ${offset} where ${nextOffset} was expected`;
          return false;
        }
        if (position - lastIndexed >= INDEX_INTERVAL_BYTES) {
          index.push({ offset, position, timestamp });
          lastIndexed = position;
        }
        nextOffset = offset + 1;
        lastTimestamp = timestamp;
        return true;
      },
      (position, reason) => {
        stopReason = `${reason} at byte ${position}`;
      },
    );
    return { validBytes, nextOffset, lastTimestamp, index, stopReason, fileBytes };
  } finally {
    await handle.close();
  }
}

/** In-memory view of one segment file. */
export class Segment {
  /** Sparse index of the segment, built when the segment is first read (always built for the active one). */
  index: IndexEntry[] | null = null;
  /** Durable, readable bytes. */
  size: number;
  /** Offset after the last record (known once indexed). */
  nextOffset: number | null = null;
  lastTimestamp = -1;
  private lastIndexedPosition = -INDEX_INTERVAL_BYTES;

  constructor(
    readonly directory: string,
    readonly baseOffset: number,
    size: number,
  ) {
    this.size = size;
  }

  get path(): string {
    return join(this.directory, segmentFileName(this.baseOffset));
  }

  adoptScan(scan: SegmentScan): void {
    this.index = scan.index;
    this.size = scan.validBytes;
    this.nextOffset = scan.nextOffset;
    this.lastTimestamp = scan.lastTimestamp;
    this.lastIndexedPosition = scan.index.length > 0 ? scan.index[scan.index.length - 1].position : -Infinity;
  }

  /** Records frames just appended (and made durable) to the active segment. */
  noteAppended(frames: readonly IndexEntry[], newSize: number): void {
    const index = this.index ?? (this.index = []);
    for (const frame of frames) {
      if (frame.position - this.lastIndexedPosition >= INDEX_INTERVAL_BYTES) {
        index.push(frame);
        this.lastIndexedPosition = frame.position;
      }
      this.nextOffset = frame.offset + 1;
      this.lastTimestamp = frame.timestamp;
    }
    this.size = newSize;
  }

  /** Position to start scanning from to find `offset`: the last index entry at or before it. */
  positionAtOrBefore(offset: number): number {
    const index = this.index ?? [];
    let low = 0;
    let high = index.length - 1;
    let found = 0;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (index[middle].offset <= offset) {
        found = index[middle].position;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  /** Position to start scanning from to find the first record with timestamp >= `time`. */
  positionBeforeTime(time: number): number {
    const index = this.index ?? [];
    let found = 0;
    for (const entry of index) {
      if (entry.timestamp >= time) break;
      found = entry.position;
    }
    return found;
  }
}
