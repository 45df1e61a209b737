import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { PlanEntity } from './plan.entity';

/** The price model of one meter of a plan. Tiered models keep their tiers in `plan_price_tiers`. */
@Entity({ name: 'plan_meter_prices' })
@Check('plan_meter_prices_meter_known', `"meter" IN ('requests', 'credits', 'egress_bytes')`)
@Check('plan_meter_prices_model_known', `"model" IN ('per_unit', 'graduated', 'volume', 'package')`)
export class PlanMeterPriceEntity {
  @PrimaryColumn({ name: 'plan_id', type: 'uuid', primaryKeyConstraintName: 'plan_meter_prices_pkey' })
  planId!: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'plan_meter_prices_pkey' })
  meter!: string;

  @ManyToOne(() => PlanEntity, (plan) => plan.prices, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'plan_id', foreignKeyConstraintName: 'plan_meter_prices_plan_id_fkey' })
  plan?: PlanEntity;

  /** `per_unit`, `graduated`, `volume` or `package`. */
  @Column({ type: 'text' })
  model!: string;

  @Column({ name: 'free_units', type: 'numeric' })
  freeUnits!: string;

  /** per_unit only. */
  @Column({ name: 'unit_price', type: 'numeric', nullable: true })
  unitPrice!: string | null;

  /** package only. */
  @Column({ name: 'package_size', type: 'numeric', nullable: true })
  packageSize!: string | null;

  /** package only. */
  @Column({ name: 'package_price', type: 'numeric', nullable: true })
  packagePrice!: string | null;
}
