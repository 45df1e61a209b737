import { dec, formatAmount, fromMinorUnits, toMinorUnits } from '@keymeter/domain';

export interface Weight {
  id: string;
  quantity: string;
}

/**
 * Splits an amount (at the currency's minor unit) across ids in proportion to their quantities, by the
 * largest-remainder method: each gets the floor of its exact share in minor units, and the minor units
 * left over go to the largest remainders (ties: the order given). The parts always add up to the amount.
 * Returns null when the quantities sum to zero (nothing to split by).
 */
export function allocateProRata(
  amount: string,
  currency: string,
  weights: readonly Weight[],
): Map<string, string> | null {
  const total = weights.reduce((sum, weight) => sum.plus(weight.quantity), dec(0));
  if (total.isZero()) return null;
  const minor = toMinorUnits(amount, currency);
  const sign = minor < 0n ? -1n : 1n;
  const magnitude = dec((minor * sign).toString());
  const shares = weights.map((weight, index) => {
    const exact = magnitude.times(weight.quantity).dividedBy(total);
    const floor = exact.floor();
    return { id: weight.id, index, units: BigInt(floor.toFixed()), remainder: exact.minus(floor) };
  });
  let left = minor * sign - shares.reduce((sum, share) => sum + share.units, 0n);
  const byRemainder = [...shares].sort((a, b) => b.remainder.comparedTo(a.remainder) || a.index - b.index);
  for (const share of byRemainder) {
    if (left === 0n) break;
    share.units += 1n;
    left -= 1n;
  }
  return new Map(
    shares.map((share) => [share.id, formatAmount(fromMinorUnits(share.units * sign, currency), currency)]),
  );
}
