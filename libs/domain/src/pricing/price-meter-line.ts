import { dec, formatAmount, roundToMinor, toDecimalString, type Dec } from '../money';
import { chargeRange, type RangeCharge } from './charge-range';
import { checkCurrency, checkQuantity, isList, type QuantityInput } from './input-checks';
import type { PriceModel } from './price-model';
import { fieldPath, InvalidPricingInputError, type FieldError } from './pricing-errors';
import type { PeriodPartInfo, TierMode, UsageLine } from './usage-line';
import { readPriceModel, type ParsedPriceModel } from './validate-price-model';

/**
 * Prices one meter's usage for a whole period. The line amount is the exact sum of the breakdown, rounded
 * once (half-up) to the currency's minor unit. Throws {@link InvalidPricingInputError} naming each bad field
 * (`currency`, `quantity`, `model.tiers[2].upTo`, …).
 */
export function priceMeterLine(model: PriceModel, quantity: QuantityInput, currency: string): UsageLine {
  const errors: FieldError[] = [];
  const checkedCurrency = checkCurrency(currency, 'currency', errors);
  const parsedModel = readPriceModel(model, 'model', errors);
  const parsedQuantity = checkQuantity(quantity, 'quantity', errors);
  if (errors.length > 0 || !checkedCurrency || !parsedModel || !parsedQuantity) {
    throw new InvalidPricingInputError(errors);
  }
  const charge = chargeRange(parsedModel, dec(0), parsedQuantity, checkedCurrency);
  const amount = roundToMinor(charge.amount, checkedCurrency);
  return usageLine(parsedModel, dec(0), parsedQuantity, charge, amount, checkedCurrency);
}

export interface PeriodPart {
  model: PriceModel;
  quantity: QuantityInput;
}

export interface PeriodPartsOptions {
  tierMode: TierMode;
  currency: string;
}

/**
 * Prices a period split into consecutive parts (e.g. a plan change mid-period), one line per part.
 *
 * - `per-part`: every part is priced as a period of its own: tiers, allowance and package blocks restart.
 * - `continuous`: the parts are one stream of usage. Part k is priced from the cumulative quantity of the
 *   parts before it, with its own model: tier consumption, the allowance and started package blocks carry
 *   over, and a tier's flat fee is charged only in the part that enters the tier. With the same model in
 *   every part the parts add up to exactly the whole period's price. Part k's amount is
 *   round(exact total of parts 0..k) − round(exact total of parts 0..k−1), so rounding happens once for the
 *   whole stream and the rounded parts also add up to the whole. Volume prices depend on the total
 *   quantity only and are rejected in this mode.
 */
export function pricePeriodParts(parts: readonly PeriodPart[], options: PeriodPartsOptions): UsageLine[] {
  const errors: FieldError[] = [];
  const currency = checkCurrency(options.currency, 'currency', errors);
  const tierMode = options.tierMode;
  if (tierMode !== 'per-part' && tierMode !== 'continuous') {
    errors.push({ field: 'tierMode', message: 'must be "per-part" or "continuous"' });
  }
  if (!isList(parts) || parts.length === 0) {
    errors.push({ field: 'parts', message: 'must be a non-empty array' });
    throw new InvalidPricingInputError(errors);
  }
  const parsedParts = parts.map((part, index) => {
    const path = fieldPath('parts', index);
    const model = readPriceModel(part?.model, fieldPath(path, 'model'), errors);
    const quantity = checkQuantity(part?.quantity, fieldPath(path, 'quantity'), errors);
    if (tierMode === 'continuous' && model?.type === 'volume') {
      errors.push({
        field: fieldPath(fieldPath(path, 'model'), 'type'),
        message:
          'volume prices depend on the whole quantity and cannot be continued across parts; use tierMode "per-part"',
      });
    }
    return { model, quantity };
  });
  if (errors.length > 0 || currency === undefined) {
    throw new InvalidPricingInputError(errors);
  }

  const lines: UsageLine[] = [];
  let position = dec(0);
  let exactSoFar = dec(0);
  parsedParts.forEach(({ model, quantity }, index) => {
    // Both are defined here: any missing one was reported as an error above.
    const partModel = model as ParsedPriceModel;
    const partQuantity = quantity as Dec;
    const part = { index, tierMode };
    if (tierMode === 'per-part') {
      const charge = chargeRange(partModel, dec(0), partQuantity, currency);
      lines.push(
        usageLine(
          partModel,
          dec(0),
          partQuantity,
          charge,
          roundToMinor(charge.amount, currency),
          currency,
          part,
        ),
      );
      return;
    }
    const from = position;
    position = position.plus(partQuantity);
    const charge = chargeRange(partModel, from, position, currency);
    const roundedBefore = roundToMinor(exactSoFar, currency);
    exactSoFar = exactSoFar.plus(charge.amount);
    const amount = roundToMinor(exactSoFar, currency).minus(roundedBefore);
    lines.push(usageLine(partModel, from, position, charge, amount, currency, part));
  });
  return lines;
}

function usageLine(
  model: ParsedPriceModel,
  from: Dec,
  to: Dec,
  charge: RangeCharge,
  amount: Dec,
  currency: string,
  part?: Pick<PeriodPartInfo, 'index' | 'tierMode'>,
): UsageLine {
  const line: UsageLine = {
    kind: 'usage',
    currency,
    priceModel: model.type,
    quantity: toDecimalString(to.minus(from)),
    freeUnitsApplied: toDecimalString(charge.freeUnitsApplied),
    billableQuantity: toDecimalString(charge.billableQuantity),
    breakdown: charge.breakdown,
    unroundedAmount: toDecimalString(charge.amount),
    amount: formatAmount(amount, currency),
  };
  if (part !== undefined) {
    line.part = { ...part, cumulativeFrom: toDecimalString(from), cumulativeTo: toDecimalString(to) };
  }
  return line;
}
