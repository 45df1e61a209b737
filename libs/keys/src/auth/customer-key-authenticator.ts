import type { DataSource } from 'typeorm';
import { ApiKeyEntity, ApiKeySecretEntity } from '@keymeter/database';
import { hashesEqual, parseApiKey, type ApiKeyParseFailure, type Scope } from '@keymeter/domain';
import type { Clock } from '../clock';

/**
 * The customer behind a customer API request: authenticated by one of its API keys (`keyId`), or by a portal
 * link an admin minted for it (`portalLinkId`, read-only). Exactly one of the two is set.
 */
export interface AuthenticatedCustomer {
  readonly customerId: string;
  readonly keyId?: string;
  readonly portalLinkId?: string;
  readonly scopes: readonly Scope[];
}

export type CustomerKeyRejection =
  ApiKeyParseFailure | 'unknown' | 'revoked' | 'suspended' | 'expired' | 'rotated_out';

export type CustomerKeyAuthentication =
  | { readonly ok: true; readonly customer: AuthenticatedCustomer }
  | { readonly ok: false; readonly reason: CustomerKeyRejection };

/**
 * Verifies a customer's API key for the customer API in billing (the gateway uses its registry instead):
 * format and checksum first (no lookup for a typo), then the hash in Postgres, then status, expiry and the
 * grace period of a rotated-out secret.
 */
export class CustomerKeyAuthenticator {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async authenticate(presented: string | undefined): Promise<CustomerKeyAuthentication> {
    const parsed = parseApiKey(presented);
    if (!parsed.ok) return { ok: false, reason: parsed.reason };
    const secret = await this.dataSource.getRepository(ApiKeySecretEntity).findOneBy({ hash: parsed.hash });
    if (secret === null || !hashesEqual(secret.hash, parsed.hash)) return { ok: false, reason: 'unknown' };
    const key = await this.dataSource.getRepository(ApiKeyEntity).findOneBy({ id: secret.keyId });
    if (key === null) return { ok: false, reason: 'unknown' };
    const now = this.clock().getTime();
    if (key.status === 'revoked') return { ok: false, reason: 'revoked' };
    if (key.status === 'suspended') return { ok: false, reason: 'suspended' };
    if (key.expiresAt !== null && key.expiresAt.getTime() <= now) return { ok: false, reason: 'expired' };
    if (secret.validUntil !== null && secret.validUntil.getTime() <= now) {
      return { ok: false, reason: 'rotated_out' };
    }
    return {
      ok: true,
      customer: { customerId: key.customerId, keyId: key.id, scopes: key.scopes as Scope[] },
    };
  }
}
