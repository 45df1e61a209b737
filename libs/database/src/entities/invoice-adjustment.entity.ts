import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { InvoiceEntity } from './invoice.entity';

/**
 * A late-usage adjustment: the line on invoice `invoice_id` that charges (or credits) the difference
 * found for the finalized invoice `source_invoice_id`. The sum over non-void invoices is what has been
 * applied for a source, so the same late usage is never charged twice.
 */
@Entity({ name: 'invoice_adjustments' })
@Unique('invoice_adjustments_invoice_source_key', ['invoiceId', 'sourceInvoiceId'])
export class InvoiceAdjustmentEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'invoice_adjustments_pkey' })
  id!: string;

  @Column({ name: 'invoice_id', type: 'uuid' })
  invoiceId!: string;

  @ManyToOne(() => InvoiceEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'invoice_id', foreignKeyConstraintName: 'invoice_adjustments_invoice_id_fkey' })
  invoice?: InvoiceEntity;

  @Index('invoice_adjustments_source_invoice_id_idx')
  @Column({ name: 'source_invoice_id', type: 'uuid' })
  sourceInvoiceId!: string;

  @ManyToOne(() => InvoiceEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({
    name: 'source_invoice_id',
    foreignKeyConstraintName: 'invoice_adjustments_source_invoice_id_fkey',
  })
  sourceInvoice?: InvoiceEntity;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @Column({ type: 'numeric' })
  amount!: string;

  /** The source invoice's charges re-derived from usage as of `usage_cutoff`. */
  @Column({ name: 'rederived_charges_total', type: 'numeric' })
  rederivedChargesTotal!: string;

  @Column({ name: 'usage_cutoff', type: 'jsonb' })
  usageCutoff!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
