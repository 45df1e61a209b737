import {
  InvalidPricingInputError,
  priceMeterLine,
  type PriceModel,
  type TierCharge,
  type UsageLine,
} from '@keymeter/domain';

function tiersOf(line: UsageLine): TierCharge[] {
  return line.breakdown.filter((component): component is TierCharge => component.kind === 'tier');
}

/** The parts of a line a finance reader checks by hand. */
function summary(line: UsageLine): Record<string, unknown> {
  return {
    billable: line.billableQuantity,
    unrounded: line.unroundedAmount,
    amount: line.amount,
  };
}

describe('priceMeterLine: per-unit', () => {
  const model: PriceModel = { type: 'per_unit', unitPrice: '0.002', freeUnits: '1000' };

  it.each([
    // quantity, currency, billable, unrounded, amount
    // 12345 − 1000 free = 11345 × 0.002 = 22.69
    ['12345', 'USD', '11345', '22.69', '22.69'],
    // 1000 − 1000 free = 0 → 0
    ['1000', 'USD', '0', '0', '0.00'],
    // 999 < allowance: billable stays 0, never negative
    ['999', 'USD', '0', '0', '0.00'],
    // 1001 − 1000 = 1 × 0.002 = 0.002 → 0.00 (below half a cent)
    ['1001', 'USD', '1', '0.002', '0.00'],
    // 1003 − 1000 = 3 × 0.002 = 0.006 → 0.01
    ['1003', 'USD', '3', '0.006', '0.01'],
    // JPY, no fractional digits: 250001 − 1000 = 249001 × 0.002 = 498.002 → 498
    ['250001', 'JPY', '249001', '498.002', '498'],
    // KWD, three digits: 2250 − 1000 = 1250 × 0.002 = 2.5 → 2.500
    ['2250', 'KWD', '1250', '2.5', '2.500'],
  ])('%s units in %s', (quantity, currency, billable, unrounded, amount) => {
    expect(summary(priceMeterLine(model, quantity, currency))).toEqual({ billable, unrounded, amount });
  });

  it('describes the line fully', () => {
    expect(priceMeterLine(model, 12345, 'USD')).toEqual({
      kind: 'usage',
      currency: 'USD',
      priceModel: 'per_unit',
      quantity: '12345',
      freeUnitsApplied: '1000',
      billableQuantity: '11345',
      breakdown: [
        {
          kind: 'tier',
          tier: 0,
          from: '0',
          to: '11345',
          units: '11345',
          unitPrice: '0.002',
          flatFee: '0',
          amount: '22.69',
          displayAmount: '22.69',
        },
      ],
      unroundedAmount: '22.69',
      amount: '22.69',
    });
  });
});

describe('priceMeterLine: graduated (upTo inclusive)', () => {
  const usd: PriceModel = {
    type: 'graduated',
    tiers: [
      { upTo: 1000, unitPrice: '0' },
      { upTo: 10000, unitPrice: '0.01' },
      { upTo: null, unitPrice: '0.005', flatFee: '1.00' },
    ],
  };

  it('prices 25000 units across three tiers', () => {
    // tier 0: units 1..1000      = 1000 × 0     = 0
    // tier 1: units 1001..10000  = 9000 × 0.01  = 90
    // tier 2: units 10001..25000 = 15000 × 0.005 = 75, + flat fee 1 = 76
    // total 166 → 166.00
    const line = priceMeterLine(usd, 25000, 'USD');
    expect(line.breakdown.map((tier) => [tier.from, tier.to, tier.units, tier.amount])).toEqual([
      ['0', '1000', '1000', '0'],
      ['1000', '10000', '9000', '90'],
      ['10000', '25000', '15000', '76'],
    ]);
    expect(line.amount).toBe('166.00');
  });

  it('keeps a quantity equal to upTo inside that tier', () => {
    // 1000 units are all in tier 0 (units 1..1000) → 0
    expect(tiersOf(priceMeterLine(usd, 1000, 'USD')).map((tier) => tier.tier)).toEqual([0]);
    expect(priceMeterLine(usd, 1000, 'USD').amount).toBe('0.00');
    // unit 1001 is the first of tier 1 → 0.01
    expect(priceMeterLine(usd, 1001, 'USD').amount).toBe('0.01');
    // 10001 units: 9000 × 0.01 + 1 × 0.005 + 1 flat = 91.005 → 91.01 (half-up)
    expect(priceMeterLine(usd, 10001, 'USD').unroundedAmount).toBe('91.005');
    expect(priceMeterLine(usd, 10001, 'USD').amount).toBe('91.01');
  });

  it('lists no tier and charges nothing at zero usage', () => {
    const line = priceMeterLine(usd, 0, 'USD');
    expect(line.breakdown).toEqual([]);
    expect(line.amount).toBe('0.00');
  });

  it('prices JPY with no fractional digits', () => {
    const jpy: PriceModel = {
      type: 'graduated',
      tiers: [
        { upTo: 100, unitPrice: '3' },
        { upTo: null, unitPrice: '1.5' },
      ],
    };
    // 100 × 3 + 1 × 1.5 = 301.5 → 302 (half-up)
    expect(priceMeterLine(jpy, 101, 'JPY').amount).toBe('302');
    // 100 × 3 + 3 × 1.5 = 304.5 → 305
    expect(priceMeterLine(jpy, 103, 'JPY').amount).toBe('305');
    // 100 × 3 + 2 × 1.5 = 303
    expect(priceMeterLine(jpy, 102, 'JPY').amount).toBe('303');
  });

  it('prices KWD with three fractional digits', () => {
    const kwd: PriceModel = {
      type: 'graduated',
      freeUnits: 100,
      tiers: [
        { upTo: 500, unitPrice: '0.0015' },
        { upTo: null, unitPrice: '0.0009' },
      ],
    };
    // 1334 − 100 free = 1234 billable
    // 500 × 0.0015 = 0.75; 734 × 0.0009 = 0.6606; total 1.4106 → 1.411
    const line = priceMeterLine(kwd, 1334, 'KWD');
    expect(line.billableQuantity).toBe('1234');
    expect(line.breakdown.map((tier) => tier.amount)).toEqual(['0.75', '0.6606']);
    expect(line.unroundedAmount).toBe('1.4106');
    expect(line.amount).toBe('1.411');
  });

  it('rounds the line once, not each tier', () => {
    const model: PriceModel = {
      type: 'graduated',
      tiers: [
        { upTo: 1, unitPrice: '0.004' },
        { upTo: null, unitPrice: '0.004' },
      ],
    };
    // tiers: 0.004 and 0.004, each shown as 0.00; line: round(0.008) = 0.01, not 0.00 + 0.00
    const line = priceMeterLine(model, 2, 'USD');
    expect(line.breakdown.map((tier) => [tier.amount, tier.displayAmount])).toEqual([
      ['0.004', '0.00'],
      ['0.004', '0.00'],
    ]);
    expect(line.amount).toBe('0.01');
  });
});

describe('priceMeterLine: volume', () => {
  const usd: PriceModel = {
    type: 'volume',
    tiers: [
      { upTo: 1000, unitPrice: '0.05' },
      { upTo: 10000, unitPrice: '0.04', flatFee: '5' },
      { upTo: null, unitPrice: '0.03' },
    ],
  };

  it.each([
    // quantity, tier, amount
    [1000, 0, '50.00'], // 1000 × 0.05 = 50
    [1001, 1, '45.04'], // 1001 × 0.04 + 5 = 40.04 + 5 = 45.04
    [10000, 1, '405.00'], // 10000 × 0.04 + 5 = 405
    [20000, 2, '600.00'], // 20000 × 0.03 = 600
    [1, 0, '0.05'], // 1 × 0.05
  ])('%i units fall in tier %i and cost %s', (quantity, tier, amount) => {
    const line = priceMeterLine(usd, quantity, 'USD');
    expect(line.breakdown).toHaveLength(1);
    expect(line.breakdown[0]).toMatchObject({ kind: 'tier', tier, units: String(quantity) });
    expect(line.amount).toBe(amount);
  });

  it('charges no flat fee at zero usage', () => {
    const line = priceMeterLine(
      { type: 'volume', tiers: [{ upTo: null, unitPrice: '1', flatFee: '10' }] },
      0,
      'USD',
    );
    expect(line.breakdown).toEqual([
      expect.objectContaining({ tier: 0, units: '0', flatFee: '0', amount: '0' }),
    ]);
    expect(line.amount).toBe('0.00');
  });

  it('selects the tier by the billable quantity after the allowance', () => {
    // 1500 − 600 free = 900 billable → tier 0 (≤ 1000): 900 × 0.05 = 45.00
    expect(priceMeterLine({ ...usd, freeUnits: 600 }, 1500, 'USD').amount).toBe('45.00');
  });

  it('prices KWD', () => {
    const kwd: PriceModel = {
      type: 'volume',
      tiers: [
        { upTo: 100, unitPrice: '0.010' },
        { upTo: null, unitPrice: '0.0075' },
      ],
    };
    // 333 × 0.0075 = 2.4975 → 2.498 (half-up at the fils)
    expect(priceMeterLine(kwd, 333, 'KWD').amount).toBe('2.498');
  });

  it('prices JPY', () => {
    const jpy: PriceModel = {
      type: 'volume',
      tiers: [
        { upTo: 10, unitPrice: '12.5' },
        { upTo: null, unitPrice: '10' },
      ],
    };
    // 9 × 12.5 = 112.5 → 113
    expect(priceMeterLine(jpy, 9, 'JPY').amount).toBe('113');
    // 11 × 10 = 110
    expect(priceMeterLine(jpy, 11, 'JPY').amount).toBe('110');
  });
});

describe('priceMeterLine: package', () => {
  const usd: PriceModel = { type: 'package', packageSize: 1000, packagePrice: '2.50', freeUnits: 500 };

  it.each([
    // quantity, packages, amount
    [0, '0', '0.00'],
    [500, '0', '0.00'], // all free
    [501, '1', '2.50'], // 1 billable unit starts a block
    [1500, '1', '2.50'], // 1000 billable = exactly one block
    [1501, '2', '5.00'], // 1001 billable → ceil(1001/1000) = 2
    [2500, '2', '5.00'], // 2000 → 2
    [2501, '3', '7.50'], // 2001 → 3
  ])('%i units → %s packages, %s', (quantity, packages, amount) => {
    const line = priceMeterLine(usd, quantity, 'USD');
    expect(line.breakdown).toEqual([expect.objectContaining({ kind: 'package', packages })]);
    expect(line.amount).toBe(amount);
  });

  it('prices JPY and KWD', () => {
    // 1 unit → 1 block of 100 × 15 = 15
    expect(priceMeterLine({ type: 'package', packageSize: 100, packagePrice: '15' }, 1, 'JPY').amount).toBe(
      '15',
    );
    // 10001 units → ceil(10001/1000) = 11 blocks × 0.125 = 1.375
    expect(
      priceMeterLine({ type: 'package', packageSize: 1000, packagePrice: '0.125' }, 10001, 'KWD').amount,
    ).toBe('1.375');
    // 3 blocks × 0.0125 = 0.0375 → 0.04 USD
    expect(
      priceMeterLine({ type: 'package', packageSize: 10, packagePrice: '0.0125' }, 25, 'USD').amount,
    ).toBe('0.04');
  });
});

describe('priceMeterLine: tiny unit prices and large quantities', () => {
  const micro: PriceModel = { type: 'per_unit', unitPrice: '0.000001' };

  it.each([
    // quantity, unrounded, amount
    ['123456789', '123.456789', '123.46'], // × 0.000001
    ['9007199254740993', '9007199254.740993', '9007199254.74'], // 2^53 + 1 stays exact
    ['12345678901234567890', '12345678901234.56789', '12345678901234.57'],
    ['4999', '0.004999', '0.00'],
    ['5000', '0.005', '0.01'],
  ])('%s units × 0.000001 USD', (quantity, unrounded, amount) => {
    const line = priceMeterLine(micro, quantity, 'USD');
    expect(line.unroundedAmount).toBe(unrounded);
    expect(line.amount).toBe(amount);
  });

  it('accepts bigint quantities', () => {
    expect(priceMeterLine(micro, 12345678901234567890n, 'USD').amount).toBe('12345678901234.57');
  });

  it('keeps twelve-digit prices exact', () => {
    // 1000000 × 0.000001234567 = 1.234567 → 1.23
    expect(
      priceMeterLine({ type: 'per_unit', unitPrice: '0.000001234567' }, 1000000, 'USD').unroundedAmount,
    ).toBe('1.234567');
    // 7 × 0.000000000001 = 0.000000000007 → 0 JPY
    expect(priceMeterLine({ type: 'per_unit', unitPrice: '0.000000000001' }, 7, 'JPY')).toMatchObject({
      unroundedAmount: '0.000000000007',
      amount: '0',
    });
  });
});

describe('priceMeterLine: half-up edges (x.xx5)', () => {
  it.each([
    // unitPrice, quantity, currency, exact, amount
    ['0.001', 5, 'USD', '0.005', '0.01'],
    ['0.001', 15, 'USD', '0.015', '0.02'],
    ['0.201', 5, 'USD', '1.005', '1.01'],
    ['0.535', 5, 'USD', '2.675', '2.68'],
    ['0.0001', 5, 'KWD', '0.0005', '0.001'],
    ['0.5', 5, 'JPY', '2.5', '3'],
    ['0.5', 1, 'JPY', '0.5', '1'],
    ['0.4999', 1, 'JPY', '0.4999', '0'],
  ])('%s × %i %s = %s → %s', (unitPrice, quantity, currency, exact, amount) => {
    const line = priceMeterLine({ type: 'per_unit', unitPrice }, quantity, currency);
    expect(line.unroundedAmount).toBe(exact);
    expect(line.amount).toBe(amount);
  });
});

describe('priceMeterLine: bad input', () => {
  it('names each bad field', () => {
    try {
      priceMeterLine(
        {
          type: 'graduated',
          tiers: [
            { upTo: 10, unitPrice: '1' },
            { upTo: 5, unitPrice: '1' },
          ],
        },
        '-3',
        'usd',
      );
      throw new Error('expected a rejection');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidPricingInputError);
      expect((error as InvalidPricingInputError).errors.map((e) => e.field)).toEqual([
        'currency',
        'model.tiers[1].upTo',
        'quantity',
      ]);
    }
  });

  it('rejects quantities in exponent notation or as fractional numbers', () => {
    const model: PriceModel = { type: 'per_unit', unitPrice: '1' };
    expect(() => priceMeterLine(model, '1e6', 'USD')).toThrow('quantity: must be a plain decimal string');
    expect(() => priceMeterLine(model, 1.5, 'USD')).toThrow(
      'quantity: must be a safe integer or a decimal string',
    );
  });
});
