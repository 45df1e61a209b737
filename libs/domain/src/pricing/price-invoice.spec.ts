import {
  adjustmentLine,
  commitmentTrueUpLine,
  fixedFeeLine,
  InvalidPricingInputError,
  priceInvoice,
  priceMeterLine,
  type PriceModel,
  type UsageLine,
} from '@keymeter/domain';

const requests: PriceModel = { type: 'per_unit', unitPrice: '0.002', freeUnits: 1000 };
const credits: PriceModel = {
  type: 'volume',
  tiers: [
    { upTo: 1000, unitPrice: '0.05' },
    { upTo: 10000, unitPrice: '0.04', flatFee: '5' },
    { upTo: null, unitPrice: '0.03' },
  ],
};

describe('priceInvoice', () => {
  it('USD: fixed fee, usage, commitment true-up and a credit; total = sum of lines', () => {
    // requests: (12345 − 1000) × 0.002 = 22.69
    // credits: 1001 × 0.04 + 5 = 45.04
    // usage total 67.73; commitment 100.00 → true-up 100.00 − 67.73 = 32.27
    // fixed fee 10.00; credit −5.00
    // total = 10.00 + 22.69 + 45.04 + 32.27 − 5.00 = 105.00
    const invoice = priceInvoice({
      currency: 'USD',
      usage: [priceMeterLine(requests, 12345, 'USD'), priceMeterLine(credits, 1001, 'USD')],
      fixedFee: { amount: '10.00' },
      minimumCommitment: { amount: '100.00' },
      adjustments: [adjustmentLine('Goodwill credit', '-5.00', 'USD')],
    });
    expect(invoice.lines.map((line) => [line.kind, line.amount])).toEqual([
      ['fixed_fee', '10.00'],
      ['usage', '22.69'],
      ['usage', '45.04'],
      ['commitment_true_up', '32.27'],
      ['adjustment', '-5.00'],
    ]);
    expect(invoice.usageTotal).toBe('67.73');
    expect(invoice.total).toBe('105.00');
  });

  it('adds no true-up when usage reaches the commitment', () => {
    // 20000 credits × 0.03 = 600.00 ≥ 500.00 commitment
    const invoice = priceInvoice({
      currency: 'USD',
      usage: [priceMeterLine(credits, 20000, 'USD')],
      minimumCommitment: { amount: '500.00' },
    });
    expect(invoice.lines.map((line) => line.kind)).toEqual(['usage']);
    expect(invoice.total).toBe('600.00');
  });

  it('JPY: prorated fixed fee and commitment', () => {
    // fixed fee 1000 × 1/3 = 333.33… → 333
    // commitment 5000 × 1/3 = 1666.66… → 1667; usage 250001 − 1000 = 249001 × 0.002 = 498.002 → 498
    // true-up 1667 − 498 = 1169; total 333 + 498 + 1169 = 2000
    const third = { numerator: 1, denominator: 3 };
    const invoice = priceInvoice({
      currency: 'JPY',
      usage: [priceMeterLine(requests, 250001, 'JPY')],
      fixedFee: { amount: '1000', prorationFactor: third },
      minimumCommitment: { amount: '5000', prorationFactor: third },
    });
    expect(invoice.lines.map((line) => [line.kind, line.amount])).toEqual([
      ['fixed_fee', '333'],
      ['usage', '498'],
      ['commitment_true_up', '1169'],
    ]);
    expect(invoice.lines[2]).toMatchObject({
      proratedCommitment: '1667',
      usageTotal: '498',
      prorationFactor: '1/3',
    });
    expect(invoice.total).toBe('2000');
  });

  it('KWD: three-digit amounts', () => {
    // usage 333 × 0.0075 = 2.4975 → 2.498; fixed fee 1.250; commitment 5.000 → true-up 2.502
    // total 1.250 + 2.498 + 2.502 = 6.250
    const volume: PriceModel = {
      type: 'volume',
      tiers: [
        { upTo: 100, unitPrice: '0.010' },
        { upTo: null, unitPrice: '0.0075' },
      ],
    };
    const invoice = priceInvoice({
      currency: 'KWD',
      usage: [priceMeterLine(volume, 333, 'KWD')],
      fixedFee: { amount: '1.250' },
      minimumCommitment: { amount: '5' },
    });
    expect(invoice.lines.map((line) => line.amount)).toEqual(['1.250', '2.498', '2.502']);
    expect(invoice.total).toBe('6.250');
  });

  it('rejects lines in another currency and names them', () => {
    expect(() => priceInvoice({ currency: 'EUR', usage: [priceMeterLine(requests, 5000, 'USD')] })).toThrow(
      'usage[0].currency: must be the invoice currency EUR',
    );
    expect(() =>
      priceInvoice({ currency: 'EUR', adjustments: [adjustmentLine('Late usage', '1.00', 'USD')] }),
    ).toThrow('adjustments[0].currency: must be the invoice currency EUR');
  });

  it('rejects a tampered negative usage line', () => {
    const line: UsageLine = { ...priceMeterLine(requests, 5000, 'USD'), amount: '-8.00' };
    expect(() => priceInvoice({ currency: 'USD', usage: [line] })).toThrow(
      'usage[0].amount: must not be negative',
    );
  });

  it('collects errors from every charge', () => {
    try {
      priceInvoice({
        currency: 'USD',
        fixedFee: { amount: '9.999' },
        minimumCommitment: { amount: '100', prorationFactor: '1.5' },
      });
      throw new Error('expected a rejection');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidPricingInputError);
      expect((error as InvalidPricingInputError).errors.map((e) => e.field)).toEqual([
        'fixedFee.amount',
        'minimumCommitment.prorationFactor',
      ]);
    }
  });
});

describe('fixedFeeLine', () => {
  it.each([
    // fee, factor, exact, amount
    ['29.99', undefined, '29.99', '29.99'],
    ['29.99', '0.5', '14.995', '15.00'], // half-up on the prorated fee
    ['29.99', { numerator: 14, denominator: 31 }, '13.54387096774193548387', '13.54'], // 14 of 31 days
    ['30.00', { numerator: 15n, denominator: 30n }, '15', '15.00'],
    ['10.00', '0', '0', '0.00'],
  ])('%s × %j', (fee, factor, exactPrefix, amount) => {
    const line = fixedFeeLine(fee, 'USD', factor);
    expect(line.unroundedAmount.startsWith(exactPrefix)).toBe(true);
    expect(line.amount).toBe(amount);
  });

  it('rejects factors outside [0, 1] and bad fees', () => {
    expect(() => fixedFeeLine('10.00', 'USD', '1.01')).toThrow(
      'fixedFee.prorationFactor: must be between 0 and 1',
    );
    expect(() => fixedFeeLine('10.00', 'USD', '-0.5')).toThrow(
      'fixedFee.prorationFactor: must not be negative',
    );
    expect(() => fixedFeeLine('10.00', 'USD', { numerator: 32, denominator: 31 })).toThrow(
      'fixedFee.prorationFactor.numerator: must not exceed the denominator',
    );
    expect(() => fixedFeeLine('10.00', 'USD', { numerator: 1, denominator: 0 })).toThrow(
      'fixedFee.prorationFactor.denominator: must be greater than 0',
    );
    expect(() => fixedFeeLine('10.001', 'USD')).toThrow('fixedFee.amount: has 3 fractional digits');
    expect(() => fixedFeeLine('-1', 'USD')).toThrow('fixedFee.amount: must not be negative');
  });
});

describe('commitmentTrueUpLine', () => {
  it('prorates the commitment, rounds it once and subtracts the usage lines', () => {
    // 100.00 × 10/30 = 33.333… → 33.33; usage 20.00 → true-up 13.33
    const usage = [priceMeterLine({ type: 'per_unit', unitPrice: '0.01' }, 2000, 'USD')];
    expect(commitmentTrueUpLine('100.00', usage, 'USD', { numerator: 10, denominator: 30 })).toEqual({
      kind: 'commitment_true_up',
      currency: 'USD',
      commitment: '100.00',
      prorationFactor: '10/30',
      proratedCommitment: '33.33',
      usageTotal: '20.00',
      unroundedAmount: expect.stringMatching(/^13\.3333333333/) as string,
      amount: '13.33',
    });
    expect(commitmentTrueUpLine('20.00', usage, 'USD')).toBeNull();
  });
});

describe('adjustmentLine', () => {
  it('allows negative and positive amounts at the minor unit', () => {
    expect(adjustmentLine('Late usage for 2025-01', '3.21', 'USD')).toEqual({
      kind: 'adjustment',
      currency: 'USD',
      description: 'Late usage for 2025-01',
      unroundedAmount: '3.21',
      amount: '3.21',
    });
    expect(adjustmentLine('Credit', '-1', 'KWD').amount).toBe('-1.000');
  });

  it('names bad fields', () => {
    expect(() => adjustmentLine('  ', '1.00', 'USD')).toThrow(
      'adjustment.description: must be a non-empty text',
    );
    expect(() => adjustmentLine('Credit', '-1.005', 'USD')).toThrow(
      'adjustment.amount: has 3 fractional digits',
    );
  });
});
