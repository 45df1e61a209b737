import { dec, formatAmount, parseAmount, type Dec } from '../money';
import { checkCurrency, collect, isList } from './input-checks';
import {
  commitmentTrueUpLine,
  fixedFeeLine,
  sumUsageLines,
  type AdjustmentLine,
  type InvoiceLine,
} from './invoice-lines';
import { fieldPath, InvalidPricingInputError, type FieldError } from './pricing-errors';
import type { ProrationFactor } from './proration';
import type { UsageLine } from './usage-line';

/** A plan charge for the period, prorated when the subscription covers only part of it. */
export interface ProratedCharge {
  amount: string;
  prorationFactor?: ProrationFactor;
}

export interface InvoicePricingInput {
  currency: string;
  /** Priced usage lines (from `priceMeterLine` / `pricePeriodParts`). */
  usage?: readonly UsageLine[];
  fixedFee?: ProratedCharge | null;
  minimumCommitment?: ProratedCharge | null;
  adjustments?: readonly AdjustmentLine[];
}

export interface PricedInvoice {
  currency: string;
  /** Fixed fee, usage lines, commitment true-up (when due), adjustments — in that order. */
  lines: InvoiceLine[];
  /** Σ usage line amounts. */
  usageTotal: string;
  /** Σ line amounts, exactly: every line is already at the minor unit, so nothing is rounded here. */
  total: string;
}

/**
 * Assembles an invoice from its lines. Each line was rounded once to the minor unit when it was priced;
 * the total is their exact sum. Errors name the offending field (`usage[1].currency`, `fixedFee.amount`).
 */
export function priceInvoice(input: InvoicePricingInput): PricedInvoice {
  const errors: FieldError[] = [];
  const currency = checkCurrency(input.currency, 'currency', errors);
  if (currency === undefined) {
    throw new InvalidPricingInputError(errors);
  }
  const usage = input.usage ?? [];
  const usageTotal = sumUsageLines(usage, currency, 'usage', errors);
  const adjustments = input.adjustments ?? [];
  checkAdjustments(adjustments, currency, errors);

  const fixedFeeCharge = input.fixedFee;
  const fixedFee =
    fixedFeeCharge == null
      ? undefined
      : collectPricing(errors, () =>
          fixedFeeLine(fixedFeeCharge.amount, currency, fixedFeeCharge.prorationFactor),
        );
  const commitmentCharge = input.minimumCommitment;
  const commitment =
    commitmentCharge == null || usageTotal === undefined
      ? undefined
      : collectPricing(errors, () =>
          commitmentTrueUpLine(commitmentCharge.amount, usage, currency, commitmentCharge.prorationFactor),
        );
  if (errors.length > 0 || usageTotal === undefined) {
    throw new InvalidPricingInputError(errors);
  }

  const lines: InvoiceLine[] = [
    ...(fixedFee ? [fixedFee] : []),
    ...usage,
    ...(commitment ? [commitment] : []),
    ...adjustments,
  ];
  const total = lines.reduce((sum: Dec, line) => sum.plus(line.amount), dec(0));
  return {
    currency,
    lines,
    usageTotal: formatAmount(usageTotal, currency),
    total: formatAmount(total, currency),
  };
}

function checkAdjustments(
  adjustments: readonly AdjustmentLine[],
  currency: string,
  errors: FieldError[],
): void {
  if (!isList(adjustments)) {
    errors.push({ field: 'adjustments', message: 'must be an array of adjustment lines' });
    return;
  }
  adjustments.forEach((line, index) => {
    const path = fieldPath('adjustments', index);
    if (line?.kind !== 'adjustment') {
      errors.push({ field: fieldPath(path, 'kind'), message: 'must be "adjustment"' });
    } else if (line.currency !== currency) {
      errors.push({
        field: fieldPath(path, 'currency'),
        message: `must be the invoice currency ${currency}`,
      });
    } else {
      collect(errors, () =>
        parseAmount(line.amount, currency, fieldPath(path, 'amount'), { allowNegative: true }),
      );
    }
  });
}

/** Runs a line builder, keeping its field errors instead of stopping at the first failing charge. */
function collectPricing<T>(errors: FieldError[], build: () => T): T | undefined {
  try {
    return build();
  } catch (error) {
    if (error instanceof InvalidPricingInputError) {
      errors.push(...error.errors);
      return undefined;
    }
    throw error;
  }
}
