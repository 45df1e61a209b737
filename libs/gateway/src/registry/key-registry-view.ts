import type { ApiKeySnapshotV1, IngestTokenSnapshotV1, KeyRegistryRecordV1 } from '@keymeter/contracts';
import { compileScopes, hashesEqual, parseApiKey, type Scope, type ScopeChecker } from '@keymeter/domain';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyVerification, CredentialVerifier, IngestTokenVerification } from './credential-verifier';

/** A secret as held in memory: its hash and its end of validity as epoch ms (Infinity = none). */
interface HeldSecret {
  readonly hash: string;
  /** The hash's 32 bytes, decoded once (undefined when the hash is not a SHA-256 hex digest: it matches nothing). */
  readonly digest: Buffer | undefined;
  readonly validUntilMs: number;
}

interface HeldKey {
  readonly snapshot: ApiKeySnapshotV1;
  readonly expiresAtMs: number;
  readonly scopes: ScopeChecker;
  readonly secrets: readonly HeldSecret[];
}

interface HeldToken {
  readonly snapshot: IngestTokenSnapshotV1;
  readonly secrets: readonly HeldSecret[];
}

/** The secret matched by a lookup, with the credential it belongs to. */
interface SecretEntry<T> {
  readonly credential: T;
  readonly secret: HeldSecret;
}

/**
 * The gateway's in-memory view of the key registry. Snapshots are applied in any order: one whose
 * `revision` is not newer than the held one is ignored, so redelivery and replays are harmless.
 * Lookups are one map read by SHA-256 hash; the found hash is compared again in constant time.
 */
export class KeyRegistryView implements CredentialVerifier {
  private readonly keysById = new Map<string, HeldKey>();
  private readonly keysByHash = new Map<string, SecretEntry<HeldKey>>();
  private readonly tokensById = new Map<string, HeldToken>();
  private readonly tokensByHash = new Map<string, SecretEntry<HeldToken>>();

  /** Number of credentials (API keys and ingest tokens) held. */
  get size(): number {
    return this.keysById.size + this.tokensById.size;
  }

  /** Applies a snapshot; returns whether it replaced what was held (false when stale). */
  apply(record: KeyRegistryRecordV1): boolean {
    return record.kind === 'api_key' ? this.applyKey(record) : this.applyToken(record);
  }

  /** The compiled scopes of a verified key, cached with its snapshot. */
  scopesOf(key: ApiKeySnapshotV1): ScopeChecker {
    const held = this.keysById.get(key.keyId);
    return held !== undefined && held.snapshot === key
      ? held.scopes
      : compileScopes(key.scopes as readonly Scope[]);
  }

  verifyApiKey(plaintext: string | undefined, nowMs: number): ApiKeyVerification {
    const parsed = parseApiKey(plaintext);
    if (!parsed.ok) return { ok: false, reason: parsed.reason };
    const entry = this.keysByHash.get(parsed.hash);
    if (entry === undefined || !digestEquals(entry.secret, parsed.hash)) {
      return { ok: false, reason: 'unknown' };
    }
    const { snapshot, expiresAtMs } = entry.credential;
    if (snapshot.status === 'revoked') return { ok: false, reason: 'revoked', key: snapshot };
    if (snapshot.status === 'suspended') return { ok: false, reason: 'suspended', key: snapshot };
    if (nowMs >= expiresAtMs) return { ok: false, reason: 'expired', key: snapshot };
    if (nowMs >= entry.secret.validUntilMs) return { ok: false, reason: 'rotated_out', key: snapshot };
    return { ok: true, key: snapshot };
  }

  verifyIngestToken(plaintext: string | undefined, nowMs: number): IngestTokenVerification {
    if (plaintext === undefined || plaintext === '') return { ok: false, reason: 'missing' };
    const hash = createHash('sha256').update(plaintext, 'utf8').digest('hex');
    const entry = this.tokensByHash.get(hash);
    if (entry === undefined || !hashesEqual(entry.secret.hash, hash)) {
      return { ok: false, reason: 'unknown' };
    }
    if (entry.credential.snapshot.status === 'revoked') return { ok: false, reason: 'revoked' };
    if (nowMs >= entry.secret.validUntilMs) return { ok: false, reason: 'rotated_out' };
    return { ok: true, token: entry.credential.snapshot };
  }

  private applyKey(snapshot: ApiKeySnapshotV1): boolean {
    const previous = this.keysById.get(snapshot.keyId);
    if (previous !== undefined && previous.snapshot.revision >= snapshot.revision) return false;
    const held: HeldKey = {
      snapshot,
      expiresAtMs: instantMs(snapshot.expiresAt),
      scopes: compileScopes(snapshot.scopes as readonly Scope[]),
      secrets: heldSecrets(snapshot.secrets),
    };
    replaceSecrets(this.keysByHash, previous?.secrets ?? [], held);
    this.keysById.set(snapshot.keyId, held);
    return true;
  }

  private applyToken(snapshot: IngestTokenSnapshotV1): boolean {
    const previous = this.tokensById.get(snapshot.tokenId);
    if (previous !== undefined && previous.snapshot.revision >= snapshot.revision) return false;
    const held: HeldToken = { snapshot, secrets: heldSecrets(snapshot.secrets) };
    replaceSecrets(this.tokensByHash, previous?.secrets ?? [], held);
    this.tokensById.set(snapshot.tokenId, held);
    return true;
  }
}

function replaceSecrets<T extends { readonly secrets: readonly HeldSecret[] }>(
  index: Map<string, SecretEntry<T>>,
  previous: readonly HeldSecret[],
  credential: T,
): void {
  for (const secret of previous) index.delete(secret.hash);
  for (const secret of credential.secrets) index.set(secret.hash, { credential, secret });
}

function heldSecrets(secrets: readonly { hash: string; validUntil: string | null }[]): HeldSecret[] {
  return secrets.map((secret) => ({
    hash: secret.hash,
    digest: SHA256_HEX.test(secret.hash) ? Buffer.from(secret.hash, 'hex') : undefined,
    validUntilMs: instantMs(secret.validUntil),
  }));
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * `hashesEqual(secret.hash, presentedHash)` with the held side decoded once: the presented hash (our own
 * SHA-256 hex of the presented key, always 64 hex digits) is decoded and compared in constant time.
 */
function digestEquals(secret: HeldSecret, presentedHash: string): boolean {
  if (secret.digest === undefined || presentedHash.length !== 64) return false;
  const presented = Buffer.from(presentedHash, 'hex');
  return presented.length === 32 && timingSafeEqual(secret.digest, presented);
}

/** Epoch ms of an ISO instant; null (no end) is +Infinity. An unreadable instant counts as already past. */
function instantMs(iso: string | null): number {
  if (iso === null) return Number.POSITIVE_INFINITY;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : Number.NEGATIVE_INFINITY;
}
