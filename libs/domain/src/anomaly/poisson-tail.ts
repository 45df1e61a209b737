/** ln(n!) for whole n ≥ 0: exact below 20, Stirling's series (error < 1e-10) above. */
export function logFactorial(n: number): number {
  if (n < 20) {
    let total = 0;
    for (let i = 2; i <= n; i++) {
      total += Math.log(i);
    }
    return total;
  }
  return n * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI * n) + 1 / (12 * n) - 1 / (360 * n * n * n);
}

/**
 * An upper bound on P(X ≥ k) for X ~ Poisson(mean), in O(1): P(X = k) times the geometric bound
 * 1 / (1 − mean / (k + 1)) on the rest of the tail. Tight (within a few per cent) when k is well above the mean,
 * which is where a burst test looks; 1 when k is at or below the mean (not a tail at all). Conservative: it never
 * understates the tail, so a test `bound ≤ p` fires at most as often as p says.
 */
export function poissonUpperTailBound(k: number, mean: number): number {
  if (k <= 0) {
    return 1;
  }
  if (mean <= 0) {
    return 0;
  }
  if (k <= mean || mean / (k + 1) >= 1) {
    return 1;
  }
  const logPmf = -mean + k * Math.log(mean) - logFactorial(k);
  return Math.min(1, Math.exp(logPmf) / (1 - mean / (k + 1)));
}

/**
 * An upper bound on P(X ≤ k) for X ~ Poisson(mean), in O(1): P(X = k) times the geometric bound 1 / (1 − k / mean)
 * on the terms below it (each is at most k / mean times the next). Tight when k is well below the mean, which is
 * where a drop test looks; 1 when k is at or above the mean. Conservative, as the upper-tail bound.
 */
export function poissonLowerTailBound(k: number, mean: number): number {
  if (k < 0) {
    return 0;
  }
  if (k >= mean) {
    return 1;
  }
  const logPmf = -mean + (k === 0 ? 0 : k * Math.log(mean)) - logFactorial(k);
  return Math.min(1, Math.exp(logPmf) / (1 - k / mean));
}
