import type {
  ApiKeySnapshotV1,
  IngestTokenSnapshotV1,
  RegistryScope,
  RegistrySecret,
} from '@keymeter/contracts';
import type {
  ApiKeyEntity,
  ApiKeySecretEntity,
  IngestTokenEntity,
  IngestTokenSecretEntity,
} from '@keymeter/database';

/**
 * How long a rotated-out secret stays in a credential's snapshot after its grace ended, so gateways can
 * still tell "a rotated-out key was used" (an alert) from "an unknown key was used".
 */
export const ROTATED_SECRET_RETENTION_MS = 30 * 86_400_000;

type StoredSecret = Pick<ApiKeySecretEntity | IngestTokenSecretEntity, 'hash' | 'validUntil' | 'createdAt'>;

/**
 * The secrets a snapshot carries at `now`: the current one first, then rotated-out ones newest first, without
 * those whose grace ended more than {@link ROTATED_SECRET_RETENTION_MS} ago.
 */
export function registrySecrets(secrets: readonly StoredSecret[], now: Date): RegistrySecret[] {
  const oldestKept = now.getTime() - ROTATED_SECRET_RETENTION_MS;
  return secrets
    .filter((secret) => secret.validUntil === null || secret.validUntil.getTime() > oldestKept)
    .sort((a, b) => {
      if ((a.validUntil === null) !== (b.validUntil === null)) return a.validUntil === null ? -1 : 1;
      return b.createdAt.getTime() - a.createdAt.getTime();
    })
    .map((secret) => ({ hash: secret.hash, validUntil: secret.validUntil?.toISOString() ?? null }));
}

/** The full registry record of an API key, as gateways need it. */
export function apiKeySnapshot(
  key: ApiKeyEntity,
  secrets: readonly StoredSecret[],
  timeZone: string,
  now: Date,
): ApiKeySnapshotV1 {
  return {
    v: 1,
    kind: 'api_key',
    keyId: key.id,
    customerId: key.customerId,
    timeZone,
    environment: key.environment as ApiKeySnapshotV1['environment'],
    name: key.name,
    prefix: key.prefix,
    secrets: registrySecrets(secrets, now),
    status: key.status as ApiKeySnapshotV1['status'],
    expiresAt: key.expiresAt?.toISOString() ?? null,
    scopes: key.scopes as RegistryScope[],
    rateLimit:
      key.rateLimitRate === null || key.rateLimitBurst === null
        ? null
        : { rate: key.rateLimitRate, burst: key.rateLimitBurst },
    quotas: {
      requestsPerDay: key.quotaRequestsPerDay === null ? null : Number(key.quotaRequestsPerDay),
      creditsPerMonth: key.quotaCreditsPerMonth,
    },
    revision: key.revision,
    updatedAt: key.updatedAt.toISOString(),
  };
}

export function ingestTokenSnapshot(
  token: IngestTokenEntity,
  secrets: readonly StoredSecret[],
  now: Date,
): IngestTokenSnapshotV1 {
  return {
    v: 1,
    kind: 'ingest_token',
    tokenId: token.id,
    name: token.name,
    secrets: registrySecrets(secrets, now),
    status: token.status as IngestTokenSnapshotV1['status'],
    revision: token.revision,
    updatedAt: token.updatedAt.toISOString(),
  };
}
