import type { SpooledMessage } from './spool/spool-frame';
import type { EncodedUsageEventBatch } from './usage-event-sink';

const NEWLINE = 0x0a;

/** The messages of an encoded batch; each value is a view of the batch's payload bytes (no copy). */
export function batchMessages(batch: EncodedUsageEventBatch): SpooledMessage[] {
  const keys = Buffer.from(batch.keys.buffer, batch.keys.byteOffset, batch.keys.byteLength)
    .toString('utf8')
    .split('\n');
  const payloads = Buffer.from(batch.payloads.buffer, batch.payloads.byteOffset, batch.payloads.byteLength);
  // Every key is followed by a newline, so the split ends with one empty string.
  if (keys.length !== batch.count + 1 || keys[batch.count] !== '') {
    throw new Error(`encoded batch: ${batch.count} events announced, ${keys.length - 1} keys received`);
  }
  const messages = new Array<SpooledMessage>(batch.count);
  let from = 0;
  for (let index = 0; index < batch.count; index++) {
    const to = payloads.indexOf(NEWLINE, from);
    if (to < 0) {
      throw new Error(`encoded batch: ${batch.count} events announced, ${index} payloads received`);
    }
    messages[index] = { key: keys[index], value: payloads.subarray(from, to) };
    from = to + 1;
  }
  if (from !== payloads.length) {
    throw new Error(`encoded batch: bytes after the ${batch.count} announced payloads`);
  }
  return messages;
}
