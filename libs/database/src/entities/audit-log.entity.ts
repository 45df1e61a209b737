import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Who changed what, when. Written in the transaction of the change it records. `details` holds the changed
 * settings, never a secret or a hash.
 */
@Entity({ name: 'audit_log' })
@Index('audit_log_subject_idx', ['subjectType', 'subjectId', 'id'])
export class AuditLogEntity {
  /** bigserial: the order entries were written in; the driver returns it as a string. */
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'audit_log_pkey' })
  id!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt!: Date;

  /** `admin_token` (id and label of the token) or `system` (start-up, automatic protection). */
  @Column({ name: 'actor_type', type: 'text' })
  actorType!: string;

  @Column({ name: 'actor_id', type: 'text', nullable: true })
  actorId!: string | null;

  @Column({ name: 'actor_label', type: 'text' })
  actorLabel!: string;

  /** e.g. `customer.created`, `key.created`, `key.rotated`, `key.updated`, `key.revoked`. */
  @Column({ type: 'text' })
  action!: string;

  /** `customer`, `api_key`, `ingest_token` or `admin_token`. */
  @Column({ name: 'subject_type', type: 'text' })
  subjectType!: string;

  @Column({ name: 'subject_id', type: 'text' })
  subjectId!: string;

  @Column({ type: 'jsonb' })
  details!: Record<string, unknown>;
}
