import fc from 'fast-check';
import { microsToUnits, normalizeUnits, unitsToMicros } from '..';

describe('units', () => {
  it('converts canonical units to exact micro-credits and back', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 999_999_999_999_999_999n }), (micros) => {
        const units = microsToUnits(micros);
        expect(normalizeUnits(units)).toBe(units);
        expect(unitsToMicros(units)).toBe(micros);
      }),
    );
  });

  it('reads padded spellings as the same amount', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 999_999_999_999_999_999n }),
        fc.nat({ max: 5 }),
        fc.nat({ max: 5 }),
        (micros, leadingZeros, trailingZeros) => {
          const [integer, fraction = ''] = microsToUnits(micros).split('.');
          const padded = `${'0'.repeat(leadingZeros)}${integer}.${fraction}${'0'.repeat(trailingZeros + 1)}`;
          expect(normalizeUnits(padded)).toBe(microsToUnits(micros));
        },
      ),
    );
  });

  it('converts the smallest and largest amounts exactly', () => {
    expect(unitsToMicros('0.000001')).toBe(1n);
    expect(unitsToMicros('999999999999.999999')).toBe(999_999_999_999_999_999n);
    expect(microsToUnits(1_500_000n)).toBe('1.5');
    expect(microsToUnits(0n)).toBe('0');
  });

  it('prints sums beyond the per-event bound, which meters reach', () => {
    expect(microsToUnits(10n ** 30n + 1n)).toBe('1000000000000000000000000.000001');
  });

  it('names the field when conversion is given something that is not units', () => {
    expect(() => unitsToMicros('1.0000001', 'route.cost')).toThrow(
      'route.cost: must be a non-negative decimal',
    );
    expect(() => microsToUnits(-1n, 'total')).toThrow('total: must not be negative');
  });
});
