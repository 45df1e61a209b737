import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AuditLogEntity } from '@keymeter/database';

/** Who made a change: an admin token (by id and label, never its value) or the system itself. */
export type AuditActor =
  | { readonly type: 'admin_token'; readonly id: string; readonly label: string }
  | { readonly type: 'system'; readonly label: string };

export type AuditSubjectType = 'customer' | 'api_key' | 'ingest_token' | 'admin_token' | 'portal_link';

export type AuditAction =
  | 'customer.created'
  | 'key.created'
  | 'key.rotated'
  | 'key.updated'
  | 'key.revoked'
  | 'key.protection_applied'
  | 'key.protection_reverted'
  | 'ingest_token.created'
  | 'ingest_token.rotated'
  | 'ingest_token.revoked'
  | 'admin_token.created'
  | 'portal_link.created'
  | 'portal_link.revoked';

export interface AuditEntryView {
  readonly id: string;
  readonly occurredAt: string;
  readonly actor: { readonly type: string; readonly id: string | null; readonly label: string };
  readonly action: string;
  readonly subject: { readonly type: string; readonly id: string };
  readonly details: Record<string, unknown>;
}

/**
 * Appends an audit entry through `manager`, i.e. inside the caller's transaction: the entry exists exactly
 * when the change does. `details` must hold settings only, never a secret or a hash.
 */
export async function writeAuditEntry(
  manager: EntityManager,
  actor: AuditActor,
  action: AuditAction,
  subject: { readonly type: AuditSubjectType; readonly id: string },
  details: Record<string, unknown>,
  occurredAt: Date,
): Promise<void> {
  const entry: QueryDeepPartialEntity<AuditLogEntity> = {
    occurredAt,
    actorType: actor.type,
    actorId: actor.type === 'admin_token' ? actor.id : null,
    actorLabel: actor.label,
    action,
    subjectType: subject.type,
    subjectId: subject.id,
    // jsonb: TypeORM's deep-partial type cannot express an open record.
    details: details as QueryDeepPartialEntity<Record<string, unknown>>,
  };
  await manager.insert(AuditLogEntity, entry);
}

export function toAuditEntryView(entry: AuditLogEntity): AuditEntryView {
  return {
    id: entry.id,
    occurredAt: entry.occurredAt.toISOString(),
    actor: { type: entry.actorType, id: entry.actorId, label: entry.actorLabel },
    action: entry.action,
    subject: { type: entry.subjectType, id: entry.subjectId },
    details: entry.details,
  };
}
