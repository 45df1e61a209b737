import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { ApiKeyEntity } from './api-key.entity';
import { CustomerEntity } from './customer.entity';

/**
 * An anomaly alert on one key: open → acknowledged → resolved. At most one alert per key and kind is not
 * resolved (partial unique index). Created by the CreateAlerts migration; this mapping must agree with it.
 */
@Entity({ name: 'alerts' })
@Index('alerts_one_unresolved_per_key_kind', ['keyId', 'kind'], {
  unique: true,
  where: `"status" <> 'resolved'`,
})
@Index('alerts_customer_opened_idx', ['customerId', 'openedAt', 'id'])
@Index('alerts_opened_idx', ['openedAt', 'id'])
@Check('alerts_severity_known', `"severity" IN ('low', 'medium', 'high', 'critical')`)
@Check('alerts_status_known', `"status" IN ('open', 'acknowledged', 'resolved')`)
@Check('alerts_acknowledged_complete', `("acknowledged_at" IS NULL) = ("acknowledged_by" IS NULL)`)
@Check('alerts_resolved_set', `("status" = 'resolved') = ("resolved_at" IS NOT NULL)`)
export class AlertEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'alerts_pkey' })
  id!: string;

  @Column({ name: 'customer_id', type: 'uuid' })
  customerId!: string;

  @ManyToOne(() => CustomerEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'alerts_customer_id_fkey' })
  customer?: CustomerEntity;

  @Column({ name: 'key_id', type: 'uuid' })
  keyId!: string;

  @ManyToOne(() => ApiKeyEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'key_id', foreignKeyConstraintName: 'alerts_key_id_fkey' })
  key?: ApiKeyEntity;

  /** An anomaly kind of the domain (`traffic_spike`, `auth_failure_burst`, …). */
  @Column({ type: 'text' })
  kind!: string;

  /** The highest severity seen while the alert was not resolved. */
  @Column({ type: 'text' })
  severity!: string;

  @Column({ type: 'text' })
  status!: string;

  @Column({ type: 'text' })
  summary!: string;

  /** The latest finding's numbers: observed, expected, window (epoch minutes) and detector details. */
  @Column({ type: 'jsonb' })
  evidence!: Record<string, unknown>;

  /** Evaluated minutes in which the condition was seen. */
  @Column({ type: 'integer', default: 1 })
  occurrences!: number;

  @Column({ name: 'opened_at', type: 'timestamptz' })
  openedAt!: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt!: Date;

  /** Since when the condition has not been seen; null while it is. */
  @Column({ name: 'condition_cleared_at', type: 'timestamptz', nullable: true })
  conditionClearedAt!: Date | null;

  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true })
  acknowledgedAt!: Date | null;

  @Column({ name: 'acknowledged_by', type: 'text', nullable: true })
  acknowledgedBy!: string | null;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;

  /** The admin token's label, or `system` for an automatic resolution. */
  @Column({ name: 'resolved_by', type: 'text', nullable: true })
  resolvedBy!: string | null;

  @Column({ name: 'resolution_reason', type: 'text', nullable: true })
  resolutionReason!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
