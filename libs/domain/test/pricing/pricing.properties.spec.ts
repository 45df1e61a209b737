import fc from 'fast-check';
import {
  dec,
  priceMeterLine,
  roundToMinor,
  type PackageCharge,
  type PriceModel,
  type PriceTier,
  type TierCharge,
  type UsageLine,
} from '@keymeter/domain';
import {
  anyModel,
  currency,
  freeUnits,
  graduatedModel,
  packageModel,
  quantity,
  tiers,
  volumeModel,
} from './arbitraries';

const tiersOf = (line: UsageLine): TierCharge[] =>
  line.breakdown.filter((component): component is TierCharge => component.kind === 'tier');
const packageOf = (line: UsageLine): PackageCharge => {
  const [component] = line.breakdown;
  if (component?.kind !== 'package') {
    throw new Error('expected a package charge');
  }
  return component;
};
const tiersOfModel = (model: PriceModel): PriceTier[] =>
  model.type === 'graduated' || model.type === 'volume' ? model.tiers : [];

describe('graduated prices', () => {
  it('are monotone non-decreasing in quantity', () => {
    fc.assert(
      fc.property(graduatedModel, quantity, quantity, currency, (model, a, b, code) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const lowLine = priceMeterLine(model, low, code);
        const highLine = priceMeterLine(model, high, code);
        expect(dec(lowLine.unroundedAmount).lessThanOrEqualTo(highLine.unroundedAmount)).toBe(true);
        expect(dec(lowLine.amount).lessThanOrEqualTo(highLine.amount)).toBe(true);
      }),
    );
  });

  it('equal the sum of their tier amounts, and the units of the tiers sum to the billable quantity', () => {
    fc.assert(
      fc.property(graduatedModel, quantity, currency, (model, q, code) => {
        const line = priceMeterLine(model, q, code);
        const tierAmounts = tiersOf(line).reduce((sum, tier) => sum.plus(tier.amount), dec(0));
        const tierUnits = tiersOf(line).reduce((sum, tier) => sum.plus(tier.units), dec(0));
        expect(tierAmounts.toFixed()).toBe(dec(line.unroundedAmount).toFixed());
        expect(tierUnits.toFixed()).toBe(line.billableQuantity);
      }),
    );
  });

  it('match a unit-by-unit oracle (upTo inclusive, flat fee once per tier reached)', () => {
    fc.assert(
      fc.property(tiers, freeUnits, fc.integer({ min: 0, max: 400 }), (modelTiers, free, q) => {
        const model: PriceModel = {
          type: 'graduated',
          tiers: modelTiers,
          ...(free ? { freeUnits: free } : {}),
        };
        let expected = dec(0);
        const reached = new Set<number>();
        for (let unit = 1; unit <= q - Number(free ?? 0); unit += 1) {
          const index = modelTiers.findIndex((tier) => tier.upTo === null || unit <= Number(tier.upTo));
          expected = expected.plus(modelTiers[index].unitPrice);
          if (!reached.has(index)) {
            reached.add(index);
            expected = expected.plus(modelTiers[index].flatFee ?? '0');
          }
        }
        expect(priceMeterLine(model, q, 'USD').unroundedAmount).toBe(expected.toFixed());
      }),
    );
  });
});

describe('volume prices', () => {
  it('use exactly one tier: the first whose inclusive upTo holds the billable quantity', () => {
    fc.assert(
      fc.property(volumeModel, quantity, currency, (model, q, code) => {
        const line = priceMeterLine(model, q, code);
        const modelTiers = tiersOfModel(model);
        const billable = dec(line.billableQuantity);
        const expectedIndex = modelTiers.findIndex(
          (tier) => tier.upTo === null || billable.lessThanOrEqualTo(tier.upTo),
        );
        const charges = tiersOf(line);
        expect(charges).toHaveLength(1);
        const [charge] = charges;
        const tier = modelTiers[expectedIndex];
        expect(charge.tier).toBe(expectedIndex);
        expect(charge.units).toBe(line.billableQuantity);
        const flat = billable.isZero() ? dec(0) : dec(tier.flatFee ?? '0');
        expect(charge.amount).toBe(billable.times(tier.unitPrice).plus(flat).toFixed());
      }),
    );
  });
});

describe('package prices', () => {
  it('charge ceil((quantity − free) / packageSize) blocks', () => {
    fc.assert(
      fc.property(packageModel, quantity, (model, q) => {
        if (model.type !== 'package') throw new Error('expected a package model');
        const size = BigInt(model.packageSize);
        const free = BigInt(model.freeUnits ?? 0);
        const billable = q > free ? q - free : 0n;
        const expectedBlocks = (billable + size - 1n) / size;
        const line = priceMeterLine(model, q, 'USD');
        expect(packageOf(line).packages).toBe(expectedBlocks.toString());
        expect(line.unroundedAmount).toBe(dec(expectedBlocks).times(model.packagePrice).toFixed());
      }),
    );
  });
});

describe('every model', () => {
  it('never bills a negative quantity: billable = max(0, quantity − free), allowance = min(quantity, free)', () => {
    fc.assert(
      fc.property(anyModel, quantity, currency, (model, q, code) => {
        const line = priceMeterLine(model, q, code);
        const free = BigInt(model.freeUnits ?? 0);
        expect(line.billableQuantity).toBe((q > free ? q - free : 0n).toString());
        expect(line.freeUnitsApplied).toBe((q < free ? q : free).toString());
        expect(dec(line.amount).isNegative()).toBe(false);
      }),
    );
  });

  it('round each line once: amount = round(exact sum of the breakdown)', () => {
    fc.assert(
      fc.property(anyModel, quantity, currency, (model, q, code) => {
        const line = priceMeterLine(model, q, code);
        const exact = line.breakdown.reduce((sum, component) => sum.plus(component.amount), dec(0));
        expect(line.unroundedAmount).toBe(exact.toFixed());
        expect(dec(line.amount).equals(roundToMinor(exact, code))).toBe(true);
      }),
    );
  });
});
