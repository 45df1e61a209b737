import { IsNull, type DataSource } from 'typeorm';
import { AdminTokenEntity } from '@keymeter/database';
import { generateToken, hashApiKey, hashesEqual, type RandomBytes } from '@keymeter/domain';
import { writeAuditEntry, type AuditActor } from '../audit/audit-log';
import type { Clock } from '../clock';

/** The admin behind a request, as recorded in the audit log. */
export interface AdminIdentity {
  readonly tokenId: string;
  readonly label: string;
}

export function adminActor(admin: AdminIdentity): AuditActor {
  return { type: 'admin_token', id: admin.tokenId, label: admin.label };
}

/** Label of the token taken from ADMIN_TOKEN; of a generated one. */
export const CONFIGURED_ADMIN_TOKEN_LABEL = 'ADMIN_TOKEN';
export const GENERATED_ADMIN_TOKEN_LABEL = 'generated at first start';

/** Transaction-scoped advisory lock id: instances starting together bootstrap one token, not two. */
const BOOTSTRAP_LOCK_ID = '7319480527';

export interface AdminTokenBootstrap {
  /** What happened: the configured token was added or already known, one was generated, or nothing. */
  readonly outcome: 'configured_added' | 'configured_present' | 'generated' | 'existing';
}

export interface AdminTokenServiceDeps {
  readonly dataSource: DataSource;
  readonly randomBytes: RandomBytes;
  readonly clock: Clock;
}

/** Bearer tokens of the admin API, stored as SHA-256 hashes. */
export class AdminTokenService {
  constructor(private readonly deps: AdminTokenServiceDeps) {}

  /** The admin a presented bearer token belongs to, or undefined (unknown, revoked or empty). */
  async authenticate(presented: string | undefined): Promise<AdminIdentity | undefined> {
    if (presented === undefined || presented === '') return undefined;
    const hash = hashApiKey(presented);
    const token = await this.deps.dataSource
      .getRepository(AdminTokenEntity)
      .findOneBy({ hash, revokedAt: IsNull() });
    if (token === null || !hashesEqual(token.hash, hash)) return undefined;
    return { tokenId: token.id, label: token.label };
  }

  /**
   * Makes sure the admin API can be used: with `configured` (ADMIN_TOKEN) its hash is stored if missing;
   * without it, when no usable admin token exists yet, one is generated, its hash stored, and the plaintext
   * handed to `showOnce` (which prints it) — the only time it exists outside the operator's hands.
   */
  async bootstrap(
    configured: string | undefined,
    showOnce: (plaintext: string) => void,
  ): Promise<AdminTokenBootstrap> {
    let generated: string | undefined;
    const outcome = await this.deps.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1::bigint)', [BOOTSTRAP_LOCK_ID]);
      const actor: AuditActor = { type: 'system', label: 'billing start-up' };
      if (configured !== undefined && configured !== '') {
        const hash = hashApiKey(configured);
        if (await manager.existsBy(AdminTokenEntity, { hash })) return 'configured_present' as const;
        const token = await manager.save(
          manager.create(AdminTokenEntity, { hash, label: CONFIGURED_ADMIN_TOKEN_LABEL, revokedAt: null }),
        );
        await writeAuditEntry(
          manager,
          actor,
          'admin_token.created',
          { type: 'admin_token', id: token.id },
          { label: token.label, source: 'ADMIN_TOKEN' },
          this.deps.clock(),
        );
        return 'configured_added' as const;
      }
      if (await manager.existsBy(AdminTokenEntity, { revokedAt: IsNull() })) return 'existing' as const;
      const fresh = generateToken('admin', this.deps.randomBytes);
      const token = await manager.save(
        manager.create(AdminTokenEntity, {
          hash: fresh.hash,
          label: GENERATED_ADMIN_TOKEN_LABEL,
          revokedAt: null,
        }),
      );
      await writeAuditEntry(
        manager,
        actor,
        'admin_token.created',
        { type: 'admin_token', id: token.id },
        { label: token.label, source: 'generated', prefix: fresh.prefix },
        this.deps.clock(),
      );
      generated = fresh.plaintext;
      return 'generated' as const;
    });
    // Shown only after the hash is committed, so the printed token always works.
    if (generated !== undefined) showOnce(generated);
    return { outcome };
  }
}
