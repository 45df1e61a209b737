/** Digits of base62, in value order: 0-9, then A-Z, then a-z. */
export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const BASE = 62n;
const DIGIT_VALUES: ReadonlyMap<string, bigint> = new Map(
  [...BASE62_ALPHABET].map((digit, index) => [digit, BigInt(index)]),
);

/**
 * Smallest number of base62 digits that can hold every value of `byteLength` bytes, so an encoding of
 * that many bytes has one fixed length (24 bytes → 33 digits, since 62^32 < 2^192 ≤ 62^33).
 */
export function base62LengthForBytes(byteLength: number): number {
  if (!Number.isSafeInteger(byteLength) || byteLength < 0) {
    throw new RangeError(`byteLength: must be a non-negative integer, got ${String(byteLength)}`);
  }
  const limit = 1n << BigInt(byteLength * 8);
  let length = 0;
  let capacity = 1n;
  while (capacity < limit) {
    capacity *= BASE;
    length += 1;
  }
  return length;
}

/**
 * Encodes a non-negative integer as exactly `length` base62 digits, left-padded with "0".
 * Throws when the value needs more digits than `length`.
 */
export function encodeBase62Integer(value: bigint, length: number): string {
  if (value < 0n) {
    throw new RangeError(`value: must be non-negative, got ${value}`);
  }
  let remaining = value;
  let digits = '';
  while (remaining > 0n) {
    digits = BASE62_ALPHABET[Number(remaining % BASE)] + digits;
    remaining /= BASE;
  }
  if (digits.length > length) {
    throw new RangeError(`value: needs ${digits.length} base62 digits, more than the ${length} allowed`);
  }
  return digits.padStart(length, '0');
}

/** Reads base62 digits as an integer, or undefined when `text` holds a character outside the alphabet. */
export function decodeBase62Integer(text: string): bigint | undefined {
  let value = 0n;
  for (const digit of text) {
    const digitValue = DIGIT_VALUES.get(digit);
    if (digitValue === undefined) {
      return undefined;
    }
    value = value * BASE + digitValue;
  }
  return value;
}

/**
 * Encodes bytes (read as one big-endian unsigned integer) as fixed-length base62: always
 * {@link base62LengthForBytes}(bytes.length) digits, left-padded with "0".
 */
export function encodeBase62(bytes: Uint8Array): string {
  let value = 0n;
  for (const byte of bytes) {
    value = (value << 8n) | BigInt(byte);
  }
  return encodeBase62Integer(value, base62LengthForBytes(bytes.length));
}

/**
 * Inverse of {@link encodeBase62}: the `byteLength` bytes that `text` encodes. Throws when `text` holds a
 * non-base62 character or a value that does not fit in `byteLength` bytes.
 */
export function decodeBase62(text: string, byteLength: number): Uint8Array {
  const value = decodeBase62Integer(text);
  if (value === undefined) {
    throw new RangeError('text: contains a character outside the base62 alphabet [0-9A-Za-z]');
  }
  if (value >> BigInt(byteLength * 8) !== 0n) {
    throw new RangeError(`text: encodes a value larger than ${byteLength} bytes`);
  }
  const bytes = new Uint8Array(byteLength);
  let remaining = value;
  for (let index = byteLength - 1; index >= 0; index -= 1) {
    bytes[index] = Number(remaining & 0xffn);
    remaining >>= 8n;
  }
  return bytes;
}
