export type {
  GraduatedPriceModel,
  PackagePriceModel,
  PerUnitPriceModel,
  PriceModel,
  PriceModelType,
  PriceTier,
  QuantityValue,
  VolumePriceModel,
} from './price-model';
export { PRICE_MODEL_TYPES } from './price-model';
export { InvalidPricingInputError, type FieldError } from './pricing-errors';
export { validatePriceModel, type PriceModelValidation } from './validate-price-model';
export type { QuantityInput } from './input-checks';
export type {
  LineComponent,
  PackageCharge,
  PeriodPartInfo,
  TierCharge,
  TierMode,
  UsageLine,
} from './usage-line';
export {
  priceMeterLine,
  pricePeriodParts,
  type PeriodPart,
  type PeriodPartsOptions,
} from './price-meter-line';
export { parseProrationFactor, type ParsedProration, type ProrationFactor } from './proration';
export {
  adjustmentLine,
  commitmentTrueUpLine,
  fixedFeeLine,
  type AdjustmentLine,
  type CommitmentTrueUpLine,
  type FixedFeeLine,
  type InvoiceLine,
} from './invoice-lines';
export {
  priceInvoice,
  type InvoicePricingInput,
  type PricedInvoice,
  type ProratedCharge,
} from './price-invoice';
