import { logFactorial, poissonLowerTailBound, poissonUpperTailBound } from './poisson-tail';

/** P(X ≥ k) for X ~ Poisson(mean), summed term by term. */
function exactTail(k: number, mean: number): number {
  let term = Math.exp(-mean);
  for (let i = 0; i < k; i++) {
    term *= mean / (i + 1);
  }
  let tail = 0;
  for (let i = k; i < k + 200; i++) {
    tail += term;
    term *= mean / (i + 1);
  }
  return tail;
}

describe('Poisson upper tail bound', () => {
  it('matches ln(n!) exactly for small n and by Stirling for large n', () => {
    expect(logFactorial(0)).toBe(0);
    expect(logFactorial(5)).toBeCloseTo(Math.log(120), 12);
    let exact = 0;
    for (let i = 2; i <= 40; i++) exact += Math.log(i);
    expect(logFactorial(40)).toBeCloseTo(exact, 9);
  });

  it('never understates the tail and is close to it well above the mean', () => {
    for (const [k, mean] of [
      [10, 2],
      [13, 2],
      [5, 0.1],
      [3, 0.02],
      [60, 20],
      [1100, 1000],
    ] as const) {
      const exact = exactTail(k, mean);
      const bound = poissonUpperTailBound(k, mean);
      expect(bound).toBeGreaterThanOrEqual(exact * (1 - 1e-9));
      if (k >= 3 * mean) {
        expect(bound).toBeLessThan(exact * 1.1);
      }
    }
  });

  it('is 1 at or below the mean and 0 for a positive count at mean 0', () => {
    expect(poissonUpperTailBound(2, 2)).toBe(1);
    expect(poissonUpperTailBound(0, 5)).toBe(1);
    expect(poissonUpperTailBound(3, 0)).toBe(0);
  });
});

/** P(X ≤ k) for X ~ Poisson(mean), summed term by term. */
function exactLowerTail(k: number, mean: number): number {
  let term = Math.exp(-mean);
  let tail = 0;
  for (let i = 0; i <= k; i++) {
    tail += term;
    term *= mean / (i + 1);
  }
  return tail;
}

describe('Poisson lower tail bound', () => {
  it('never understates the tail and is close to it well below the mean', () => {
    for (const [k, mean] of [
      [0, 3],
      [0, 14.5],
      [2, 14.5],
      [4, 51],
      [22, 51],
      [40, 51],
      [700, 1000],
    ] as const) {
      const exact = exactLowerTail(k, mean);
      const bound = poissonLowerTailBound(k, mean);
      expect(bound).toBeGreaterThanOrEqual(exact * (1 - 1e-9));
      if (3 * k <= mean) {
        expect(bound).toBeLessThan(exact * 1.5);
      }
    }
  });

  it('is exp(-mean) at 0, 1 at or above the mean and 0 below 0', () => {
    expect(poissonLowerTailBound(0, 5)).toBeCloseTo(Math.exp(-5), 15);
    expect(poissonLowerTailBound(5, 5)).toBe(1);
    expect(poissonLowerTailBound(3, 0)).toBe(1);
    expect(poissonLowerTailBound(-1, 5)).toBe(0);
  });
});
