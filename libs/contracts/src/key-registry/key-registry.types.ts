/**
 * The key registry: billing publishes the full current state of every credential to a compacted
 * topic (`key-registry`, keyed by `registry key`), and every gateway rebuilds its in-memory view from
 * it. No per-request database read; a revocation reaches every gateway as fast as the log delivers.
 * Only SHA-256 hashes travel; plaintext secrets never leave the create/rotate response.
 */

export const KEY_REGISTRY_TOPIC = 'key-registry';

/** One secret of a credential. A rotation adds a new one and gives the old one an end of grace. */
export interface RegistrySecret {
  /** SHA-256 hex of the plaintext. */
  hash: string;
  /** ISO-8601 UTC instant after which this secret no longer authenticates; null = no end. */
  validUntil: string | null;
}

export interface RegistryRateLimit {
  /** Sustained requests per second. */
  rate: number;
  /** Bucket size: requests allowed at once. */
  burst: number;
}

export interface RegistryQuotas {
  /** Requests per calendar day in the customer's timezone; null = unlimited. */
  requestsPerDay: number | null;
  /** Credits per calendar month in the customer's timezone, a decimal string; null = unlimited. */
  creditsPerMonth: string | null;
}

/** The route scope shape of @keymeter/domain's scopes, or a named scope such as `usage:read`. */
export type RegistryScope = { methods: string[]; pattern: string } | string;

export interface ApiKeySnapshotV1 {
  v: 1;
  kind: 'api_key';
  keyId: string;
  customerId: string;
  /** IANA timezone of the customer: the day and month windows of the quotas. */
  timeZone: string;
  environment: 'live' | 'test';
  name: string;
  /** Display prefix of the current secret (e.g. km_live_AbCd), for logs and UIs. */
  prefix: string;
  /** Current secret first; rotated-out secrets stay listed (past validUntil) so their use is recognised. */
  secrets: RegistrySecret[];
  /** `suspended` is set by automatic protection and can be lifted; `revoked` is final. */
  status: 'active' | 'suspended' | 'revoked';
  expiresAt: string | null;
  scopes: RegistryScope[];
  rateLimit: RegistryRateLimit | null;
  quotas: RegistryQuotas;
  /** Increases with every change of the key; a gateway ignores a snapshot older than the one it holds. */
  revision: number;
  updatedAt: string;
}

export interface IngestTokenSnapshotV1 {
  v: 1;
  kind: 'ingest_token';
  tokenId: string;
  name: string;
  secrets: RegistrySecret[];
  status: 'active' | 'revoked';
  revision: number;
  updatedAt: string;
}

export type KeyRegistryRecordV1 = ApiKeySnapshotV1 | IngestTokenSnapshotV1;

/** The log key of a record: one compacted slot per credential. */
export function registryRecordKey(record: KeyRegistryRecordV1): string {
  return record.kind === 'api_key' ? `api_key:${record.keyId}` : `ingest_token:${record.tokenId}`;
}
