import Decimal from 'decimal.js';
import type { MeterValues } from './meters';

/** Decimal(38, 6) sums need 38 significant digits; the default precision (20) would round them. */
const ExactDecimal = Decimal.clone({ precision: 80 });

/** Plain decimal text without exponent or trailing zeros: `1.500000` → `1.5`, `1e-6` → `0.000001`. */
export function canonicalDecimal(value: string): string {
  return new ExactDecimal(value).toFixed();
}

/** Adds meter values exactly (integers as bigint, credits as decimals). */
export function addMeters(a: MeterValues, b: MeterValues): MeterValues {
  return {
    requests: (BigInt(a.requests) + BigInt(b.requests)).toString(),
    credits: new ExactDecimal(a.credits).plus(b.credits).toFixed(),
    egress_bytes: (BigInt(a.egress_bytes) + BigInt(b.egress_bytes)).toString(),
  };
}
