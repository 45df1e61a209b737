import { Check, Column, CreateDateColumn, Entity, OneToMany, PrimaryGeneratedColumn } from 'typeorm';
import { PlanMeterPriceEntity } from './plan-meter-price.entity';
import { PlanPriceTierEntity } from './plan-price-tier.entity';

/**
 * A price plan: currency, optional recurring fee and minimum commitment, and a price model per meter
 * (rows of `plan_meter_prices`, tiers in `plan_price_tiers`). Plans never change once created, so an
 * invoice can always be re-derived from them. Created by the CreateBilling migration.
 */
@Entity({ name: 'plans' })
@Check('plans_name_not_blank', `length(btrim("name")) > 0`)
@Check('plans_currency_iso4217', `"currency" ~ '^[A-Z]{3}$'`)
@Check('plans_fixed_fee_not_negative', `"fixed_fee" >= 0`)
@Check('plans_minimum_commitment_not_negative', `"minimum_commitment" >= 0`)
export class PlanEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'plans_pkey' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  /** Recurring fee for a whole period, at the currency's minor unit. */
  @Column({ name: 'fixed_fee', type: 'numeric', nullable: true })
  fixedFee!: string | null;

  @Column({ name: 'minimum_commitment', type: 'numeric', nullable: true })
  minimumCommitment!: string | null;

  @OneToMany(() => PlanMeterPriceEntity, (price) => price.plan, { cascade: ['insert'] })
  prices?: PlanMeterPriceEntity[];

  @OneToMany(() => PlanPriceTierEntity, (tier) => tier.plan, { cascade: ['insert'] })
  tiers?: PlanPriceTierEntity[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
