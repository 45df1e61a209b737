/** Crockford base32 as used by ULID: no I, L, O, U. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 10 time characters (48 bits, so the first is at most 7) then 16 random characters. */
const ULID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
const ULID_PATTERN_ANY_CASE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/i;
const TIME_CHARS = 10;
const RANDOM_BYTES = 10;
const MAX_TIME_MS = 2 ** 48 - 1;

/** True for a canonical (upper-case) ULID. */
export function isEventId(value: string): boolean {
  return ULID_PATTERN.test(value);
}

/** The canonical upper-case ULID for a ULID in any letter case, or undefined when `value` is not a ULID. */
export function normalizeEventId(value: string): string | undefined {
  if (ULID_PATTERN.test(value)) {
    return value;
  }
  // ULIDs are case-insensitive; one spelling keeps the idempotency key unique.
  return ULID_PATTERN_ANY_CASE.test(value) ? value.toUpperCase() : undefined;
}

/**
 * A new ULID from the caller's clock and random source (both passed in: this library reads neither).
 * IDs made in the same millisecond are not ordered among themselves; a producer that needs that should
 * use `monotonicFactory()` from the `ulid` package, which emits the same format.
 */
export function newEventId(nowMs: number, random: (byteCount: number) => Uint8Array): string {
  if (!Number.isInteger(nowMs) || nowMs < 0 || nowMs > MAX_TIME_MS) {
    throw new RangeError(`nowMs: must be an integer between 0 and ${MAX_TIME_MS}, got ${nowMs}`);
  }
  const bytes = random(RANDOM_BYTES);
  if (bytes.length < RANDOM_BYTES) {
    throw new RangeError(`random: must return ${RANDOM_BYTES} bytes, got ${bytes.length}`);
  }
  return encodeTime(nowMs) + encodeFortyBits(bytes, 0) + encodeFortyBits(bytes, 5);
}

/** Milliseconds since the epoch encoded in a ULID's first 10 characters. */
export function eventIdTimeMs(id: string): number {
  const canonical = normalizeEventId(id);
  if (canonical === undefined) {
    throw new RangeError(`id: must be a ULID, got ${JSON.stringify(id)}`);
  }
  let time = 0;
  for (let index = 0; index < TIME_CHARS; index++) {
    time = time * 32 + CROCKFORD.indexOf(canonical[index]);
  }
  return time;
}

function encodeTime(timeMs: number): string {
  let remaining = timeMs;
  let out = '';
  for (let index = 0; index < TIME_CHARS; index++) {
    out = CROCKFORD[remaining % 32] + out;
    remaining = Math.floor(remaining / 32);
  }
  return out;
}

/** Eight base32 characters from five bytes (40 bits, exact in a double). */
function encodeFortyBits(bytes: Uint8Array, offset: number): string {
  let value = 0;
  for (let index = offset; index < offset + 5; index++) {
    value = value * 256 + bytes[index];
  }
  let out = '';
  for (let index = 0; index < 8; index++) {
    out = CROCKFORD[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}
