import {
  COMPUTED_AMOUNT_INTEGER_DIGITS,
  dec,
  formatAmount,
  parseAmount,
  roundToMinor,
  toDecimalString,
  type Dec,
} from '../money';
import { checkCurrency, collect, isList } from './input-checks';
import { fieldPath, InvalidPricingInputError, type FieldError } from './pricing-errors';
import { parseProrationFactor, type ProrationFactor } from './proration';
import type { UsageLine } from './usage-line';

/** The plan's recurring fee for the period, prorated when the subscription covers part of it. */
export interface FixedFeeLine {
  kind: 'fixed_fee';
  currency: string;
  /** The plan's fee for a full period. */
  fullAmount: string;
  prorationFactor: string;
  /** fullAmount × prorationFactor, exact. */
  unroundedAmount: string;
  /** Rounded once to the minor unit. */
  amount: string;
}

/** Tops usage up to the minimum commitment: prorated commitment − usage total, only when positive. */
export interface CommitmentTrueUpLine {
  kind: 'commitment_true_up';
  currency: string;
  /** The plan's commitment for a full period. */
  commitment: string;
  prorationFactor: string;
  /** commitment × prorationFactor, rounded once to the minor unit. */
  proratedCommitment: string;
  /** Sum of the (already rounded) usage lines. */
  usageTotal: string;
  /** commitment × prorationFactor − usageTotal, exact. */
  unroundedAmount: string;
  /** proratedCommitment − usageTotal. */
  amount: string;
}

/** A correction: late usage for a finalized period (positive) or a credit (negative). */
export interface AdjustmentLine {
  kind: 'adjustment';
  currency: string;
  description: string;
  unroundedAmount: string;
  /** At the minor unit already; the only kind of line that may be negative. */
  amount: string;
}

export type InvoiceLine = UsageLine | FixedFeeLine | CommitmentTrueUpLine | AdjustmentLine;

/** Charge data given with a field name so errors can point at it (`fixedFee.amount`). */
interface Named {
  field?: string;
}

/**
 * The fixed recurring fee line. `fee` is an amount in the currency (at most its minor-unit digits);
 * `prorationFactor` (default 1) scales it for a partial period, and the result is rounded once.
 */
export function fixedFeeLine(
  fee: string,
  currency: string,
  prorationFactor?: ProrationFactor,
  { field = 'fixedFee' }: Named = {},
): FixedFeeLine {
  const errors: FieldError[] = [];
  const checkedCurrency = checkCurrency(currency, 'currency', errors);
  const amount =
    checkedCurrency && collect(errors, () => parseAmount(fee, checkedCurrency, fieldPath(field, 'amount')));
  const factor = collect(errors, () =>
    parseProrationFactor(prorationFactor, fieldPath(field, 'prorationFactor')),
  );
  if (errors.length > 0 || !checkedCurrency || !amount || !factor) {
    throw new InvalidPricingInputError(errors);
  }
  const exact = factor.apply(amount);
  return {
    kind: 'fixed_fee',
    currency: checkedCurrency,
    fullAmount: formatAmount(amount, checkedCurrency),
    prorationFactor: factor.text,
    unroundedAmount: toDecimalString(exact),
    amount: formatAmount(roundToMinor(exact, checkedCurrency), checkedCurrency),
  };
}

/**
 * The minimum-commitment true-up: round(commitment × prorationFactor) − Σ usage line amounts, or null when
 * usage reaches the commitment. Only usage lines count towards the commitment (not the fixed fee, not
 * adjustments, which belong to other periods).
 */
export function commitmentTrueUpLine(
  commitment: string,
  usageLines: readonly UsageLine[],
  currency: string,
  prorationFactor?: ProrationFactor,
  { field = 'minimumCommitment' }: Named = {},
): CommitmentTrueUpLine | null {
  const errors: FieldError[] = [];
  const checkedCurrency = checkCurrency(currency, 'currency', errors);
  const full =
    checkedCurrency &&
    collect(errors, () => parseAmount(commitment, checkedCurrency, fieldPath(field, 'amount')));
  const factor = collect(errors, () =>
    parseProrationFactor(prorationFactor, fieldPath(field, 'prorationFactor')),
  );
  const usageTotal = checkedCurrency && sumUsageLines(usageLines, checkedCurrency, 'usage', errors);
  if (errors.length > 0 || !checkedCurrency || !full || !factor || !usageTotal) {
    throw new InvalidPricingInputError(errors);
  }
  const exactCommitment = factor.apply(full);
  const prorated = roundToMinor(exactCommitment, checkedCurrency);
  const amount = prorated.minus(usageTotal);
  if (!amount.greaterThan(0)) {
    return null;
  }
  return {
    kind: 'commitment_true_up',
    currency: checkedCurrency,
    commitment: formatAmount(full, checkedCurrency),
    prorationFactor: factor.text,
    proratedCommitment: formatAmount(prorated, checkedCurrency),
    usageTotal: formatAmount(usageTotal, checkedCurrency),
    unroundedAmount: toDecimalString(exactCommitment.minus(usageTotal)),
    amount: formatAmount(amount, checkedCurrency),
  };
}

/**
 * An adjustment line: the only line that may be negative (a credit). `amount` must already be at the
 * currency's minor unit; `description` says why (shown on the invoice).
 */
export function adjustmentLine(
  description: string,
  amount: string,
  currency: string,
  { field = 'adjustment' }: Named = {},
): AdjustmentLine {
  const errors: FieldError[] = [];
  const checkedCurrency = checkCurrency(currency, 'currency', errors);
  if (typeof description !== 'string' || description.trim() === '') {
    errors.push({ field: fieldPath(field, 'description'), message: 'must be a non-empty text' });
  }
  const value =
    checkedCurrency &&
    collect(errors, () =>
      parseAmount(amount, checkedCurrency, fieldPath(field, 'amount'), { allowNegative: true }),
    );
  if (errors.length > 0 || !checkedCurrency || !value) {
    throw new InvalidPricingInputError(errors);
  }
  return {
    kind: 'adjustment',
    currency: checkedCurrency,
    description: description.trim(),
    unroundedAmount: toDecimalString(value),
    amount: formatAmount(value, checkedCurrency),
  };
}

/** Σ amounts of usage lines, checking each is a non-negative amount in `currency`. */
export function sumUsageLines(
  lines: readonly UsageLine[],
  currency: string,
  path: string,
  errors: FieldError[],
): Dec | undefined {
  if (!isList(lines)) {
    errors.push({ field: path, message: 'must be an array of usage lines' });
    return undefined;
  }
  let total = dec(0);
  let complete = true;
  lines.forEach((line, index) => {
    const linePath = fieldPath(path, index);
    if (line?.kind !== 'usage') {
      errors.push({ field: fieldPath(linePath, 'kind'), message: 'must be "usage"' });
      complete = false;
      return;
    }
    if (line.currency !== currency) {
      errors.push({
        field: fieldPath(linePath, 'currency'),
        message: `must be the invoice currency ${currency}`,
      });
      complete = false;
      return;
    }
    const amount = collect(errors, () =>
      parseAmount(line.amount, currency, fieldPath(linePath, 'amount'), {
        maxIntegerDigits: COMPUTED_AMOUNT_INTEGER_DIGITS,
      }),
    );
    if (amount === undefined) {
      complete = false;
    } else {
      total = total.plus(amount);
    }
  });
  return complete ? total : undefined;
}
