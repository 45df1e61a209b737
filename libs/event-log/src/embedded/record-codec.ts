/**
 * On-disk framing of one record in a segment file (all integers big-endian):
 *
 *   frame  := bodyLength:u32  crc32(body):u32  body
 *   body   := version:u8(=1)  offset:i64  timestamp:i64
 *             keyLength:i32 (-1 = null)  key
 *             headerCount:u32  (nameLength:u32 name valueLength:u32 value)*
 *             valueLength:u32  value
 *
 * The length and CRC let a reader tell a complete frame from a torn one (a write cut short by a crash)
 * or from garbage; the stored offset lets it check that frames follow one another.
 */
import { crc32 } from 'node:zlib';

export const FRAME_HEADER_BYTES = 8;
const FORMAT_VERSION = 1;
const FIXED_BODY_BYTES = 1 + 8 + 8 + 4 + 4 + 4;
/** No valid frame is larger: a bigger length field is damage, not data. */
export const MAX_FRAME_BODY_BYTES = 256 * 1024 * 1024;

export interface StoredRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/** A record to append; offset and timestamp are given by the partition at append time. */
export interface RecordToAppend {
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/** Bytes a record occupies on disk (frame header included). */
export function encodedSize(record: RecordToAppend): number {
  let size = FRAME_HEADER_BYTES + FIXED_BODY_BYTES + record.value.length;
  if (record.key !== null) size += Buffer.byteLength(record.key, 'utf8');
  for (const [name, value] of Object.entries(record.headers)) {
    size += 8 + Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
  }
  return size;
}

/** Writes one frame into `target` at `position`; returns the position after it. */
export function encodeFrame(
  record: RecordToAppend,
  offset: number,
  timestamp: number,
  target: Buffer,
  position: number,
): number {
  const bodyStart = position + FRAME_HEADER_BYTES;
  let at = bodyStart;
  at = target.writeUInt8(FORMAT_VERSION, at);
  at = target.writeBigInt64BE(BigInt(offset), at);
  at = target.writeBigInt64BE(BigInt(timestamp), at);
  if (record.key === null) {
    at = target.writeInt32BE(-1, at);
  } else {
    const keyLength = target.write(record.key, at + 4, 'utf8');
    at = target.writeInt32BE(keyLength, at) + keyLength;
  }
  const headers = Object.entries(record.headers);
  at = target.writeUInt32BE(headers.length, at);
  for (const [name, value] of headers) {
    const nameLength = target.write(name, at + 4, 'utf8');
    at = target.writeUInt32BE(nameLength, at) + nameLength;
    const valueLength = target.write(value, at + 4, 'utf8');
    at = target.writeUInt32BE(valueLength, at) + valueLength;
  }
  at = target.writeUInt32BE(record.value.length, at);
  at += record.value.copy(target, at);
  const bodyLength = at - bodyStart;
  target.writeUInt32BE(bodyLength, position);
  target.writeUInt32BE(crc32(target.subarray(bodyStart, at)), position + 4);
  return at;
}

/** A frame found in a buffer, checked (length, CRC, version) but not yet decoded. */
export interface FrameView {
  readonly offset: number;
  readonly timestamp: number;
  /** Bytes of the whole frame, header included. */
  readonly frameBytes: number;
  readonly bodyStart: number;
}

export type FrameProbe =
  | { readonly kind: 'frame'; readonly frame: FrameView }
  /** The buffer ends inside the frame: `needed` bytes (from the frame start) hold it whole. */
  | { readonly kind: 'incomplete'; readonly needed: number }
  | { readonly kind: 'invalid'; readonly reason: string };

/** Looks at the frame starting at `position` of `buffer` (which holds `end` meaningful bytes). */
export function probeFrame(buffer: Buffer, position: number, end: number): FrameProbe {
  if (end - position < FRAME_HEADER_BYTES) return { kind: 'incomplete', needed: FRAME_HEADER_BYTES };
  const bodyLength = buffer.readUInt32BE(position);
  if (bodyLength < FIXED_BODY_BYTES || bodyLength > MAX_FRAME_BODY_BYTES) {
    return { kind: 'invalid', reason: `frame length ${bodyLength} out of range` };
  }
  const frameBytes = FRAME_HEADER_BYTES + bodyLength;
  if (end - position < frameBytes) return { kind: 'incomplete', needed: frameBytes };
  const bodyStart = position + FRAME_HEADER_BYTES;
  const expectedCrc = buffer.readUInt32BE(position + 4);
  if (crc32(buffer.subarray(bodyStart, bodyStart + bodyLength)) !== expectedCrc) {
    return { kind: 'invalid', reason: 'CRC mismatch' };
  }
  if (buffer.readUInt8(bodyStart) !== FORMAT_VERSION) {
    return { kind: 'invalid', reason: `unknown record format version ${buffer.readUInt8(bodyStart)}` };
  }
  const offset = Number(buffer.readBigInt64BE(bodyStart + 1));
  const timestamp = Number(buffer.readBigInt64BE(bodyStart + 9));
  return { kind: 'frame', frame: { offset, timestamp, frameBytes, bodyStart } };
}

/** Decodes a frame that `probeFrame` accepted. Copies the bytes out of `buffer`. */
export function decodeFrame(buffer: Buffer, frame: FrameView): StoredRecord {
  let at = frame.bodyStart + 17;
  const keyLength = buffer.readInt32BE(at);
  at += 4;
  let key: string | null = null;
  if (keyLength >= 0) {
    key = buffer.toString('utf8', at, at + keyLength);
    at += keyLength;
  }
  const headerCount = buffer.readUInt32BE(at);
  at += 4;
  const headers: Record<string, string> = {};
  for (let i = 0; i < headerCount; i += 1) {
    const nameLength = buffer.readUInt32BE(at);
    const name = buffer.toString('utf8', at + 4, at + 4 + nameLength);
    at += 4 + nameLength;
    const valueLength = buffer.readUInt32BE(at);
    // defineProperty: a header named "__proto__" must stay a plain entry.
    Object.defineProperty(headers, name, {
      value: buffer.toString('utf8', at + 4, at + 4 + valueLength),
      enumerable: true,
      writable: true,
      configurable: true,
    });
    at += 4 + valueLength;
  }
  const valueLength = buffer.readUInt32BE(at);
  at += 4;
  const value = Buffer.from(buffer.subarray(at, at + valueLength));
  return { offset: frame.offset, timestamp: frame.timestamp, key, value, headers };
}
