import { validatePriceModel, type PriceModel } from '@keymeter/domain';
import type { PlanEntity, PlanMeterPriceEntity, PlanPriceTierEntity } from '@keymeter/database';
import { METERS, type Meter, type PlanTerms } from './plan-terms';

type PriceRow = Omit<PlanMeterPriceEntity, 'plan'>;
type TierRow = Omit<PlanPriceTierEntity, 'plan'>;

/** The NUMERIC rows that store a plan's price models. */
export function priceRows(
  planId: string,
  meters: PlanTerms['meters'],
): { prices: PriceRow[]; tiers: TierRow[] } {
  const prices: PriceRow[] = [];
  const tiers: TierRow[] = [];
  for (const meter of METERS) {
    const model = meters[meter];
    if (model === undefined) continue;
    prices.push({
      planId,
      meter,
      model: model.type,
      freeUnits: String(model.freeUnits ?? '0'),
      unitPrice: model.type === 'per_unit' ? model.unitPrice : null,
      packageSize: model.type === 'package' ? String(model.packageSize) : null,
      packagePrice: model.type === 'package' ? model.packagePrice : null,
    });
    if (model.type === 'graduated' || model.type === 'volume') {
      model.tiers.forEach((tier, tierIndex) => {
        tiers.push({
          planId,
          meter,
          tierIndex,
          upTo: tier.upTo === null ? null : String(tier.upTo),
          unitPrice: tier.unitPrice,
          flatFee: tier.flatFee ?? '0',
        });
      });
    }
  }
  return { prices, tiers };
}

/** Reads a plan back from its rows, in the canonical form `validatePriceModel` gives. */
export function planFromRows(
  plan: Pick<PlanEntity, 'id' | 'name' | 'currency' | 'fixedFee' | 'minimumCommitment'>,
  prices: readonly PriceRow[],
  tiers: readonly TierRow[],
): PlanTerms {
  const meters: Partial<Record<Meter, PriceModel>> = {};
  for (const price of prices) {
    const meter = price.meter as Meter;
    const freeUnits = price.freeUnits;
    const modelTiers = tiers
      .filter((tier) => tier.meter === price.meter)
      .sort((a, b) => a.tierIndex - b.tierIndex)
      .map((tier) => ({ upTo: tier.upTo, unitPrice: tier.unitPrice, flatFee: tier.flatFee }));
    const raw =
      price.model === 'per_unit'
        ? { type: price.model, freeUnits, unitPrice: price.unitPrice }
        : price.model === 'package'
          ? { type: price.model, freeUnits, packageSize: price.packageSize, packagePrice: price.packagePrice }
          : { type: price.model, freeUnits, tiers: modelTiers };
    const validation = validatePriceModel(raw, `plans[${plan.id}].meters.${meter}`);
    if (!validation.ok) {
      throw new Error(`stored plan ${plan.id} has an invalid price: ${JSON.stringify(validation.errors)}`);
    }
    meters[meter] = validation.model;
  }
  return {
    id: plan.id,
    name: plan.name,
    currency: plan.currency,
    fixedFee: plan.fixedFee,
    minimumCommitment: plan.minimumCommitment,
    meters,
  };
}
