import { dec, type Dec } from './decimal';
import { InvalidDecimalError } from './errors';

/** What a decimal input may look like. */
export interface DecimalRules {
  /** Most digits allowed after the decimal point. */
  maxFractionDigits: number;
  /** Most digits allowed before the decimal point. */
  maxIntegerDigits: number;
  /** Negative values allowed (only adjustments are). Defaults to false. */
  allowNegative?: boolean;
  /** Only whole numbers allowed. Defaults to false. */
  integerOnly?: boolean;
  /**
   * JavaScript numbers accepted when they are safe integers. Defaults to false: money is exchanged as
   * decimal strings so a binary float never carries a price.
   */
  acceptSafeIntegerNumbers?: boolean;
}

/** Unit prices, tier flat fees and package prices: up to 12 fractional digits (so 0.000001 and finer). */
export const PRICE_RULES: DecimalRules = Object.freeze({ maxFractionDigits: 12, maxIntegerDigits: 18 });

/**
 * Quantities (usage, allowances, tier bounds, package sizes): non-negative, up to 30 integer digits (far
 * beyond 2^53) and 12 fractional digits. A quantity times a price then has at most 72 significant digits,
 * which {@link MoneyDecimal}'s 100-digit precision holds exactly.
 */
export const QUANTITY_RULES: DecimalRules = Object.freeze({
  maxFractionDigits: 12,
  maxIntegerDigits: 30,
  acceptSafeIntegerNumbers: true,
});

/** Strict plain decimal notation: optional minus, no leading zeros, optional fraction, no exponent. */
const DECIMAL_PATTERN = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/**
 * Parses a decimal given as a string (or a bigint, or a safe-integer number when the rules allow) into an
 * exact value. Rejects exponent notation, NaN/Infinity, signs other than a leading "-", whitespace, leading
 * zeros, a bare "." and more digits than the rules allow. Errors name `field`.
 */
export function parseDecimal(value: unknown, field: string, rules: DecimalRules): Dec {
  const text = decimalText(value, field, rules);
  const match = DECIMAL_PATTERN.exec(text);
  if (match === null) {
    throw new InvalidDecimalError(
      field,
      `must be a plain decimal string such as "12.5" (no exponent, spaces or leading zeros), got ${quote(text)}`,
    );
  }
  const [, sign, integerPart, fractionPart = ''] = match;
  if (sign === '-' && !rules.allowNegative) {
    throw new InvalidDecimalError(field, `must not be negative, got ${quote(text)}`);
  }
  if (rules.integerOnly && fractionPart.length > 0) {
    throw new InvalidDecimalError(field, `must be a whole number, got ${quote(text)}`);
  }
  if (fractionPart.length > rules.maxFractionDigits) {
    throw new InvalidDecimalError(
      field,
      `has ${fractionPart.length} fractional digits, at most ${rules.maxFractionDigits} allowed`,
    );
  }
  if (integerPart.length > rules.maxIntegerDigits) {
    throw new InvalidDecimalError(
      field,
      `is too large: at most ${rules.maxIntegerDigits} integer digits allowed`,
    );
  }
  const parsed = dec(text);
  return parsed.isZero() ? dec(0) : parsed;
}

function decimalText(value: unknown, field: string, rules: DecimalRules): string {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'bigint') {
    return value.toString();
  }
  if (typeof value === 'number') {
    if (rules.acceptSafeIntegerNumbers && Number.isSafeInteger(value)) {
      return value.toString();
    }
    const hint = rules.acceptSafeIntegerNumbers ? 'a safe integer or a decimal string' : 'a decimal string';
    throw new InvalidDecimalError(field, `must be ${hint}, got the number ${String(value)}`);
  }
  throw new InvalidDecimalError(
    field,
    `must be a decimal string, got ${value === null ? 'null' : typeof value}`,
  );
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** A unit price, tier flat fee or package price: non-negative, at most 12 fractional digits. */
export function parsePrice(value: unknown, field: string): Dec {
  return parseDecimal(value, field, PRICE_RULES);
}

/** A usage quantity or count of units: non-negative, at most 12 fractional digits, bigint-safe. */
export function parseQuantity(value: unknown, field: string): Dec {
  return parseDecimal(value, field, QUANTITY_RULES);
}
