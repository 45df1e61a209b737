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
 * An anomaly alert on one key, or on one source network (`network` set, no customer or key: an auth-failure
 * burst from calls whose key is unknown): open → acknowledged → resolved. At most one alert per key (or
 * network) and kind is not resolved (partial unique indexes). Created by the CreateAlerts and AddNetworkAlerts
 * migrations; this mapping must agree with them.
 */
@Entity({ name: 'alerts' })
@Index('alerts_one_unresolved_per_key_kind', ['keyId', 'kind'], {
  unique: true,
  where: `"status" <> 'resolved'`,
})
@Index('alerts_one_unresolved_per_network_kind', ['network', 'kind'], {
  unique: true,
  where: `"status" <> 'resolved' AND "network" IS NOT NULL`,
})
@Index('alerts_customer_opened_idx', ['customerId', 'openedAt', 'id'])
@Index('alerts_opened_idx', ['openedAt', 'id'])
@Check('alerts_severity_known', `"severity" IN ('low', 'medium', 'high', 'critical')`)
@Check('alerts_status_known', `"status" IN ('open', 'acknowledged', 'resolved')`)
@Check('alerts_acknowledged_complete', `("acknowledged_at" IS NULL) = ("acknowledged_by" IS NULL)`)
@Check(
  'alerts_key_or_network_check',
  `("key_id" IS NOT NULL AND "customer_id" IS NOT NULL AND "network" IS NULL)
         OR ("key_id" IS NULL AND "customer_id" IS NULL AND "network" IS NOT NULL)`,
)
@Check('alerts_resolved_set', `("status" = 'resolved') = ("resolved_at" IS NOT NULL)`)
export class AlertEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'alerts_pkey' })
  id!: string;

  /** Null for a network alert. */
  @Column({ name: 'customer_id', type: 'uuid', nullable: true })
  customerId!: string | null;

  @ManyToOne(() => CustomerEntity, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'alerts_customer_id_fkey' })
  customer?: CustomerEntity;

  /** Null for a network alert. */
  @Column({ name: 'key_id', type: 'uuid', nullable: true })
  keyId!: string | null;

  @ManyToOne(() => ApiKeyEntity, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'key_id', foreignKeyConstraintName: 'alerts_key_id_fkey' })
  key?: ApiKeyEntity;

  /** The source network (`203.0.113.0/24`, `2001:db8:1::/48`) of a network alert; null for a key's alert. */
  @Column({ type: 'text', nullable: true })
  network!: string | null;

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
