import type { PriceModel } from '@keymeter/domain';

/** The meters a plan can price, in the order their lines appear on an invoice. */
export const METERS = ['requests', 'credits', 'egress_bytes'] as const;
export type Meter = (typeof METERS)[number];

/** What a plan charges. Amounts and prices are canonical decimal strings. */
export interface PlanTerms {
  id: string;
  name: string;
  currency: string;
  /** Recurring fee for a whole period, in the currency (at its minor unit); null when none. */
  fixedFee: string | null;
  /** Minimum usage amount for a whole period; null when none. */
  minimumCommitment: string | null;
  /** Price model per meter; a meter without a model is not charged. */
  meters: Partial<Record<Meter, PriceModel>>;
}
