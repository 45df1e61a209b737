import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { CustomerEntity } from './customer.entity';

/** A customer's alert policy: which alert kinds trigger which protective action. One row per customer. */
@Entity({ name: 'alert_policies' })
export class AlertPolicyEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'uuid', primaryKeyConstraintName: 'alert_policies_pkey' })
  customerId!: string;

  @ManyToOne(() => CustomerEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'alert_policies_customer_id_fkey' })
  customer?: CustomerEntity;

  /** Validated rules `{ kind, minSeverity, action }` (libs/alerts, alert-policy-input). */
  @Column({ type: 'jsonb' })
  rules!: unknown[];

  /** Validated detection threshold overrides (`ThresholdOverrides` of the domain); `{}` for none. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  thresholds!: Record<string, unknown>;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ name: 'updated_by', type: 'text' })
  updatedBy!: string;
}
