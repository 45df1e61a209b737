import type { PriceModelType } from './price-model';

/** Units priced in one tier. `from` (exclusive) and `to` (inclusive) are positions in the billable quantity. */
export interface TierCharge {
  kind: 'tier';
  /** Index of the tier in the price model (0 for per-unit prices). */
  tier: number;
  from: string;
  to: string;
  units: string;
  unitPrice: string;
  /** Flat fee charged in this line for the tier ("0" when none, or when the tier was entered earlier). */
  flatFee: string;
  /** Exact amount: units × unitPrice + flatFee, not rounded. */
  amount: string;
  /** `amount` rounded to the minor unit for display only; the line rounds the exact sum, not these. */
  displayAmount: string;
}

/** Blocks charged by a package price. `from`/`to` are positions in the billable quantity. */
export interface PackageCharge {
  kind: 'package';
  from: string;
  to: string;
  units: string;
  packageSize: string;
  /** Blocks charged in this line: ceil(to / packageSize) − ceil(from / packageSize). */
  packages: string;
  packagePrice: string;
  /** Exact amount: packages × packagePrice. */
  amount: string;
  /** `amount` rounded to the minor unit for display only. */
  displayAmount: string;
}

export type LineComponent = TierCharge | PackageCharge;

export type TierMode = 'per-part' | 'continuous';

/** Where a line sits when a period is priced in parts. */
export interface PeriodPartInfo {
  index: number;
  tierMode: TierMode;
  /** Raw quantity of the earlier parts (continuous mode) or "0" (per-part mode). */
  cumulativeFrom: string;
  /** `cumulativeFrom` + this part's quantity. */
  cumulativeTo: string;
}

/** The charge for one meter's usage (over a period or a part of it). */
export interface UsageLine {
  kind: 'usage';
  currency: string;
  priceModel: PriceModelType;
  /** Usage quantity of this line. */
  quantity: string;
  /** Units of the quantity covered by the free allowance. */
  freeUnitsApplied: string;
  /** quantity − freeUnitsApplied. */
  billableQuantity: string;
  breakdown: LineComponent[];
  /** Exact sum of the breakdown amounts. */
  unroundedAmount: string;
  /** Rounded once to the currency's minor unit; formatted with exactly the currency's fractional digits. */
  amount: string;
  part?: PeriodPartInfo;
}
