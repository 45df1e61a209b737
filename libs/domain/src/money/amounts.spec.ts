import fc from 'fast-check';
import {
  dec,
  formatAmount,
  fromMinorUnits,
  MoneyDecimal,
  roundToMinor,
  toMinorUnits,
} from '@keymeter/domain';
import Decimal from 'decimal.js';

describe('roundToMinor (half-up, ties away from zero)', () => {
  it.each([
    // [amount, currency, expected]
    ['0.005', 'USD', '0.01'],
    ['0.004999', 'USD', '0'],
    ['1.005', 'USD', '1.01'], // binary floating point gives 1.00 for (1.005).toFixed(2)
    ['2.675', 'USD', '2.68'], // and 2.67 for (2.675).toFixed(2)
    ['1.015', 'USD', '1.02'],
    ['1.0149999999', 'USD', '1.01'],
    ['-1.005', 'USD', '-1.01'], // away from zero for negatives
    ['-0.004', 'USD', '0'], // never "-0"
    ['0.5', 'JPY', '1'],
    ['2.5', 'JPY', '3'],
    ['-2.5', 'JPY', '-3'],
    ['1.4999', 'JPY', '1'],
    ['0.0005', 'KWD', '0.001'],
    ['4.1625', 'KWD', '4.163'],
    ['4.16249', 'KWD', '4.162'],
    ['1.00005', 'CLF', '1.0001'],
  ])('%s %s → %s', (amount, currency, expected) => {
    expect(roundToMinor(amount, currency).toFixed()).toBe(expected);
  });

  it('matches an integer half-up oracle and is symmetric around zero', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
        fc.integer({ min: 0, max: 12 }),
        fc.constantFrom('USD', 'JPY', 'KWD'),
        (mantissa, scale, currency) => {
          const exponent = { USD: 2, JPY: 0, KWD: 3 }[currency];
          const amount = dec(mantissa).dividedBy(dec(10).pow(scale));
          // Oracle in integers: |m| · 10^e / 10^s rounded half-up, sign restored.
          const magnitude = mantissa < 0n ? -mantissa : mantissa;
          const numerator = magnitude * 10n ** BigInt(exponent);
          const denominator = 10n ** BigInt(scale);
          const roundedMagnitude = (2n * numerator + denominator) / (2n * denominator);
          const expectedMinor = mantissa < 0n ? -roundedMagnitude : roundedMagnitude;
          expect(toMinorUnits(roundToMinor(amount, currency), currency)).toBe(expectedMinor);
          expect(roundToMinor(amount.negated(), currency).toFixed()).toBe(
            roundToMinor(amount, currency).negated().toFixed().replace(/^-0$/, '0'),
          );
        },
      ),
    );
  });

  it('does not depend on, or change, the global decimal.js configuration', () => {
    const before = Decimal.rounding;
    Decimal.set({ rounding: Decimal.ROUND_DOWN, precision: 5 });
    try {
      expect(roundToMinor('123456.785', 'USD').toFixed()).toBe('123456.79');
    } finally {
      Decimal.set({ rounding: before, precision: 20 });
    }
    expect(MoneyDecimal.rounding).toBe(Decimal.ROUND_HALF_UP);
  });
});

describe('formatAmount', () => {
  it.each([
    ['12.3', 'USD', '12.30'],
    ['0', 'USD', '0.00'],
    ['-5', 'USD', '-5.00'],
    ['1230', 'JPY', '1230'],
    ['1.23', 'KWD', '1.230'],
    ['0', 'KWD', '0.000'],
  ])('%s %s → %s', (amount, currency, expected) => {
    expect(formatAmount(amount, currency)).toBe(expected);
  });

  it('refuses to format an amount that was not rounded to the minor unit', () => {
    expect(() => formatAmount('1.005', 'USD')).toThrow(
      'amount 1.005 has more fractional digits than USD allows (2)',
    );
    expect(() => formatAmount('0.5', 'JPY')).toThrow('JPY allows (0)');
  });

  it('names an unknown currency', () => {
    expect(() => formatAmount('1', 'XYZ')).toThrow('unknown currency "XYZ"');
  });
});

describe('minor units', () => {
  it('converts both ways exactly', () => {
    expect(toMinorUnits('12.30', 'USD')).toBe(1230n);
    expect(toMinorUnits('1230', 'JPY')).toBe(1230n);
    expect(toMinorUnits('-1.234', 'KWD')).toBe(-1234n);
    expect(toMinorUnits('92233720368547758.07', 'USD')).toBe(9223372036854775807n);
    expect(fromMinorUnits(1230n, 'USD').toFixed()).toBe('12.3');
    expect(fromMinorUnits(1234n, 'KWD').toFixed()).toBe('1.234');
    expect(() => toMinorUnits('0.001', 'USD')).toThrow(
      'amount: has more fractional digits than USD allows (2)',
    );
  });
});
