import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A customer's alert policy: which alert kinds trigger which protective action. One row per customer. */
@Entity({ name: 'alert_policies' })
export class AlertPolicyEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'uuid', primaryKeyConstraintName: 'alert_policies_pkey' })
  customerId!: string;

  /** Validated rules `{ kind, minSeverity, action }` (libs/alerts, alert-policy-input). */
  @Column({ type: 'jsonb' })
  rules!: unknown[];

  /** Validated detection threshold overrides (`ThresholdOverrides` of the domain); `{}` for none. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  thresholds!: Record<string, unknown>;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'updated_by', type: 'text' })
  updatedBy!: string;
}
