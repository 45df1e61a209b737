import type { KeyQuotas, RateLimit, Scope } from '@keymeter/domain';
import type { ApiKeyEntity, ApiKeySecretEntity } from '@keymeter/database';

export type ApiKeyStatusView = 'active' | 'suspended' | 'revoked' | 'expired';

/** An API key as the API shows it: settings and display prefixes, never a secret or a hash. */
export interface ApiKeyView {
  readonly id: string;
  readonly customerId: string;
  readonly environment: 'live' | 'test';
  readonly name: string;
  /** Display prefix of the current secret. */
  readonly prefix: string;
  /** `expired` when active with `expiresAt` in the past. */
  readonly status: ApiKeyStatusView;
  readonly expiresAt: string | null;
  readonly scopes: Scope[];
  readonly rateLimit: RateLimit | null;
  readonly quotas: KeyQuotas;
  /** Rotated-out secrets that still authenticate (in their grace period). */
  readonly previousSecrets: { readonly prefix: string; readonly validUntil: string }[];
  readonly revision: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

/** The answer of create and rotate: the view plus the plaintext key, returned this once only. */
export interface ApiKeyWithSecret extends ApiKeyView {
  readonly key: string;
}

export function toApiKeyView(
  key: ApiKeyEntity,
  secrets: readonly Pick<ApiKeySecretEntity, 'prefix' | 'validUntil'>[],
  lastUsedAt: Date | undefined,
  now: Date,
): ApiKeyView {
  const expired = key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime();
  return {
    id: key.id,
    customerId: key.customerId,
    environment: key.environment as ApiKeyView['environment'],
    name: key.name,
    prefix: key.prefix,
    status: key.status === 'active' && expired ? 'expired' : (key.status as ApiKeyStatusView),
    expiresAt: key.expiresAt?.toISOString() ?? null,
    scopes: key.scopes as Scope[],
    rateLimit:
      key.rateLimitRate === null || key.rateLimitBurst === null
        ? null
        : { rate: key.rateLimitRate, burst: key.rateLimitBurst },
    quotas: {
      requestsPerDay: key.quotaRequestsPerDay === null ? null : Number(key.quotaRequestsPerDay),
      creditsPerMonth: key.quotaCreditsPerMonth,
    },
    previousSecrets: secrets
      .filter((secret) => secret.validUntil !== null && secret.validUntil.getTime() > now.getTime())
      .map((secret) => ({ prefix: secret.prefix, validUntil: secret.validUntil!.toISOString() }))
      .sort((a, b) => b.validUntil.localeCompare(a.validUntil)),
    revision: key.revision,
    createdAt: key.createdAt.toISOString(),
    updatedAt: key.updatedAt.toISOString(),
    revokedAt: key.revokedAt?.toISOString() ?? null,
    lastUsedAt: lastUsedAt?.toISOString() ?? null,
  };
}
