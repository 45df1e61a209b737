/**
 * On-disk framing of one spooled batch (all integers big-endian). The header is the one the embedded
 * event log uses for its segment records (length + CRC32 of the body), so a torn write at the end of a
 * file is told from a complete frame the same way:
 *
 *   frame   := bodyLength:u32  crc32(body):u32  body
 *   body    := version:u8(=1)  sequence:u64  messageCount:u32  message*
 *   message := keyLength:u16  key(utf8)  valueLength:u32  value
 */
import { crc32 } from 'node:zlib';

export const SPOOL_FRAME_HEADER_BYTES = 8;
const FORMAT_VERSION = 1;
const FIXED_BODY_BYTES = 1 + 8 + 4;
/** No valid frame is larger: a bigger length field is damage, not data. */
const MAX_FRAME_BODY_BYTES = 256 * 1024 * 1024;
const MAX_KEY_BYTES = 0xffff;

export interface SpooledMessage {
  readonly key: string;
  readonly value: Buffer;
}

export interface SpoolBatch {
  /** Position of the batch in the spool; batches are replayed in increasing sequence. */
  readonly sequence: number;
  readonly messages: readonly SpooledMessage[];
}

export function encodeSpoolFrame(sequence: number, messages: readonly SpooledMessage[]): Buffer {
  const keys = messages.map((message) => Buffer.from(message.key, 'utf8'));
  let bodyLength = FIXED_BODY_BYTES;
  for (let index = 0; index < messages.length; index++) {
    if (keys[index].length > MAX_KEY_BYTES) {
      throw new RangeError(`messages[${index}].key: longer than ${MAX_KEY_BYTES} bytes`);
    }
    bodyLength += 2 + keys[index].length + 4 + messages[index].value.length;
  }
  const frame = Buffer.allocUnsafe(SPOOL_FRAME_HEADER_BYTES + bodyLength);
  let at = SPOOL_FRAME_HEADER_BYTES;
  at = frame.writeUInt8(FORMAT_VERSION, at);
  at = frame.writeBigUInt64BE(BigInt(sequence), at);
  at = frame.writeUInt32BE(messages.length, at);
  for (let index = 0; index < messages.length; index++) {
    at = frame.writeUInt16BE(keys[index].length, at);
    at += keys[index].copy(frame, at);
    at = frame.writeUInt32BE(messages[index].value.length, at);
    at += messages[index].value.copy(frame, at);
  }
  frame.writeUInt32BE(bodyLength, 0);
  frame.writeUInt32BE(crc32(frame.subarray(SPOOL_FRAME_HEADER_BYTES)), 4);
  return frame;
}

export type SpoolFrameProbe =
  | {
      readonly kind: 'frame';
      readonly sequence: number;
      readonly messageCount: number;
      readonly frameBytes: number;
    }
  /** The buffer ends inside the frame (a torn write, or more bytes must be read). */
  | { readonly kind: 'incomplete'; readonly needed: number }
  | { readonly kind: 'invalid'; readonly reason: string };

/** Checks the frame at `position` (length, CRC, version) without decoding its messages. */
export function probeSpoolFrame(buffer: Buffer, position: number): SpoolFrameProbe {
  const available = buffer.length - position;
  if (available < SPOOL_FRAME_HEADER_BYTES) return { kind: 'incomplete', needed: SPOOL_FRAME_HEADER_BYTES };
  const bodyLength = buffer.readUInt32BE(position);
  if (bodyLength < FIXED_BODY_BYTES || bodyLength > MAX_FRAME_BODY_BYTES) {
    return { kind: 'invalid', reason: `frame length ${bodyLength} out of range` };
  }
  const frameBytes = SPOOL_FRAME_HEADER_BYTES + bodyLength;
  if (available < frameBytes) return { kind: 'incomplete', needed: frameBytes };
  const bodyStart = position + SPOOL_FRAME_HEADER_BYTES;
  if (crc32(buffer.subarray(bodyStart, bodyStart + bodyLength)) !== buffer.readUInt32BE(position + 4)) {
    return { kind: 'invalid', reason: 'CRC mismatch' };
  }
  const version = buffer.readUInt8(bodyStart);
  if (version !== FORMAT_VERSION)
    return { kind: 'invalid', reason: `unknown spool format version ${version}` };
  return {
    kind: 'frame',
    sequence: Number(buffer.readBigUInt64BE(bodyStart + 1)),
    messageCount: buffer.readUInt32BE(bodyStart + 9),
    frameBytes,
  };
}

/** Decodes a whole frame (as written by `encodeSpoolFrame`) that starts at offset 0 of `frame`. */
export function decodeSpoolFrame(frame: Buffer): SpoolBatch {
  const probe = probeSpoolFrame(frame, 0);
  if (probe.kind !== 'frame') {
    throw new Error(`spool frame: ${probe.kind === 'invalid' ? probe.reason : 'truncated'}`);
  }
  const messages: SpooledMessage[] = [];
  let at = SPOOL_FRAME_HEADER_BYTES + FIXED_BODY_BYTES;
  for (let index = 0; index < probe.messageCount; index++) {
    const keyLength = frame.readUInt16BE(at);
    at += 2;
    const key = frame.toString('utf8', at, at + keyLength);
    at += keyLength;
    const valueLength = frame.readUInt32BE(at);
    at += 4;
    messages.push({ key, value: Buffer.from(frame.subarray(at, at + valueLength)) });
    at += valueLength;
  }
  return { sequence: probe.sequence, messages };
}
