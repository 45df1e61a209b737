/**
 * Price models for one meter. Plain JSON-shaped data: prices are decimal strings, quantity-like fields
 * (allowances, tier bounds, package sizes) are decimal strings or safe integers. Validate untrusted input
 * with `validatePriceModel` before storing it; the pricing functions validate again before use.
 */

/** A non-negative quantity: a decimal string ("1000", "0.5") or a safe integer. */
export type QuantityValue = string | number;

/**
 * One tier of a tiered price. Tiers are listed in ascending order; `upTo` is the INCLUSIVE upper bound of
 * the tier (as Stripe's `up_to`): tiers `[{upTo: 1000}, {upTo: null}]` price units 1–1000 in the first
 * tier and units 1001 and above in the second. The last tier has `upTo: null` (unbounded).
 */
export interface PriceTier {
  upTo: QuantityValue | null;
  /** Price per unit in this tier, up to 12 fractional digits. */
  unitPrice: string;
  /** Charged once when usage enters the tier (graduated) or falls in it (volume). Defaults to 0. */
  flatFee?: string;
}

interface Allowance {
  /** Units free of charge, subtracted from the quantity before any price applies. Defaults to 0. */
  freeUnits?: QuantityValue;
}

/** Every billable unit at the same price. */
export interface PerUnitPriceModel extends Allowance {
  type: 'per_unit';
  unitPrice: string;
}

/** Each unit priced by the tier it falls in; tier flat fees are charged for each tier reached. */
export interface GraduatedPriceModel extends Allowance {
  type: 'graduated';
  tiers: PriceTier[];
}

/** The tier the total billable quantity falls in prices every unit, plus that tier's flat fee. */
export interface VolumePriceModel extends Allowance {
  type: 'volume';
  tiers: PriceTier[];
}

/** Blocks of `packageSize` units at `packagePrice` per block; a started block is a whole block. */
export interface PackagePriceModel extends Allowance {
  type: 'package';
  /** Units per block: a whole number ≥ 1. */
  packageSize: QuantityValue;
  packagePrice: string;
}

export type PriceModel = PerUnitPriceModel | GraduatedPriceModel | VolumePriceModel | PackagePriceModel;

export type PriceModelType = PriceModel['type'];

export const PRICE_MODEL_TYPES: readonly PriceModelType[] = Object.freeze([
  'per_unit',
  'graduated',
  'volume',
  'package',
]);
