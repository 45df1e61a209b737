import {
  API_KEY_BODY_LENGTH,
  API_KEY_CHECKSUM_LENGTH,
  API_KEY_RANDOM_BYTES,
  hashApiKey,
  type RandomBytes,
} from './api-key';
import { encodeBase62, encodeBase62Integer } from './base62';
import { crc32 } from './crc32';

/**
 * Ingest, admin and portal tokens follow the API key format with their own prefix: `km_ingest_` /
 * `km_admin_` / `km_portal_`, then 33 base62 digits of 24 random bytes and a 6-digit base62 CRC-32 of
 * everything before it. The kind in the prefix keeps them from ever parsing as API keys (`km_live_` /
 * `km_test_`) or as each other, and scanners find them with {@link TOKEN_SCAN_PATTERN}.
 */
export type TokenKind = 'ingest' | 'admin' | 'portal';

const BODY_AND_CHECKSUM = API_KEY_BODY_LENGTH + API_KEY_CHECKSUM_LENGTH;
const PATTERNS: Readonly<Record<TokenKind, RegExp>> = {
  ingest: new RegExp(`^km_ingest_[0-9A-Za-z]{${BODY_AND_CHECKSUM}}$`),
  admin: new RegExp(`^km_admin_[0-9A-Za-z]{${BODY_AND_CHECKSUM}}$`),
  portal: new RegExp(`^km_portal_[0-9A-Za-z]{${BODY_AND_CHECKSUM}}$`),
};

/** Ingest, admin and portal tokens in free text (for scanners and redaction); unanchored, no flags. */
export const TOKEN_SCAN_PATTERN = new RegExp(
  `\\bkm_(?:ingest|admin|portal)_[0-9A-Za-z]{${BODY_AND_CHECKSUM}}\\b`,
);

/** Characters of a token shown in listings: its `km_<kind>_` prefix and 4 more. */
export function tokenDisplayPrefix(kind: TokenKind, plaintext: string): string {
  return plaintext.slice(0, `km_${kind}_`.length + 4);
}

export interface GeneratedToken {
  /** Shown once, never stored or logged. */
  readonly plaintext: string;
  readonly prefix: string;
  /** SHA-256 hex of the plaintext, as for API keys. */
  readonly hash: string;
}

export function generateToken(kind: TokenKind, randomBytes: RandomBytes): GeneratedToken {
  const random = randomBytes(API_KEY_RANDOM_BYTES);
  if (random.length !== API_KEY_RANDOM_BYTES) {
    throw new RangeError(
      `randomBytes: returned ${random.length} bytes, ${API_KEY_RANDOM_BYTES} were asked for`,
    );
  }
  const unchecked = `km_${kind}_${encodeBase62(random)}`;
  const plaintext = unchecked + checksumOf(unchecked);
  return { plaintext, prefix: tokenDisplayPrefix(kind, plaintext), hash: hashApiKey(plaintext) };
}

export type ParsedToken =
  | { readonly ok: true; readonly hash: string }
  | { readonly ok: false; readonly reason: 'missing' | 'malformed' | 'bad_checksum' };

/** Recognises a token of `kind` without a lookup, like `parseApiKey` does for keys. */
export function parseToken(kind: TokenKind, text: string | null | undefined): ParsedToken {
  if (text === undefined || text === null || text === '') return { ok: false, reason: 'missing' };
  if (!PATTERNS[kind].test(text)) return { ok: false, reason: 'malformed' };
  const unchecked = text.slice(0, text.length - API_KEY_CHECKSUM_LENGTH);
  if (checksumOf(unchecked) !== text.slice(unchecked.length)) return { ok: false, reason: 'bad_checksum' };
  return { ok: true, hash: hashApiKey(text) };
}

function checksumOf(unchecked: string): string {
  return encodeBase62Integer(BigInt(crc32(unchecked)), API_KEY_CHECKSUM_LENGTH);
}
