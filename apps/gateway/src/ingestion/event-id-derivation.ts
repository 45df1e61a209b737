import { createHash } from 'node:crypto';
import { normalizeEventId } from '@keymeter/contracts';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const MAX_TIME_MS = 2 ** 48 - 1;

/**
 * The UsageEvent id of a CloudEvent. A ULID id is kept (upper-cased). Any other id (UUIDs, as
 * OpenMeter clients send) becomes a ULID-shaped id derived only from the event itself: the time part
 * from the CloudEvent's `time` (0 when it has none) and the 80 random bits from SHA-256 of
 * `source` + NUL + `id`. Re-posting the same CloudEvent therefore yields the same id, which is what
 * makes ingestion idempotent (CloudEvents identifies an event by source + id).
 */
export function cloudEventUsageId(source: string, id: string, timeMs: number | undefined): string {
  const ulid = normalizeEventId(id);
  if (ulid !== undefined) return ulid;
  const digest = createHash('sha256').update(source).update('\u0000').update(id).digest();
  const time = timeMs !== undefined && timeMs >= 0 && timeMs <= MAX_TIME_MS ? Math.floor(timeMs) : 0;
  return encodeTime(time) + encodeFortyBits(digest, 0) + encodeFortyBits(digest, 5);
}

function encodeTime(timeMs: number): string {
  let remaining = timeMs;
  let out = '';
  for (let index = 0; index < 10; index++) {
    out = CROCKFORD[remaining % 32] + out;
    remaining = Math.floor(remaining / 32);
  }
  return out;
}

function encodeFortyBits(bytes: Uint8Array, offset: number): string {
  let value = 0;
  for (let index = offset; index < offset + 5; index++) value = value * 256 + bytes[index];
  let out = '';
  for (let index = 0; index < 8; index++) {
    out = CROCKFORD[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}
