/** Scales a median absolute deviation to the standard deviation of a normal distribution with it. */
export const MAD_TO_SD = 1.4826;

/** Median of the values (mean of the middle two for an even count); NaN for none. Does not modify `values`. */
export function median(values: readonly number[]): number {
  if (values.length === 0) {
    return Number.NaN;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median absolute deviation from the median; NaN for none. */
export function medianAbsoluteDeviation(values: readonly number[]): number {
  const center = median(values);
  return median(values.map((value) => Math.abs(value - center)));
}

/**
 * Exponentially weighted moving average after `gap` minutes: the `gap - 1` silent minutes decay it, then the
 * newest value enters with weight `alpha`. O(1) whatever the gap.
 */
export function ewmaAfter(previous: number, value: number, alpha: number, gap: number): number {
  const decayed = gap > 1 ? previous * Math.pow(1 - alpha, gap - 1) : previous;
  return decayed + alpha * (value - decayed);
}
