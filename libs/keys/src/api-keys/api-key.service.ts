import { HttpStatus } from '@nestjs/common';
import { In, MoreThan, type DataSource, type EntityManager } from 'typeorm';
import { ApiKeyEntity, ApiKeySecretEntity, CustomerEntity } from '@keymeter/database';
import { generateApiKey, type KeyQuotas, type RandomBytes, type RateLimit } from '@keymeter/domain';
import { ApiError } from '@keymeter/platform';
import { writeAuditEntry, type AuditActor, type AuditAction } from '../audit/audit-log';
import type { Clock } from '../clock';
import { isUuid } from '../input/fields';
import type { LastUsedAtSource } from '../last-used';
import type { RegistryOutbox } from '../registry/registry-outbox';
import { parseApiKeyChanges, parseNewApiKey, parseRotation, type ApiKeyChanges } from './api-key-input';
import { toApiKeyView, type ApiKeyView, type ApiKeyWithSecret } from './api-key.views';
import { replaceCurrentSecret } from '../secrets/replace-current-secret';

/** The settings a protective action (libs/alerts) may change, as they are now. */
export interface KeyProtectionState {
  readonly customerId: string;
  readonly status: 'active' | 'suspended' | 'revoked';
  readonly rateLimit: RateLimit | null;
  /** The current (newest) secret; `validUntil` set when a rotation is required by then. */
  readonly currentSecret: { readonly prefix: string; readonly validUntil: string | null };
}

/** A protective change: only the properties present change. */
export interface KeyProtectionChange {
  readonly status?: 'active' | 'suspended';
  readonly rateLimit?: RateLimit | null;
  /** Ends the current secret at this instant (a required rotation), or null to keep it without end. */
  readonly currentSecretValidUntil?: Date | null;
}

export interface ApiKeyServiceDeps {
  readonly dataSource: DataSource;
  readonly registry: RegistryOutbox;
  /** Called after every commit that queued a registry snapshot: wakes the publisher. */
  readonly onCommitted: () => void;
  readonly randomBytes: RandomBytes;
  readonly clock: Clock;
  readonly lastUsedAt: LastUsedAtSource;
}

/**
 * API keys of customers. Every change runs in one transaction that locks the key row, bumps `revision`,
 * writes an audit entry and queues the key's registry snapshot; input is fully validated before the
 * transaction starts, so a rejected request changes nothing.
 */
export class ApiKeyService {
  constructor(private readonly deps: ApiKeyServiceDeps) {}

  /** Creates a key; the answer holds the plaintext, which is never available again. */
  async create(customerId: string, body: unknown, actor: AuditActor): Promise<ApiKeyWithSecret> {
    const now = this.deps.clock();
    await this.requireCustomer(customerId);
    const input = parseNewApiKey(body, now);
    const generated = generateApiKey(input.environment, this.deps.randomBytes);
    const result = await this.deps.dataSource.transaction(async (manager) => {
      const key = await manager.save(
        manager.create(ApiKeyEntity, {
          customerId,
          environment: input.environment,
          name: input.name,
          prefix: generated.prefix,
          status: 'active',
          expiresAt: input.expiresAt,
          scopes: input.scopes,
          ...rateLimitColumns(input.rateLimit),
          ...quotaColumns(input.quotas),
          revision: 1,
          revokedAt: null,
        }),
      );
      await manager.insert(ApiKeySecretEntity, {
        keyId: key.id,
        hash: generated.hash,
        prefix: generated.prefix,
        validUntil: null,
      });
      await this.recordChange(manager, actor, 'key.created', key.id, now, {
        customerId,
        environment: input.environment,
        name: input.name,
        prefix: generated.prefix,
        scopes: input.scopes,
        expiresAt: input.expiresAt?.toISOString() ?? null,
        rateLimit: input.rateLimit,
        quotas: input.quotas,
      });
      return this.viewIn(manager, key.id, now);
    });
    this.deps.onCommitted();
    return { ...result, key: generated.plaintext };
  }

  /** Every key of a customer (404 for an unknown customer), oldest first. */
  async listForCustomer(customerId: string): Promise<ApiKeyView[]> {
    await this.requireCustomer(customerId);
    const now = this.deps.clock();
    const manager = this.deps.dataSource.manager;
    const keys = await manager.find(ApiKeyEntity, {
      where: { customerId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    if (keys.length === 0) return [];
    const ids = keys.map((key) => key.id);
    const secrets = await manager.find(ApiKeySecretEntity, {
      where: { keyId: In(ids), validUntil: MoreThan(now) },
    });
    const lastUsed = await this.deps.lastUsedAt.lastUsedAt(ids);
    return keys.map((key) =>
      toApiKeyView(
        key,
        secrets.filter((secret) => secret.keyId === key.id),
        lastUsed.get(key.id),
        now,
      ),
    );
  }

  async get(keyId: string): Promise<ApiKeyView> {
    const now = this.deps.clock();
    await this.requireKey(this.deps.dataSource.manager, keyId, false);
    return this.viewIn(this.deps.dataSource.manager, keyId, now);
  }

  /**
   * Issues a new secret. The previous one keeps working until now + `gracePeriodSeconds` (default 24 h,
   * 0 = stops at once); older rotated-out secrets end no later than that either.
   */
  async rotate(keyId: string, body: unknown, actor: AuditActor): Promise<ApiKeyWithSecret> {
    const { gracePeriodSeconds } = parseRotation(body);
    const now = this.deps.clock();
    const validUntil = new Date(now.getTime() + gracePeriodSeconds * 1000);
    let plaintext = '';
    const result = await this.deps.dataSource.transaction(async (manager) => {
      const key = await this.requireKey(manager, keyId, true);
      refuseIfRevoked(key);
      const generated = generateApiKey(key.environment as 'live' | 'test', this.deps.randomBytes);
      plaintext = generated.plaintext;
      await replaceCurrentSecret(manager, ApiKeySecretEntity, { keyId }, generated, validUntil);
      const previousPrefix = key.prefix;
      key.prefix = generated.prefix;
      key.revision += 1;
      await manager.save(key);
      await this.recordChange(manager, actor, 'key.rotated', keyId, now, {
        previousPrefix,
        prefix: generated.prefix,
        gracePeriodSeconds,
        previousSecretValidUntil: validUntil.toISOString(),
      });
      return this.viewIn(manager, keyId, now);
    });
    this.deps.onCommitted();
    return { ...result, key: plaintext };
  }

  /** Revokes for good. Revoking a revoked key changes nothing and answers the key as it is. */
  async revoke(keyId: string, actor: AuditActor): Promise<ApiKeyView> {
    const now = this.deps.clock();
    let changed = false;
    const result = await this.deps.dataSource.transaction(async (manager) => {
      const key = await this.requireKey(manager, keyId, true);
      if (key.status !== 'revoked') {
        const previousStatus = key.status;
        key.status = 'revoked';
        key.revokedAt = now;
        key.revision += 1;
        await manager.save(key);
        await this.recordChange(manager, actor, 'key.revoked', keyId, now, { previousStatus });
        changed = true;
      }
      return this.viewIn(manager, keyId, now);
    });
    if (changed) this.deps.onCommitted();
    return result;
  }

  /** Changes scopes, limits, expiry, name or suspension. A change to the values already held writes nothing. */
  async update(keyId: string, body: unknown, actor: AuditActor): Promise<ApiKeyView> {
    const now = this.deps.clock();
    const changes = parseApiKeyChanges(body, now);
    let changed = false;
    const result = await this.deps.dataSource.transaction(async (manager) => {
      const key = await this.requireKey(manager, keyId, true);
      refuseIfRevoked(key);
      const diff = applyChanges(key, changes);
      if (Object.keys(diff).length > 0) {
        key.revision += 1;
        await manager.save(key);
        await this.recordChange(manager, actor, 'key.updated', keyId, now, { changes: diff });
        changed = true;
      }
      return this.viewIn(manager, keyId, now);
    });
    if (changed) this.deps.onCommitted();
    return result;
  }

  /**
   * The key's protective settings, read inside the caller's transaction with the key row locked (so a
   * change decided from them is applied to exactly these values). 404 for an unknown key.
   */
  async protectionStateIn(manager: EntityManager, keyId: string): Promise<KeyProtectionState> {
    const key = await this.requireKey(manager, keyId, true);
    const secret = await newestSecret(manager, keyId);
    return {
      customerId: key.customerId,
      status: key.status as KeyProtectionState['status'],
      rateLimit:
        key.rateLimitRate === null || key.rateLimitBurst === null
          ? null
          : { rate: key.rateLimitRate, burst: key.rateLimitBurst },
      currentSecret: { prefix: key.prefix, validUntil: secret?.validUntil?.toISOString() ?? null },
    };
  }

  /**
   * Applies a protective change (an alert's action or its revert) inside the caller's transaction: bumps the
   * revision, writes the audit entry and queues the registry snapshot, like every other change. Call
   * `notifyCommitted()` after the transaction commits. A revoked key is refused.
   */
  async changeProtectionIn(
    manager: EntityManager,
    keyId: string,
    change: KeyProtectionChange,
    actor: AuditActor,
    action: 'key.protection_applied' | 'key.protection_reverted',
    details: Record<string, unknown>,
    now: Date,
  ): Promise<void> {
    const key = await this.requireKey(manager, keyId, true);
    refuseIfRevoked(key);
    if (change.status !== undefined) key.status = change.status;
    if (change.rateLimit !== undefined) Object.assign(key, rateLimitColumns(change.rateLimit));
    if (change.currentSecretValidUntil !== undefined) {
      const secret = await newestSecret(manager, keyId);
      if (secret !== null) {
        await manager.update(
          ApiKeySecretEntity,
          { id: secret.id },
          { validUntil: change.currentSecretValidUntil },
        );
      }
    }
    key.revision += 1;
    await manager.save(key);
    await this.recordChange(manager, actor, action, keyId, now, details);
  }

  /** Wakes the registry publisher after a transaction that used `changeProtectionIn` committed. */
  notifyCommitted(): void {
    this.deps.onCommitted();
  }

  private async recordChange(
    manager: EntityManager,
    actor: AuditActor,
    action: AuditAction,
    keyId: string,
    now: Date,
    details: Record<string, unknown>,
  ): Promise<void> {
    await writeAuditEntry(manager, actor, action, { type: 'api_key', id: keyId }, details, now);
    await this.deps.registry.enqueueApiKey(manager, keyId, now);
  }

  private async viewIn(manager: EntityManager, keyId: string, now: Date): Promise<ApiKeyView> {
    const key = await manager.findOneByOrFail(ApiKeyEntity, { id: keyId });
    const secrets = await manager.findBy(ApiKeySecretEntity, { keyId, validUntil: MoreThan(now) });
    const lastUsed = await this.deps.lastUsedAt.lastUsedAt([keyId]);
    return toApiKeyView(key, secrets, lastUsed.get(keyId), now);
  }

  private async requireKey(manager: EntityManager, keyId: string, lock: boolean): Promise<ApiKeyEntity> {
    const key = isUuid(keyId)
      ? await manager.findOne(ApiKeyEntity, {
          where: { id: keyId },
          ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
        })
      : null;
    if (key === null) throw ApiError.notFound(`key ${JSON.stringify(keyId)}`);
    return key;
  }

  private async requireCustomer(customerId: string): Promise<void> {
    const exists = isUuid(customerId)
      ? await this.deps.dataSource.manager.existsBy(CustomerEntity, { id: customerId })
      : false;
    if (!exists) throw ApiError.notFound(`customer ${JSON.stringify(customerId)}`);
  }
}

/** The current secret: the newest one (a rotation inserts the new secret last). */
function newestSecret(manager: EntityManager, keyId: string): Promise<ApiKeySecretEntity | null> {
  return manager.findOne(ApiKeySecretEntity, { where: { keyId }, order: { createdAt: 'DESC', id: 'DESC' } });
}

function refuseIfRevoked(key: ApiKeyEntity): void {
  if (key.status === 'revoked') {
    throw new ApiError(HttpStatus.CONFLICT, 'key_revoked', `key ${key.id} is revoked; revocation is final`);
  }
}

function rateLimitColumns(
  rateLimit: RateLimit | null,
): Pick<ApiKeyEntity, 'rateLimitRate' | 'rateLimitBurst'> {
  return { rateLimitRate: rateLimit?.rate ?? null, rateLimitBurst: rateLimit?.burst ?? null };
}

function quotaColumns(quotas: KeyQuotas): Pick<ApiKeyEntity, 'quotaRequestsPerDay' | 'quotaCreditsPerMonth'> {
  return {
    quotaRequestsPerDay: quotas.requestsPerDay === null ? null : String(quotas.requestsPerDay),
    quotaCreditsPerMonth: quotas.creditsPerMonth,
  };
}

/** Applies the changes to the entity; returns `{ field: { from, to } }` for what actually differs. */
function applyChanges(
  key: ApiKeyEntity,
  changes: ApiKeyChanges,
): Record<string, { from: unknown; to: unknown }> {
  const diff: Record<string, { from: unknown; to: unknown }> = {};
  const note = (field: string, from: unknown, to: unknown): void => {
    if (JSON.stringify(from) !== JSON.stringify(to)) diff[field] = { from, to };
  };
  if (changes.name !== undefined) {
    note('name', key.name, changes.name);
    key.name = changes.name;
  }
  if (changes.status !== undefined) {
    note('status', key.status, changes.status);
    key.status = changes.status;
  }
  if (changes.scopes !== undefined) {
    note('scopes', key.scopes, changes.scopes);
    key.scopes = changes.scopes;
  }
  if (changes.expiresAt !== undefined) {
    note('expiresAt', key.expiresAt?.toISOString() ?? null, changes.expiresAt?.toISOString() ?? null);
    key.expiresAt = changes.expiresAt;
  }
  if (changes.rateLimit !== undefined) {
    const before = rateLimitColumns(
      key.rateLimitRate === null ? null : { rate: key.rateLimitRate, burst: key.rateLimitBurst! },
    );
    const after = rateLimitColumns(changes.rateLimit);
    note(
      'rateLimit',
      before.rateLimitRate === null ? null : { rate: before.rateLimitRate, burst: before.rateLimitBurst },
      changes.rateLimit,
    );
    Object.assign(key, after);
  }
  if (changes.quotas !== undefined) {
    note(
      'quotas',
      {
        requestsPerDay: key.quotaRequestsPerDay === null ? null : Number(key.quotaRequestsPerDay),
        creditsPerMonth: key.quotaCreditsPerMonth,
      },
      changes.quotas,
    );
    Object.assign(key, quotaColumns(changes.quotas));
  }
  return diff;
}
