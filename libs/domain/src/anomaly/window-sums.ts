import type { KeyTrafficWindow, MinuteCounts } from './types';

/** Sum of one counter over the newest `minutes` minutes of the window (fewer when the window is shorter). */
export function sumNewest(window: KeyTrafficWindow, minutes: number, counter: keyof MinuteCounts): number {
  const { minutes: buckets } = window;
  let total = 0;
  for (let index = Math.max(0, buckets.length - minutes); index < buckets.length; index++) {
    total += buckets[index][counter];
  }
  return total;
}

/** The newest minute's counts (all zero for an empty window). */
export function newestMinute(window: KeyTrafficWindow): MinuteCounts | undefined {
  return window.minutes[window.minutes.length - 1];
}

/** Formats a number for a summary: whole numbers as they are, others with up to two decimals. */
export function formatCount(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2).replace(/\.?0+$/, '');
}

/** Rounds a figure of an alert's evidence to two decimals. */
export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
