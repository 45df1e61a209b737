import { IsNull, MoreThan, type EntityManager, type EntityTarget } from 'typeorm';

/** The columns every secret table shares (api_key_secrets, ingest_token_secrets). */
export interface SecretColumns {
  hash: string;
  prefix: string;
  validUntil: Date | null;
}

/**
 * One rotation rule for every credential kind: the current secret, and any older one whose grace
 * would outlast it, end at `validUntil`; the new secret becomes current. `owner` names the credential
 * (e.g. `{ keyId }`). Runs inside the caller's transaction.
 */
export async function replaceCurrentSecret(
  manager: EntityManager,
  entity: EntityTarget<SecretColumns>,
  owner: Readonly<Record<string, string>>,
  secret: { readonly hash: string; readonly prefix: string },
  validUntil: Date,
): Promise<void> {
  await manager.update(entity, { ...owner, validUntil: IsNull() }, { validUntil });
  await manager.update(entity, { ...owner, validUntil: MoreThan(validUntil) }, { validUntil });
  await manager.insert(entity, { ...owner, hash: secret.hash, prefix: secret.prefix, validUntil: null });
}
