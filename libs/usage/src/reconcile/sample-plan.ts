import type { PartitionRange } from '../topic-range';

/** A run of consecutive offsets of one partition: the unit the sampled reconciliation draws. */
export interface SampleWindow {
  readonly partition: number;
  /** [from, to) offsets. */
  readonly from: bigint;
  readonly to: bigint;
}

export interface SamplePlan {
  /** Every window of the log window, in partition and offset order. */
  readonly windows: number;
  /** The drawn windows, in partition and offset order. */
  readonly sampled: readonly SampleWindow[];
}

/**
 * Windows to draw so that, if at least `tolerance` of all windows held a discrepancy, the sample would
 * contain one with probability `confidence`: the smallest n with 1 − (1 − tolerance)^n ≥ confidence
 * (drawing with replacement is the conservative bound for drawing without it). Never more than `windows`.
 */
export function sampleSize(windows: number, confidence: number, tolerance: number): number {
  const n = Math.ceil(Math.log(1 - confidence) / Math.log(1 - tolerance));
  return Math.min(windows, Math.max(1, n));
}

/**
 * What a clean sample of n out of `windows` windows proves: with probability `confidence`, the share of
 * windows holding a discrepancy is below this bound (0 when every window was checked).
 */
export function cleanSampleBound(sampled: number, windows: number, confidence: number): number {
  if (sampled >= windows) return 0;
  return 1 - (1 - confidence) ** (1 / sampled);
}

/** Mulberry32: a small seeded generator, so a sample can be drawn again from its reported seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Cuts each partition's range into windows of `windowRecords` offsets (the last one shorter) and draws
 * `count` of them uniformly without replacement (a partial Fisher–Yates shuffle driven by `seed`).
 */
export function planSample(
  ranges: readonly PartitionRange[],
  windowRecords: number,
  count: (windows: number) => number,
  seed: number,
): SamplePlan {
  const all: SampleWindow[] = [];
  const size = BigInt(windowRecords);
  for (const range of ranges) {
    for (let from = range.from; from < range.to; from += size) {
      all.push({ partition: range.partition, from, to: from + size < range.to ? from + size : range.to });
    }
  }
  const n = Math.min(all.length, count(all.length));
  const random = seededRandom(seed);
  const order = all.map((_, index) => index);
  for (let index = 0; index < n; index++) {
    const pick = index + Math.floor(random() * (order.length - index));
    [order[index], order[pick]] = [order[pick], order[index]];
  }
  const sampled = order
    .slice(0, n)
    .sort((a, b) => a - b)
    .map((index) => all[index]);
  return { windows: all.length, sampled };
}
