import { currencyExponent } from './currencies';
import { dec, MONEY_ROUNDING, type Dec } from './decimal';
import { InvalidDecimalError } from './errors';
import { parseDecimal } from './parse-decimal';

/** Anything accepted where an exact decimal value is expected. */
export type DecimalLike = Dec | string | bigint;

/**
 * Rounds an amount to the currency's minor unit, half-up: ties go away from zero, so
 * 1.005 USD → 1.01 and −1.005 USD → −1.01 (symmetric, the sign never changes the magnitude).
 */
export function roundToMinor(amount: DecimalLike, currency: string): Dec {
  const rounded = dec(amount).toDecimalPlaces(currencyExponent(currency), MONEY_ROUNDING);
  return rounded.isZero() ? dec(0) : rounded;
}

/** True when the amount has no more fractional digits than the currency's minor unit. */
export function isWholeMinorAmount(amount: DecimalLike, currency: string): boolean {
  return dec(amount).decimalPlaces() <= currencyExponent(currency);
}

/**
 * The API's representation of a money amount: a decimal string with exactly the currency's exponent of
 * fractional digits ("12.30" USD, "1230" JPY, "1.230" KWD). The amount must already be rounded to the
 * minor unit — formatting never rounds, so a displayed amount is always the amount that is summed.
 */
export function formatAmount(amount: DecimalLike, currency: string): string {
  const value = dec(amount);
  const exponent = currencyExponent(currency);
  if (value.decimalPlaces() > exponent) {
    throw new RangeError(
      `amount ${value.toFixed()} has more fractional digits than ${currency} allows (${exponent}); round it first`,
    );
  }
  return value.isZero() ? dec(0).toFixed(exponent) : value.toFixed(exponent);
}

/**
 * Parses a money amount in a currency (fixed fee, commitment, adjustment): a decimal string with at most
 * the currency's exponent of fractional digits and, unless told otherwise, 18 integer digits. Errors name
 * `field`.
 */
export function parseAmount(
  value: unknown,
  currency: string,
  field: string,
  options: { allowNegative?: boolean; maxIntegerDigits?: number } = {},
): Dec {
  return parseDecimal(value, field, {
    maxFractionDigits: currencyExponent(currency),
    maxIntegerDigits: options.maxIntegerDigits ?? AMOUNT_INPUT_INTEGER_DIGITS,
    allowNegative: options.allowNegative ?? false,
  });
}

/** Amounts given as input (fees, commitments, adjustments): up to 18 integer digits. */
export const AMOUNT_INPUT_INTEGER_DIGITS = 18;

/**
 * Amounts computed by pricing: a quantity (≤ 30 integer digits) times a price (≤ 18) plus fees stays within
 * 50 integer digits. Used when reading back lines this library produced.
 */
export const COMPUTED_AMOUNT_INTEGER_DIGITS = 50;

/** An amount already at the minor unit, as an integer count of minor units (12.30 USD → 1230n). */
export function toMinorUnits(amount: DecimalLike, currency: string): bigint {
  const value = dec(amount);
  const exponent = currencyExponent(currency);
  if (value.decimalPlaces() > exponent) {
    throw new InvalidDecimalError(
      'amount',
      `has more fractional digits than ${currency} allows (${exponent})`,
    );
  }
  return BigInt(value.times(dec(10).pow(exponent)).toFixed(0));
}

/** An integer count of minor units as an amount (1230n USD → 12.30). */
export function fromMinorUnits(minorUnits: bigint, currency: string): Dec {
  return dec(minorUnits).dividedBy(dec(10).pow(currencyExponent(currency)));
}
