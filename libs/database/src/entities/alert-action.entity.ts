import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { AlertEntity } from './alert.entity';

/**
 * A protective action an alert took on its key (tighter rate limit, suspension, required rotation): what it
 * changed and the values before, so a revert restores exactly those. One per alert and type.
 */
@Entity({ name: 'alert_actions' })
@Index('alert_actions_alert_id_idx', ['alertId'])
@Index('alert_actions_one_per_alert_type', ['alertId', 'type'], { unique: true })
@Check('alert_actions_type_known', `"type" IN ('tighten_rate_limit', 'suspend_key', 'require_rotation')`)
@Check('alert_actions_status_known', `"status" IN ('applied', 'reverted')`)
@Check('alert_actions_reverted_set', `("status" = 'reverted') = ("reverted_at" IS NOT NULL)`)
export class AlertActionEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'alert_actions_pkey' })
  id!: string;

  @Column({ name: 'alert_id', type: 'uuid' })
  alertId!: string;

  @ManyToOne(() => AlertEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'alert_id', foreignKeyConstraintName: 'alert_actions_alert_id_fkey' })
  alert?: AlertEntity;

  @Column({ name: 'customer_id', type: 'uuid' })
  customerId!: string;

  @Column({ name: 'key_id', type: 'uuid' })
  keyId!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'text' })
  status!: string;

  /** The key's values before the action (what a revert restores). */
  @Column({ type: 'jsonb' })
  previous!: Record<string, unknown>;

  /** The values the action set. */
  @Column({ type: 'jsonb' })
  applied!: Record<string, unknown>;

  @Column({ name: 'applied_at', type: 'timestamptz' })
  appliedAt!: Date;

  @Column({ name: 'applied_by', type: 'text' })
  appliedBy!: string;

  @Column({ name: 'reverted_at', type: 'timestamptz', nullable: true })
  revertedAt!: Date | null;

  @Column({ name: 'reverted_by', type: 'text', nullable: true })
  revertedBy!: string | null;
}
