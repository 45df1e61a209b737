import { dec, formatAmount, MoneyDecimal, roundToMinor, toDecimalString, type Dec } from '../money';
import type { LineComponent, TierCharge } from './usage-line';
import type { ParsedPriceModel, ParsedTier } from './validate-price-model';

/** The priced slice of usage between two positions of the raw quantity. */
export interface RangeCharge {
  freeUnitsApplied: Dec;
  billableQuantity: Dec;
  breakdown: LineComponent[];
  amount: Dec;
}

/**
 * Prices the usage between raw positions `from` (exclusive) and `to` (inclusive) of a period: the free
 * allowance covers raw positions 1..freeUnits, the rest are billable positions 1, 2, … that tiers and
 * package blocks are counted in. Pricing (0, q] is the whole-period price of q; pricing consecutive ranges
 * continues tier and block consumption where the previous range stopped.
 */
export function chargeRange(model: ParsedPriceModel, from: Dec, to: Dec, currency: string): RangeCharge {
  const billableFrom = billablePosition(from, model.freeUnits);
  const billableTo = billablePosition(to, model.freeUnits);
  const billableQuantity = billableTo.minus(billableFrom);
  const breakdown = components(model, billableFrom, billableTo, currency);
  return {
    freeUnitsApplied: to.minus(from).minus(billableQuantity),
    billableQuantity,
    breakdown,
    amount: breakdown.reduce((sum, component) => sum.plus(component.amount), dec(0)),
  };
}

/** Position among billable units: the allowance covers the first `freeUnits` units, never more. */
function billablePosition(position: Dec, freeUnits: Dec): Dec {
  const billable = position.minus(freeUnits);
  return billable.greaterThan(0) ? billable : dec(0);
}

function components(model: ParsedPriceModel, from: Dec, to: Dec, currency: string): LineComponent[] {
  switch (model.type) {
    case 'per_unit':
      return [tierCharge(0, from, to, model.unitPrice, dec(0), currency)];
    case 'graduated':
      return graduated(model.tiers, from, to, currency);
    case 'volume':
      return [volume(model.tiers, from, to, currency)];
    case 'package': {
      const packages = blocks(to, model.packageSize).minus(blocks(from, model.packageSize));
      const amount = packages.times(model.packagePrice);
      return [
        {
          kind: 'package',
          from: toDecimalString(from),
          to: toDecimalString(to),
          units: toDecimalString(to.minus(from)),
          packageSize: toDecimalString(model.packageSize),
          packages: toDecimalString(packages),
          packagePrice: toDecimalString(model.packagePrice),
          amount: toDecimalString(amount),
          displayAmount: display(amount, currency),
        },
      ];
    }
  }
}

/** Each tier prices the units of (from, to] inside it; its flat fee is due when the range enters it. */
function graduated(tiers: readonly ParsedTier[], from: Dec, to: Dec, currency: string): TierCharge[] {
  const charges: TierCharge[] = [];
  for (const tier of tiers) {
    const start = MoneyDecimal.max(from, tier.from);
    const end = tier.upTo === null ? to : MoneyDecimal.min(to, tier.upTo);
    if (end.greaterThan(start)) {
      // Entered in this range unless an earlier range already reached past the tier's lower bound.
      const flatFee = from.lessThanOrEqualTo(tier.from) ? tier.flatFee : dec(0);
      charges.push(tierCharge(tier.index, start, end, tier.unitPrice, flatFee, currency));
    }
  }
  return charges;
}

/** The tier the total falls in (inclusive upper bounds) prices all units; nothing is due at zero usage. */
function volume(tiers: readonly ParsedTier[], from: Dec, to: Dec, currency: string): TierCharge {
  if (!from.isZero()) {
    throw new RangeError('volume prices apply to a whole quantity, not to a continued range');
  }
  const tier = tiers.find((candidate) => candidate.upTo === null || to.lessThanOrEqualTo(candidate.upTo));
  if (tier === undefined) {
    throw new RangeError('volume tiers must end with an unbounded tier');
  }
  const flatFee = to.isZero() ? dec(0) : tier.flatFee;
  return tierCharge(tier.index, from, to, tier.unitPrice, flatFee, currency);
}

/** Started blocks of `size` units in positions 1..position: ceil(position / size), computed exactly. */
function blocks(position: Dec, size: Dec): Dec {
  const remainder = position.mod(size);
  const whole = position.minus(remainder).dividedBy(size);
  return remainder.isZero() ? whole : whole.plus(1);
}

function tierCharge(
  tier: number,
  from: Dec,
  to: Dec,
  unitPrice: Dec,
  flatFee: Dec,
  currency: string,
): TierCharge {
  const units = to.minus(from);
  const amount = units.times(unitPrice).plus(flatFee);
  return {
    kind: 'tier',
    tier,
    from: toDecimalString(from),
    to: toDecimalString(to),
    units: toDecimalString(units),
    unitPrice: toDecimalString(unitPrice),
    flatFee: toDecimalString(flatFee),
    amount: toDecimalString(amount),
    displayAmount: display(amount, currency),
  };
}

function display(amount: Dec, currency: string): string {
  return formatAmount(roundToMinor(amount, currency), currency);
}
