import fc from 'fast-check';
import { ewmaAfter, median, medianAbsoluteDeviation } from './robust-stats';

describe('robust statistics', () => {
  it('takes the median and the median absolute deviation', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(medianAbsoluteDeviation([1, 2, 3, 4, 100])).toBe(1);
  });

  it('lets one outlier among five values move neither the median nor the MAD beyond the others', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 4, maxLength: 4 }),
        fc.double({ min: 0, max: 1e12, noNaN: true }),
        (values, outlier) => {
          const center = median([...values, outlier]);
          expect(center).toBeGreaterThanOrEqual(Math.min(...values));
          expect(center).toBeLessThanOrEqual(Math.max(...values));
          expect(medianAbsoluteDeviation([...values, outlier])).toBeLessThanOrEqual(
            Math.max(...values) - Math.min(...values),
          );
        },
      ),
    );
  });

  it('decays an EWMA over silent minutes exactly as minute-by-minute zero updates would', () => {
    let stepwise = 10;
    for (let minute = 0; minute < 4; minute++) {
      stepwise = ewmaAfter(stepwise, 0, 0.1, 1);
    }
    stepwise = ewmaAfter(stepwise, 7, 0.1, 1);
    expect(ewmaAfter(10, 7, 0.1, 5)).toBeCloseTo(stepwise, 12);
  });
});
