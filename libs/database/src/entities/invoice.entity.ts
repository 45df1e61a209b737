import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { CustomerEntity } from './customer.entity';

/**
 * One invoice per customer and billing period: `draft` (recomputed by every run) → `finalized`
 * (never changes again) → `void`. The partial unique index allows one non-void invoice per customer and
 * period, so concurrent runs cannot create two. `usage_cutoff`, `parts` (plan snapshots, ranges, time
 * shares and the exact quantities) and `lines` are what it was computed from and what it charges.
 */
@Entity({ name: 'invoices' })
@Index('invoices_customer_period_key', ['customerId', 'period'], {
  unique: true,
  where: `"status" <> 'void'`,
})
@Index('invoices_period_idx', ['period'])
@Check('invoices_status_known', `"status" IN ('draft', 'finalized', 'void')`)
@Check('invoices_period_format', `"period" ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'`)
@Check('invoices_finalized_at_set', `"status" <> 'finalized' OR "finalized_at" IS NOT NULL`)
@Check('invoices_voided_at_set', `("status" = 'void') = ("voided_at" IS NOT NULL)`)
export class InvoiceEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'invoices_pkey' })
  id!: string;

  @Column({ name: 'customer_id', type: 'uuid' })
  customerId!: string;

  @ManyToOne(() => CustomerEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'invoices_customer_id_fkey' })
  customer?: CustomerEntity;

  /** YYYY-MM in the customer's time zone. */
  @Column({ type: 'text' })
  period!: string;

  @Column({ name: 'period_start', type: 'timestamptz' })
  periodStart!: Date;

  @Column({ name: 'period_end', type: 'timestamptz' })
  periodEnd!: Date;

  /** The customer's time zone when the invoice was computed. */
  @Column({ type: 'text' })
  timezone!: string;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @Column({ type: 'text' })
  status!: string;

  /** `{ asOf, offsets }`: the ingestion watermark the usage was read up to. */
  @Column({ name: 'usage_cutoff', type: 'jsonb' })
  usageCutoff!: Record<string, unknown>;

  @Column({ type: 'jsonb' })
  parts!: unknown[];

  @Column({ type: 'jsonb' })
  lines!: unknown[];

  @Column({ name: 'charges_total', type: 'numeric' })
  chargesTotal!: string;

  @Column({ name: 'adjustments_total', type: 'numeric' })
  adjustmentsTotal!: string;

  @Column({ type: 'numeric' })
  total!: string;

  @Column({ name: 'computed_at', type: 'timestamptz' })
  computedAt!: Date;

  @Column({ name: 'finalized_at', type: 'timestamptz', nullable: true })
  finalizedAt!: Date | null;

  @Column({ name: 'voided_at', type: 'timestamptz', nullable: true })
  voidedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
