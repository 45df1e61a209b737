import { USAGE_EVENT_LIMITS } from './usage-event.limits';

/**
 * Credits are carried as decimal strings so that no binary float ever touches them. The canonical form has
 * no leading zeros, no trailing fraction zeros and no dot without digits: "0", "12", "0.25", "1000.000001".
 */
const CANONICAL_UNITS = /^(?:0|[1-9]\d{0,11})(?:\.\d{0,5}[1-9])?$/;
const DECIMAL_UNITS = /^(\d+)(?:\.(\d+))?$/;
const MICROS_PER_UNIT = 1_000_000n;
const MAX_UNITS_INTEGER = 10n ** BigInt(USAGE_EVENT_LIMITS.unitsIntegerDigitsMax) - 1n;

export const UNITS_REASON =
  'must be a non-negative decimal string with at most 12 integer and 6 fraction digits (e.g. "0.25"), ' +
  'or a non-negative integer';

/** Canonical units string for a string or integer input, or undefined when the input is not acceptable. */
export function normalizeUnits(input: unknown): string | undefined {
  if (typeof input === 'string') {
    return CANONICAL_UNITS.test(input) ? input : normalizeUnitsString(input);
  }
  if (typeof input === 'number' && Number.isSafeInteger(input) && input >= 0) {
    // Fractional JSON numbers are refused: a double cannot be trusted to carry the decimal the sender meant.
    return input <= Number(MAX_UNITS_INTEGER) ? String(input) : undefined;
  }
  return undefined;
}

function normalizeUnitsString(input: string): string | undefined {
  const match = input.length > USAGE_EVENT_LIMITS.unitsStringMaxLength ? null : DECIMAL_UNITS.exec(input);
  if (match === null) {
    return undefined;
  }
  const integer = match[1].replace(/^0+(?=\d)/, '');
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (
    integer.length > USAGE_EVENT_LIMITS.unitsIntegerDigitsMax ||
    fraction.length > USAGE_EVENT_LIMITS.unitsFractionDigitsMax
  ) {
    return undefined;
  }
  return fraction === '' ? integer : `${integer}.${fraction}`;
}

/** Exact integer micro-credits (1e-6) of a units value; throws naming `field` when the value is not valid units. */
export function unitsToMicros(units: string, field = 'units'): bigint {
  const canonical = normalizeUnits(units);
  if (canonical === undefined) {
    throw new RangeError(`${field}: ${UNITS_REASON}, got ${JSON.stringify(units)}`);
  }
  const [integer, fraction = ''] = canonical.split('.');
  return (
    BigInt(integer) * MICROS_PER_UNIT +
    BigInt(fraction.padEnd(USAGE_EVENT_LIMITS.unitsFractionDigitsMax, '0'))
  );
}

/** Canonical units string of a non-negative micro-credit amount (sums of units may exceed the per-event bound). */
export function microsToUnits(micros: bigint, field = 'micros'): string {
  if (micros < 0n) {
    throw new RangeError(`${field}: must not be negative, got ${micros}`);
  }
  const integer = micros / MICROS_PER_UNIT;
  const fraction = (micros % MICROS_PER_UNIT)
    .toString()
    .padStart(USAGE_EVENT_LIMITS.unitsFractionDigitsMax, '0')
    .replace(/0+$/, '');
  return fraction === '' ? integer.toString() : `${integer}.${fraction}`;
}
