import { quoteInput } from './field-issue';

/**
 * Credit amounts (a route's cost, the units of a call, credit quotas) are decimal strings with at most
 * {@link CREDIT_FRACTION_DIGITS} fractional digits. They are added and compared exactly as integers of
 * micro-credits (bigint), never as binary floats.
 */
export const CREDIT_FRACTION_DIGITS = 6;
export const MAX_CREDIT_INTEGER_DIGITS = 12;

const MICRO = 10n ** BigInt(CREDIT_FRACTION_DIGITS);
const CREDIT_AMOUNT = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

export type CreditAmountParse =
  { readonly ok: true; readonly amount: string } | { readonly ok: false; readonly reason: string };

/**
 * Checks a non-negative decimal such as `"1"`, `"0.25"` or `"12.000001"` (no sign, exponent, spaces or
 * leading zeros) and returns it in canonical form: trailing fractional zeros dropped (`"1.50"` → `"1.5"`).
 */
export function parseCreditAmount(value: unknown): CreditAmountParse {
  if (typeof value !== 'string') {
    return {
      ok: false,
      reason: `must be a decimal string such as "0.5", got ${value === null ? 'null' : typeof value}`,
    };
  }
  const match = CREDIT_AMOUNT.exec(value);
  if (match === null) {
    return {
      ok: false,
      reason: `must be a non-negative decimal such as "0.5" (no sign, exponent, spaces or leading zeros), got ${quoteInput(value)}`,
    };
  }
  const [, integerPart, fractionPart = ''] = match;
  if (fractionPart.length > CREDIT_FRACTION_DIGITS) {
    return {
      ok: false,
      reason: `has ${fractionPart.length} fractional digits, at most ${CREDIT_FRACTION_DIGITS} allowed`,
    };
  }
  if (integerPart.length > MAX_CREDIT_INTEGER_DIGITS) {
    return { ok: false, reason: `is too large: at most ${MAX_CREDIT_INTEGER_DIGITS} integer digits allowed` };
  }
  return { ok: true, amount: formatMicroCredits(toMicro(integerPart, fractionPart)) };
}

/** Micro-credits of a canonical or valid credit amount; throws naming `field` when the amount is invalid. */
export function toMicroCredits(amount: string, field = 'amount'): bigint {
  const parsed = parseCreditAmount(amount);
  if (!parsed.ok) {
    throw new RangeError(`${field}: ${parsed.reason}`);
  }
  const [integerPart, fractionPart = ''] = parsed.amount.split('.');
  return toMicro(integerPart, fractionPart);
}

/** Canonical decimal string of an amount of micro-credits (may be negative). */
export function formatMicroCredits(micro: bigint): string {
  const sign = micro < 0n ? '-' : '';
  const magnitude = micro < 0n ? -micro : micro;
  const integerPart = (magnitude / MICRO).toString();
  const fractionPart = (magnitude % MICRO)
    .toString()
    .padStart(CREDIT_FRACTION_DIGITS, '0')
    .replace(/0+$/, '');
  return `${sign}${integerPart}${fractionPart === '' ? '' : `.${fractionPart}`}`;
}

function toMicro(integerPart: string, fractionPart: string): bigint {
  return BigInt(integerPart) * MICRO + BigInt(fractionPart.padEnd(CREDIT_FRACTION_DIGITS, '0'));
}
