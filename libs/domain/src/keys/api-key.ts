import * as crypto from 'node:crypto';
import { createHash, timingSafeEqual } from 'node:crypto';
import { BASE62_ALPHABET, base62LengthForBytes, encodeBase62 } from './base62';
import { crc32 } from './crc32';

/** `live` keys reach production upstreams and are billed; `test` keys are for integration work. */
export type ApiKeyEnvironment = 'live' | 'test';

export const API_KEY_ENVIRONMENTS: readonly ApiKeyEnvironment[] = ['live', 'test'];

/** Random bytes behind every key: 192 bits, well above the 128 bits needed against guessing. */
export const API_KEY_RANDOM_BYTES = 24;
/** Base62 digits of the random part: the fixed length that holds any 24-byte value. */
export const API_KEY_BODY_LENGTH = base62LengthForBytes(API_KEY_RANDOM_BYTES);
/** Base62 digits of the CRC-32 checksum (62^6 > 2^32). */
export const API_KEY_CHECKSUM_LENGTH = 6;
/** Characters of a key shown in listings and logs to recognise it, e.g. `km_live_0AbC`. */
export const API_KEY_DISPLAY_PREFIX_LENGTH = 12;

/**
 * A whole key, anchored: `km_live_` or `km_test_`, then 33 base62 digits of random data and 6 base62 digits
 * of checksum (39 characters after the second underscore; 47 in all).
 */
export const API_KEY_PATTERN = /^km_(live|test)_([0-9A-Za-z]{33})([0-9A-Za-z]{6})$/;

/**
 * What secret scanners and log redaction look for in free text. Unanchored and without flags; build a global
 * copy with `new RegExp(API_KEY_SCAN_PATTERN.source, 'g')`.
 */
export const API_KEY_SCAN_PATTERN = /\bkm_(?:live|test)_[0-9A-Za-z]{39}\b/;

const SCAN_PATTERN_GLOBAL_SOURCE = API_KEY_SCAN_PATTERN.source;

/** Source of randomness, e.g. `node:crypto`'s `randomBytes`; injected so key generation stays pure. */
export type RandomBytes = (size: number) => Uint8Array;

export interface GeneratedApiKey {
  readonly environment: ApiKeyEnvironment;
  /** The secret. Shown to the customer once, never stored, logged or put into events. */
  readonly plaintext: string;
  /** First characters of the key, safe to store and show (`km_live_0AbC`); not unique. */
  readonly prefix: string;
  /** SHA-256 of the plaintext, lowercase hex: what is stored and looked up. */
  readonly hash: string;
}

export type ApiKeyParseFailure = 'missing' | 'malformed' | 'bad_checksum';

export type ParsedApiKey =
  | {
      readonly ok: true;
      readonly environment: ApiKeyEnvironment;
      readonly prefix: string;
      readonly hash: string;
    }
  | { readonly ok: false; readonly reason: ApiKeyParseFailure };

/** Creates a new key from {@link API_KEY_RANDOM_BYTES} bytes of `randomBytes`. */
export function generateApiKey(environment: ApiKeyEnvironment, randomBytes: RandomBytes): GeneratedApiKey {
  if (!API_KEY_ENVIRONMENTS.includes(environment)) {
    throw new RangeError(`environment: must be "live" or "test", got ${JSON.stringify(environment)}`);
  }
  const random = randomBytes(API_KEY_RANDOM_BYTES);
  if (random.length !== API_KEY_RANDOM_BYTES) {
    throw new RangeError(
      `randomBytes: returned ${random.length} bytes, ${API_KEY_RANDOM_BYTES} were asked for`,
    );
  }
  const unchecked = `km_${environment}_${encodeBase62(random)}`;
  const plaintext = unchecked + checksumOf(unchecked);
  return {
    environment,
    plaintext,
    prefix: displayPrefix(plaintext),
    hash: hashApiKey(plaintext),
  };
}

/**
 * Recognises a presented key without any lookup: `missing` for no or empty input, `malformed` when it is not
 * shaped like {@link API_KEY_PATTERN}, `bad_checksum` when a character was mistyped. The caller then looks the
 * hash up. Input is taken as is (no trimming): header parsing belongs to the caller.
 */
export function parseApiKey(text: string | null | undefined): ParsedApiKey {
  if (text === undefined || text === null || text === '') {
    return { ok: false, reason: 'missing' };
  }
  const match = API_KEY_PATTERN.exec(text);
  if (match === null) {
    return { ok: false, reason: 'malformed' };
  }
  const [, environment, , checksum] = match;
  const unchecked = text.slice(0, text.length - API_KEY_CHECKSUM_LENGTH);
  if (checksumOf(unchecked) !== checksum) {
    return { ok: false, reason: 'bad_checksum' };
  }
  return {
    ok: true,
    environment: environment as ApiKeyEnvironment,
    prefix: displayPrefix(text),
    hash: hashApiKey(text),
  };
}

/**
 * SHA-256 of the whole plaintext key, lowercase hex. A fast unsalted hash is enough: keys carry 192 random
 * bits, so there is no dictionary to try, and a deterministic hash can be looked up by equality.
 */
export function hashApiKey(plaintext: string): string {
  // One-shot hashing (Node ≥ 20.12) costs a third of a Hash object's create-update-digest; this runs on every
  // gateway call.
  return oneShotHash === undefined
    ? createHash('sha256').update(plaintext, 'utf8').digest('hex')
    : oneShotHash('sha256', plaintext, 'hex');
}

const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Compares two SHA-256 hex digests in constant time. Anything that is not a 64-character lowercase hex
 * digest is unequal to everything.
 */
export function hashesEqual(a: string, b: string): boolean {
  if (!SHA256_HEX.test(a) || !SHA256_HEX.test(b)) {
    return false;
  }
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

/** Replaces every key-shaped substring of `text` with its display prefix followed by `…`. */
export function redactApiKeys(text: string): string {
  return text.replace(new RegExp(SCAN_PATTERN_GLOBAL_SOURCE, 'g'), (key) => `${displayPrefix(key)}…`);
}

/**
 * CRC-32 of the key so far in {@link API_KEY_CHECKSUM_LENGTH} base62 digits. Plain number arithmetic (a CRC-32
 * is below 2^32, exact in a double): this runs on every gateway call.
 */
function checksumOf(unchecked: string): string {
  let value = crc32(unchecked);
  let digits = '';
  for (let index = 0; index < API_KEY_CHECKSUM_LENGTH; index += 1) {
    digits = BASE62_ALPHABET[value % 62] + digits;
    value = Math.floor(value / 62);
  }
  return digits;
}

function displayPrefix(plaintext: string): string {
  return plaintext.slice(0, API_KEY_DISPLAY_PREFIX_LENGTH);
}
