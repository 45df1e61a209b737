import { InvalidDecimalError, parseDecimal, type Dec } from '../money';

/**
 * The share of a period a charge covers, in [0, 1]: a decimal string ("0.5") or an exact fraction
 * (`{ numerator: 14, denominator: 31 }` for 14 of 31 days) so that no pre-rounded factor is needed.
 */
export type ProrationFactor =
  string | { numerator: string | number | bigint; denominator: string | number | bigint };

export interface ParsedProration {
  /** The factor as given, canonical: "0.5" or "14/31"; "1" when absent. */
  text: string;
  /** The amount times the factor, exact (a fraction is divided at 100 significant digits). */
  apply(amount: Dec): Dec;
}

const FACTOR_RULES = { maxFractionDigits: 30, maxIntegerDigits: 1 };
const FRACTION_PART_RULES = {
  maxFractionDigits: 0,
  maxIntegerDigits: 30,
  integerOnly: true,
  acceptSafeIntegerNumbers: true,
};

/** Parses a proration factor; errors name `field` (e.g. `fixedFee.prorationFactor.denominator`). */
export function parseProrationFactor(value: ProrationFactor | undefined, field: string): ParsedProration {
  if (value === undefined) {
    return { text: '1', apply: (amount) => amount };
  }
  if (typeof value === 'object' && value !== null) {
    const numerator = parseDecimal(value.numerator, `${field}.numerator`, FRACTION_PART_RULES);
    const denominator = parseDecimal(value.denominator, `${field}.denominator`, FRACTION_PART_RULES);
    if (denominator.isZero()) {
      throw new InvalidDecimalError(`${field}.denominator`, 'must be greater than 0');
    }
    if (numerator.greaterThan(denominator)) {
      throw new InvalidDecimalError(
        `${field}.numerator`,
        'must not exceed the denominator (a factor is at most 1)',
      );
    }
    return {
      text: `${numerator.toFixed()}/${denominator.toFixed()}`,
      apply: (amount) => amount.times(numerator).dividedBy(denominator),
    };
  }
  const factor = parseDecimal(value, field, FACTOR_RULES);
  if (factor.greaterThan(1)) {
    throw new InvalidDecimalError(field, 'must be between 0 and 1');
  }
  return { text: factor.toFixed(), apply: (amount) => amount.times(factor) };
}
