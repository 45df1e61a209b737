import { HttpStatus } from '@nestjs/common';
import { MoreThan, type DataSource, type EntityManager } from 'typeorm';
import { IngestTokenEntity, IngestTokenSecretEntity } from '@keymeter/database';
import { generateToken, type RandomBytes } from '@keymeter/domain';
import { ApiError } from '@keymeter/platform';
import { parseRotation } from '../api-keys/api-key-input';
import { writeAuditEntry, type AuditActor } from '../audit/audit-log';
import type { Clock } from '../clock';
import {
  isUuid,
  readText,
  requireObject,
  throwIfIssues,
  unknownPropertyIssues,
  type FieldIssue,
} from '../input/fields';
import type { RegistryOutbox } from '../registry/registry-outbox';
import { replaceCurrentSecret } from '../secrets/replace-current-secret';

export interface IngestTokenView {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly status: 'active' | 'revoked';
  readonly previousSecrets: { readonly prefix: string; readonly validUntil: string }[];
  readonly revision: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly revokedAt: string | null;
}

export interface IngestTokenWithSecret extends IngestTokenView {
  /** The plaintext token, returned by create and rotate only. */
  readonly token: string;
}

export interface IngestTokenServiceDeps {
  readonly dataSource: DataSource;
  readonly registry: RegistryOutbox;
  readonly onCommitted: () => void;
  readonly randomBytes: RandomBytes;
  readonly clock: Clock;
}

const NAME_MAX_LENGTH = 200;

/** Tokens of external gateways for `POST /v1/events`; same storage and registry scheme as API keys. */
export class IngestTokenService {
  constructor(private readonly deps: IngestTokenServiceDeps) {}

  async create(body: unknown, actor: AuditActor): Promise<IngestTokenWithSecret> {
    const input = requireObject(body);
    const issues: FieldIssue[] = unknownPropertyIssues(input, ['name']);
    const name = readText(input.name, 'name', issues, { maxLength: NAME_MAX_LENGTH });
    throwIfIssues(issues);
    const now = this.deps.clock();
    const generated = generateToken('ingest', this.deps.randomBytes);
    const view = await this.deps.dataSource.transaction(async (manager) => {
      const token = await manager.save(
        manager.create(IngestTokenEntity, {
          name: name!,
          prefix: generated.prefix,
          status: 'active',
          revision: 1,
          revokedAt: null,
        }),
      );
      await manager.insert(IngestTokenSecretEntity, {
        tokenId: token.id,
        hash: generated.hash,
        prefix: generated.prefix,
        validUntil: null,
      });
      await this.record(manager, actor, 'ingest_token.created', token.id, now, {
        name,
        prefix: generated.prefix,
      });
      return this.viewIn(manager, token.id, now);
    });
    this.deps.onCommitted();
    return { ...view, token: generated.plaintext };
  }

  async list(): Promise<IngestTokenView[]> {
    const now = this.deps.clock();
    const manager = this.deps.dataSource.manager;
    const tokens = await manager.find(IngestTokenEntity, { order: { createdAt: 'ASC', id: 'ASC' } });
    const secrets = await manager.findBy(IngestTokenSecretEntity, { validUntil: MoreThan(now) });
    return tokens.map((token) =>
      toView(
        token,
        secrets.filter((secret) => secret.tokenId === token.id),
        now,
      ),
    );
  }

  async rotate(tokenId: string, body: unknown, actor: AuditActor): Promise<IngestTokenWithSecret> {
    const { gracePeriodSeconds } = parseRotation(body);
    const now = this.deps.clock();
    const validUntil = new Date(now.getTime() + gracePeriodSeconds * 1000);
    const generated = generateToken('ingest', this.deps.randomBytes);
    const view = await this.deps.dataSource.transaction(async (manager) => {
      const token = await this.requireToken(manager, tokenId);
      if (token.status === 'revoked') {
        throw new ApiError(HttpStatus.CONFLICT, 'token_revoked', `ingest token ${tokenId} is revoked`);
      }
      await replaceCurrentSecret(manager, IngestTokenSecretEntity, { tokenId }, generated, validUntil);
      const previousPrefix = token.prefix;
      token.prefix = generated.prefix;
      token.revision += 1;
      await manager.save(token);
      await this.record(manager, actor, 'ingest_token.rotated', tokenId, now, {
        previousPrefix,
        prefix: generated.prefix,
        gracePeriodSeconds,
        previousSecretValidUntil: validUntil.toISOString(),
      });
      return this.viewIn(manager, tokenId, now);
    });
    this.deps.onCommitted();
    return { ...view, token: generated.plaintext };
  }

  async revoke(tokenId: string, actor: AuditActor): Promise<IngestTokenView> {
    const now = this.deps.clock();
    let changed = false;
    const view = await this.deps.dataSource.transaction(async (manager) => {
      const token = await this.requireToken(manager, tokenId);
      if (token.status !== 'revoked') {
        token.status = 'revoked';
        token.revokedAt = now;
        token.revision += 1;
        await manager.save(token);
        await this.record(manager, actor, 'ingest_token.revoked', tokenId, now, {});
        changed = true;
      }
      return this.viewIn(manager, tokenId, now);
    });
    if (changed) this.deps.onCommitted();
    return view;
  }

  private async record(
    manager: EntityManager,
    actor: AuditActor,
    action: 'ingest_token.created' | 'ingest_token.rotated' | 'ingest_token.revoked',
    tokenId: string,
    now: Date,
    details: Record<string, unknown>,
  ): Promise<void> {
    await writeAuditEntry(manager, actor, action, { type: 'ingest_token', id: tokenId }, details, now);
    await this.deps.registry.enqueueIngestToken(manager, tokenId, now);
  }

  private async viewIn(manager: EntityManager, tokenId: string, now: Date): Promise<IngestTokenView> {
    const token = await manager.findOneByOrFail(IngestTokenEntity, { id: tokenId });
    const secrets = await manager.findBy(IngestTokenSecretEntity, { tokenId, validUntil: MoreThan(now) });
    return toView(token, secrets, now);
  }

  private async requireToken(manager: EntityManager, tokenId: string): Promise<IngestTokenEntity> {
    const token = isUuid(tokenId)
      ? await manager.findOne(IngestTokenEntity, {
          where: { id: tokenId },
          lock: { mode: 'pessimistic_write' },
        })
      : null;
    if (token === null) throw ApiError.notFound(`ingest token ${JSON.stringify(tokenId)}`);
    return token;
  }
}

function toView(
  token: IngestTokenEntity,
  secrets: readonly IngestTokenSecretEntity[],
  now: Date,
): IngestTokenView {
  return {
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    status: token.status as IngestTokenView['status'],
    previousSecrets: secrets
      .filter((secret) => secret.validUntil !== null && secret.validUntil.getTime() > now.getTime())
      .map((secret) => ({ prefix: secret.prefix, validUntil: secret.validUntil!.toISOString() })),
    revision: token.revision,
    createdAt: token.createdAt.toISOString(),
    updatedAt: token.updatedAt.toISOString(),
    revokedAt: token.revokedAt?.toISOString() ?? null,
  };
}
