import Decimal from 'decimal.js';

/**
 * Decimal constructor used for every money and quantity computation.
 *
 * It is an isolated clone so its configuration never leaks into, or depends on, other users of decimal.js.
 * Precision is 100 significant digits: inputs are bounded (see parse-decimal.ts) so that products of a
 * quantity and a price, and sums of such products, are always exact at this precision. Rounding to a
 * currency's minor unit is explicit (rounding.ts); the default rounding mode only matters for the few
 * divisions (package blocks, rational proration factors).
 */
export const MoneyDecimal: Decimal.Constructor = Decimal.clone({
  precision: 100,
  rounding: Decimal.ROUND_HALF_UP,
  toExpNeg: -1000,
  toExpPos: 1000,
});

/** An exact decimal value created by {@link MoneyDecimal}. */
export type Dec = Decimal;

/** Rounding mode for money: half-up, i.e. ties go away from zero (1.005 → 1.01, −1.005 → −1.01). */
export const MONEY_ROUNDING = Decimal.ROUND_HALF_UP;

/** Wraps a decimal (from any decimal.js constructor) into {@link MoneyDecimal}. */
export function dec(value: Decimal | string | number | bigint): Dec {
  return new MoneyDecimal(typeof value === 'bigint' ? value.toString() : value);
}

/** Plain decimal notation of an exact value, never exponent notation and never "-0". */
export function toDecimalString(value: Dec): string {
  return value.isZero() ? '0' : value.toFixed();
}
