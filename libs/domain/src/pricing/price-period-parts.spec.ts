import {
  InvalidPricingInputError,
  priceMeterLine,
  pricePeriodParts,
  type PriceModel,
  type TierCharge,
  type UsageLine,
} from '@keymeter/domain';

const graduated: PriceModel = {
  type: 'graduated',
  tiers: [
    { upTo: 1000, unitPrice: '0.10' },
    { upTo: null, unitPrice: '0.05', flatFee: '2.00' },
  ],
};

const amounts = (lines: UsageLine[]): string[] => lines.map((line) => line.amount);
const tiersOf = (line: UsageLine): TierCharge[] =>
  line.breakdown.filter((component): component is TierCharge => component.kind === 'tier');

describe('pricePeriodParts', () => {
  it('continuous parts price the same as the whole period; per-part parts restart the tiers', () => {
    // Whole period, 1200 units: 1000 × 0.10 + 200 × 0.05 + 2 flat = 100 + 10 + 2 = 112.00
    expect(priceMeterLine(graduated, 1200, 'USD').amount).toBe('112.00');

    // Continuous, 600 + 600: part 1 = 600 × 0.10 = 60.00;
    // part 2 continues at unit 601: 400 × 0.10 + 200 × 0.05 + 2 flat = 40 + 10 + 2 = 52.00; sum 112.00
    const continuous = pricePeriodParts(
      [
        { model: graduated, quantity: 600 },
        { model: graduated, quantity: 600 },
      ],
      { tierMode: 'continuous', currency: 'USD' },
    );
    expect(amounts(continuous)).toEqual(['60.00', '52.00']);
    expect(tiersOf(continuous[1]).map((tier) => [tier.from, tier.to, tier.flatFee])).toEqual([
      ['600', '1000', '0'],
      ['1000', '1200', '2'],
    ]);
    expect(continuous[1].part).toEqual({
      index: 1,
      tierMode: 'continuous',
      cumulativeFrom: '600',
      cumulativeTo: '1200',
    });

    // Counterexample for per-part: each part is priced from unit 1 again:
    // 600 × 0.10 = 60.00 twice → 120.00 ≠ 112.00
    const perPart = pricePeriodParts(
      [
        { model: graduated, quantity: 600 },
        { model: graduated, quantity: 600 },
      ],
      { tierMode: 'per-part', currency: 'USD' },
    );
    expect(amounts(perPart)).toEqual(['60.00', '60.00']);
  });

  it('charges a tier flat fee only in the part that enters the tier', () => {
    // Whole 3000: 1000 × 0.10 + 2000 × 0.05 + 2 = 202.00
    // Continuous 1500 + 1500: part 1 = 100 + 500 × 0.05 + 2 = 127.00; part 2 = 1500 × 0.05 = 75.00
    const lines = pricePeriodParts(
      [
        { model: graduated, quantity: 1500 },
        { model: graduated, quantity: 1500 },
      ],
      { tierMode: 'continuous', currency: 'USD' },
    );
    expect(amounts(lines)).toEqual(['127.00', '75.00']);
    expect(priceMeterLine(graduated, 3000, 'USD').amount).toBe('202.00');
  });

  it('carries the allowance and started package blocks across continuous parts', () => {
    const pkg: PriceModel = { type: 'package', packageSize: 100, packagePrice: '1.00', freeUnits: 50 };
    // Whole 300: 250 billable → ceil(250/100) = 3 blocks = 3.00
    // Continuous 120 + 180: part 1 = 70 billable → 1 block; part 2 = billable 70..250 → 3 − 1 = 2 blocks
    const lines = pricePeriodParts(
      [
        { model: pkg, quantity: 120 },
        { model: pkg, quantity: 180 },
      ],
      { tierMode: 'continuous', currency: 'USD' },
    );
    expect(lines.map((line) => [line.freeUnitsApplied, line.billableQuantity, line.amount])).toEqual([
      ['50', '70', '1.00'],
      ['0', '180', '2.00'],
    ]);
    expect(priceMeterLine(pkg, 300, 'USD').amount).toBe('3.00');
  });

  it('rounds a continuous stream once, so rounded parts add up to the rounded whole', () => {
    const perUnit: PriceModel = { type: 'per_unit', unitPrice: '0.003' };
    // 5 parts of 1 unit × 0.003: rounding each part on its own gives 5 × round(0.003) = 0.00,
    // while the whole period is round(0.015) = 0.02.
    // Continuous parts use round(cumulative) − round(previous cumulative):
    // cumulative 0.003, 0.006, 0.009, 0.012, 0.015 → rounded 0.00, 0.01, 0.01, 0.01, 0.02
    // parts: 0.00, 0.01, 0.00, 0.00, 0.01 → sum 0.02
    const lines = pricePeriodParts(
      Array.from({ length: 5 }, () => ({ model: perUnit, quantity: 1 })),
      { tierMode: 'continuous', currency: 'USD' },
    );
    expect(amounts(lines)).toEqual(['0.00', '0.01', '0.00', '0.00', '0.01']);
    expect(lines.every((line) => line.unroundedAmount === '0.003')).toBe(true);
    expect(priceMeterLine(perUnit, 5, 'USD').amount).toBe('0.02');
  });

  it('continues tier consumption under a different plan in a later part', () => {
    const cheaper: PriceModel = {
      type: 'graduated',
      tiers: [
        { upTo: 1000, unitPrice: '0.08' },
        { upTo: null, unitPrice: '0.04', flatFee: '1.00' },
      ],
    };
    // Part 1 on `graduated`: 800 × 0.10 = 80.00
    // Part 2 on `cheaper` continues at unit 801: 200 × 0.08 + 300 × 0.04 + 1 flat = 16 + 12 + 1 = 29.00
    const lines = pricePeriodParts(
      [
        { model: graduated, quantity: 800 },
        { model: cheaper, quantity: 500 },
      ],
      { tierMode: 'continuous', currency: 'USD' },
    );
    expect(amounts(lines)).toEqual(['80.00', '29.00']);
  });

  it('rejects volume prices in continuous mode and names the part', () => {
    const volume: PriceModel = { type: 'volume', tiers: [{ upTo: null, unitPrice: '1' }] };
    expect(() =>
      pricePeriodParts(
        [
          { model: graduated, quantity: 1 },
          { model: volume, quantity: 1 },
        ],
        {
          tierMode: 'continuous',
          currency: 'USD',
        },
      ),
    ).toThrow(/parts\[1\]\.model\.type: volume prices depend on the whole quantity/);
    // Per part, a volume price is simply priced part by part: 3 × 1 = 3.00 and 4 × 1 = 4.00
    expect(
      amounts(
        pricePeriodParts(
          [
            { model: volume, quantity: 3 },
            { model: volume, quantity: 4 },
          ],
          { tierMode: 'per-part', currency: 'USD' },
        ),
      ),
    ).toEqual(['3.00', '4.00']);
  });

  it('names bad parts, modes and currencies', () => {
    try {
      pricePeriodParts(
        [
          { model: graduated, quantity: '1.5e3' },
          { model: { type: 'per_unit' } as PriceModel, quantity: 1 },
        ],
        { tierMode: 'sliced' as 'continuous', currency: 'EURO' },
      );
      throw new Error('expected a rejection');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidPricingInputError);
      expect((error as InvalidPricingInputError).errors.map((e) => e.field)).toEqual([
        'currency',
        'tierMode',
        'parts[0].quantity',
        'parts[1].model.unitPrice',
      ]);
    }
    expect(() => pricePeriodParts([], { tierMode: 'per-part', currency: 'USD' })).toThrow(
      'parts: must be a non-empty array',
    );
  });
});
