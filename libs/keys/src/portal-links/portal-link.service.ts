import type { DataSource, EntityManager } from 'typeorm';
import { CustomerEntity, PortalLinkEntity } from '@keymeter/database';
import { generateToken, hashesEqual, parseToken, type RandomBytes } from '@keymeter/domain';
import { ApiError } from '@keymeter/platform';
import { writeAuditEntry, type AuditActor } from '../audit/audit-log';
import type { Clock } from '../clock';
import { isUuid } from '../input/fields';
import { parsePortalLinkRequest } from './portal-link-input';

export interface PortalLinkView {
  readonly id: string;
  readonly customerId: string;
  readonly prefix: string;
  readonly status: 'active' | 'expired' | 'revoked';
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
}

export interface PortalLinkWithToken extends PortalLinkView {
  /** The plaintext token, returned once by mint. */
  readonly token: string;
}

/** Why a presented portal token opens nothing. */
export type PortalLinkRejection = 'malformed' | 'bad_checksum' | 'unknown' | 'expired' | 'revoked';

export type PortalLinkAuthentication =
  | { readonly ok: true; readonly linkId: string; readonly customerId: string }
  | { readonly ok: false; readonly reason: PortalLinkRejection };

export interface PortalLinkServiceDeps {
  readonly dataSource: DataSource;
  readonly randomBytes: RandomBytes;
  readonly clock: Clock;
}

/**
 * Portal links: an admin mints a short-lived token for one customer; the customer API accepts it as that
 * customer's read-only identity until it expires or is revoked. Only the hash is stored.
 */
export class PortalLinkService {
  constructor(private readonly deps: PortalLinkServiceDeps) {}

  async mint(customerId: string, body: unknown, actor: AuditActor): Promise<PortalLinkWithToken> {
    const { ttlSeconds } = parsePortalLinkRequest(body);
    const now = this.deps.clock();
    const generated = generateToken('portal', this.deps.randomBytes);
    const link = await this.deps.dataSource.transaction(async (manager) => {
      await requireCustomer(manager, customerId);
      const saved = await manager.save(
        manager.create(PortalLinkEntity, {
          customerId,
          hash: generated.hash,
          prefix: generated.prefix,
          createdAt: now,
          expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
          revokedAt: null,
          createdBy: actor.label,
        }),
      );
      await writeAuditEntry(
        manager,
        actor,
        'portal_link.created',
        { type: 'portal_link', id: saved.id },
        { customerId, prefix: generated.prefix, ttlSeconds },
        now,
      );
      return saved;
    });
    return { ...toView(link, now), token: generated.plaintext };
  }

  async listForCustomer(customerId: string): Promise<PortalLinkView[]> {
    const now = this.deps.clock();
    const links = await this.deps.dataSource.transaction(async (manager) => {
      await requireCustomer(manager, customerId);
      return manager.find(PortalLinkEntity, {
        where: { customerId },
        order: { createdAt: 'DESC', id: 'ASC' },
      });
    });
    return links.map((link) => toView(link, now));
  }

  /** Revokes a link at once; revoking it again changes nothing. */
  async revoke(linkId: string, actor: AuditActor): Promise<PortalLinkView> {
    const now = this.deps.clock();
    const link = await this.deps.dataSource.transaction(async (manager) => {
      const found = isUuid(linkId)
        ? await manager.findOne(PortalLinkEntity, {
            where: { id: linkId },
            lock: { mode: 'pessimistic_write' },
          })
        : null;
      if (found === null) throw ApiError.notFound(`portal link ${JSON.stringify(linkId)}`);
      if (found.revokedAt === null) {
        found.revokedAt = now;
        await manager.save(found);
        await writeAuditEntry(
          manager,
          actor,
          'portal_link.revoked',
          { type: 'portal_link', id: found.id },
          { customerId: found.customerId, prefix: found.prefix },
          now,
        );
      }
      return found;
    });
    return toView(link, now);
  }

  /** The customer a presented portal token opens, or why it opens nothing (format first, then the hash). */
  async authenticate(presented: string): Promise<PortalLinkAuthentication> {
    const parsed = parseToken('portal', presented);
    if (!parsed.ok)
      return { ok: false, reason: parsed.reason === 'bad_checksum' ? 'bad_checksum' : 'malformed' };
    const link = await this.deps.dataSource.getRepository(PortalLinkEntity).findOneBy({ hash: parsed.hash });
    if (link === null || !hashesEqual(link.hash, parsed.hash)) return { ok: false, reason: 'unknown' };
    if (link.revokedAt !== null) return { ok: false, reason: 'revoked' };
    if (link.expiresAt.getTime() <= this.deps.clock().getTime()) return { ok: false, reason: 'expired' };
    return { ok: true, linkId: link.id, customerId: link.customerId };
  }
}

/** Whether a presented credential is meant as a portal token (by its prefix), so it is checked as one. */
export function looksLikePortalToken(presented: string | undefined): presented is string {
  return presented !== undefined && presented.startsWith('km_portal_');
}

async function requireCustomer(manager: EntityManager, customerId: string): Promise<void> {
  const exists = isUuid(customerId) && (await manager.existsBy(CustomerEntity, { id: customerId }));
  if (!exists) throw ApiError.notFound(`customer ${JSON.stringify(customerId)}`);
}

function toView(link: PortalLinkEntity, now: Date): PortalLinkView {
  const status =
    link.revokedAt !== null ? 'revoked' : link.expiresAt.getTime() <= now.getTime() ? 'expired' : 'active';
  return {
    id: link.id,
    customerId: link.customerId,
    prefix: link.prefix,
    status,
    createdAt: link.createdAt.toISOString(),
    expiresAt: link.expiresAt.toISOString(),
    revokedAt: link.revokedAt?.toISOString() ?? null,
  };
}
