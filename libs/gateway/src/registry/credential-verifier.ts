import type { ApiKeySnapshotV1, IngestTokenSnapshotV1 } from '@keymeter/contracts';

/** Why a presented credential was refused; each maps to a 401 with this code. */
export type CredentialRejection =
  | 'missing'
  | 'malformed'
  | 'bad_checksum'
  | 'unknown'
  | 'expired'
  | 'revoked'
  | 'suspended'
  /** A rotated-out secret used after its grace period ended. */
  | 'rotated_out';

export type ApiKeyVerification =
  | { readonly ok: true; readonly key: ApiKeySnapshotV1 }
  /** `key` is set when the secret identified a key (revoked, expired, rotated out), for the usage event. */
  | { readonly ok: false; readonly reason: CredentialRejection; readonly key?: ApiKeySnapshotV1 };

export type IngestTokenVerification =
  | { readonly ok: true; readonly token: IngestTokenSnapshotV1 }
  | { readonly ok: false; readonly reason: CredentialRejection };

/**
 * The gateway's in-memory view of the key registry (rebuilt from the compacted `key-registry` topic).
 * Lookups are by SHA-256 hash of the presented secret: no database read on the request path.
 */
export interface CredentialVerifier {
  verifyApiKey(plaintext: string | undefined, nowMs: number): ApiKeyVerification;
  verifyIngestToken(plaintext: string | undefined, nowMs: number): IngestTokenVerification;
}
