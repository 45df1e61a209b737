import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { PlanEntity } from './plan.entity';

/** One tier of a graduated or volume price. `up_to` is inclusive; null for the last, unbounded tier. */
@Entity({ name: 'plan_price_tiers' })
export class PlanPriceTierEntity {
  @PrimaryColumn({ name: 'plan_id', type: 'uuid', primaryKeyConstraintName: 'plan_price_tiers_pkey' })
  planId!: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'plan_price_tiers_pkey' })
  meter!: string;

  @PrimaryColumn({ name: 'tier_index', type: 'integer', primaryKeyConstraintName: 'plan_price_tiers_pkey' })
  tierIndex!: number;

  @ManyToOne(() => PlanEntity, (plan) => plan.tiers, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'plan_id', foreignKeyConstraintName: 'plan_price_tiers_plan_id_fkey' })
  plan?: PlanEntity;

  @Column({ name: 'up_to', type: 'numeric', nullable: true })
  upTo!: string | null;

  @Column({ name: 'unit_price', type: 'numeric' })
  unitPrice!: string;

  @Column({ name: 'flat_fee', type: 'numeric' })
  flatFee!: string;
}
