import { MAD_TO_SD, median, medianAbsoluteDeviation } from './robust-stats';
import { MINUTES_PER_HOUR, type EpochMinute } from './types';

export const HOURS_PER_WEEK = 168;
/** Epoch hour 0 (1970-01-01T00:00Z) was a Thursday: 72 hours after the Monday 00:00 UTC that starts slot 0. */
const EPOCH_HOUR_OF_WEEK = 72;

/**
 * Requests per minute of one key by hour of week (UTC), over the last `weeks` weeks: for every hour of week a
 * small ring of past weeks' values (the hour's mean calls per minute, the standard deviation of its minute
 * counts and its largest minute). JSON-serialisable; updated one minute at a time by `foldSeasonalMinute`, which returns a new state
 * and shares the arrays until an hour closes (once an hour each per-hour array is copied: 168 × (weeks + 1)
 * numbers apiece).
 */
export interface SeasonalBaseline {
  readonly weeks: number;
  /** Per slot `hourOfWeek * (weeks + 1) + ring`: the epoch hour the entry describes, -1 when empty. */
  readonly entryHours: readonly number[];
  /** Mean calls per minute over that hour (minutes without traffic count as zero). */
  readonly means: readonly number[];
  /** Standard deviation of the 60 minute counts of that hour. */
  readonly sds: readonly number[];
  /**
   * The same without the minutes of a one-off peak (a daily cron's run): the standard deviation of the minutes of
   * the hour's 10-minute blocks away from its peak (see `offPeakSpread`); `sds`' value for any other hour.
   */
  readonly offPeakSds: readonly number[];
  /** The largest minute count of that hour. */
  readonly peaks: readonly number[];
  /** The minute within the hour (0–59) of that largest minute, -1 for an idle hour. */
  readonly peakMinutes: readonly number[];
  /**
   * How many minutes the run of that largest minute began before it (the consecutive minutes before the peak in
   * the hour more than halfway from its off-peak to the peak, at most `PEAK_SEPARATION_MINUTES` − 1): when a daily
   * cron's run starts. -1 when the hour's minutes were not at hand when it closed (see `foldSeasonalMinute`).
   */
  readonly peakRunsBefore: readonly number[];
  /**
   * The largest minute count of that hour at least `PEAK_SEPARATION_MINUTES` away from its peak minute (from
   * 10-minute blocks: see `OpenHour.blockPeaks`): the hour's ordinary busiest minute when its peak is a
   * one-off (a daily cron's run), the peak's equal otherwise.
   */
  readonly offPeaks: readonly number[];
  /** The largest sum of calls over the trailing window (`traffic.sustained.minutes`) ending in that hour. */
  readonly windowPeaks: readonly number[];
  /** The smallest such sum ending in that hour. */
  readonly windowLows: readonly number[];
  /** How many short trailing windows (`traffic.spike.windowsMinutes`) the baseline keeps peaks of. */
  readonly shortWindows: number;
  /**
   * Per slot and short window (`slot * shortWindows + window`): the largest sum of calls over that many minutes
   * ending in that hour (the key's busiest 2, 5 or 10 minutes: a batch client's luckiest run of batches, a cron's run).
   */
  readonly shortWindowPeaks: readonly number[];
  /** The hour being accumulated, or null before the first minute. */
  readonly open: OpenHour | null;
  /** Slot statistics around the hour of the next minute to evaluate (a cache; recomputed when missing). */
  readonly cache: SeasonalCache | null;
}

export interface OpenHour {
  readonly hour: number;
  readonly sum: number;
  readonly sumSquares: number;
  readonly peak: number;
  readonly windowPeak: number;
  /** Smallest trailing-window sum so far this hour (`NO_LOW` before the first minute). */
  readonly windowLow: number;
  /** Largest sum over each short trailing window so far this hour (`shortWindows` entries). */
  readonly shortWindowPeaks: readonly number[];
  /** The largest minute count in each 10-minute block of the hour so far (`PEAK_BLOCKS` entries). */
  readonly blockPeaks: readonly number[];
  /** The minute within the hour of each block's largest minute (-1 while the block has no calls). */
  readonly blockPeakMinutes: readonly number[];
  /** The sum of each block's minute counts, and of their squares. */
  readonly blockSums: readonly number[];
  readonly blockSumSquares: readonly number[];
}

/** Statistics of one hour of week over the past weeks (never the current week). */
export interface SlotStats {
  /** Median over past weeks of the hour's mean calls per minute. */
  readonly mean: number;
  /**
   * Median over past weeks of the within-hour standard deviation of minute counts, a one-off peak's minutes left
   * out (`offPeakSds`).
   */
  readonly sd: number;
  /** MAD of the weekly means scaled to a standard deviation: how much the level differs week to week. */
  readonly weeklySpread: number;
  /** The largest minute count of this hour of week in any past week: how bursty the key normally is. */
  readonly peak: number;
  /** The largest trailing-window sum of this hour of week in any past week. */
  readonly windowPeak: number;
  /** The smallest trailing-window sum of this hour of week in any past week. */
  readonly windowLow: number;
  /** How many past weeks contributed (0: no history). */
  readonly weeks: number;
}

export interface SeasonalCache {
  /** Slot statistics for epoch hours `hour - 2 … hour + 1`. */
  readonly hour: number;
  readonly slots: readonly SlotStats[];
  /** Mean calls per minute over all hours of the past weeks (0 without history). */
  readonly weeklyMeanRate: number;
  /** See `SeasonalExpectation.burstiness`. */
  readonly burstiness: number;
  /** See `SeasonalExpectation.dispersion`. */
  readonly dispersion: number;
  /** Largest minute count of the same hour of day (any day of the past weeks), for hours `hour - 2 … hour + 1`. */
  readonly dayPeaks: readonly number[];
  /** The same for trailing-window sums. */
  readonly dayWindowPeaks: readonly number[];
  /** The smallest trailing-window sums of the same hour of day, for hours `hour - 2 … hour + 1`. */
  readonly dayWindowLows: readonly number[];
  /**
   * Per hour `hour - 2 … hour + 1` (60 entries each) and minute within it: the largest hour peak of the same
   * hour of day in the kept weeks whose peak fell in that minute (see `pastPeakNear`).
   */
  readonly nearPeaks: readonly number[];
  /** The same: how many of those hours had a one-off peak (`ONE_OFF_PEAK_RATIO` × their off-peak) there. */
  readonly nearPeakCounts: readonly number[];
  /**
   * The same: the most minutes before that minute at which the run of one of those peaks began (`peakRunsBefore`;
   * `UNKNOWN_RUN` when one is unknown, -1 without any).
   */
  readonly nearRunsBefore: readonly number[];
  /** Per hour `hour - 2 … hour + 1`: how many hours of the same hour of day the kept weeks hold (idle ones too). */
  readonly nearEntries: readonly number[];
  /** Per hour `hour - 2 … hour + 1`: the largest off-peak minute (`offPeaks`) of the same hour of day. */
  readonly nearOffPeaks: readonly number[];
  /**
   * Per hour `hour - 2 … hour + 1` and short window (`slot * shortWindows + window`): the largest such sum of the
   * same hour of day (any day of the kept weeks, so the same day of week too).
   */
  readonly dayShortWindowPeaks: readonly number[];
}

/** The seasonal expectation for a minute, linearly interpolated between the centres of neighbouring hours. */
export interface SeasonalExpectation {
  /** Expected calls per minute. */
  readonly expected: number;
  /** Typical minute-to-minute deviation (within-hour standard deviation). */
  readonly minuteSpread: number;
  /** Typical week-to-week deviation of the hourly level. */
  readonly weeklySpread: number;
  /**
   * The largest minute count in this hour or either neighbouring hour, on the same day of week or any day, in
   * the past weeks: a daily batch job's minute is not a spike.
   */
  readonly pastPeak: number;
  /** The same for the sum of calls over the trailing window (`traffic.sustained.minutes`). */
  readonly pastWindowPeak: number;
  /**
   * The smallest trailing-window sum in this hour or either neighbouring hour, same day of week or any day, in
   * the past weeks (`NO_LOW` without history): a key that had quiet half hours around now cannot "drop".
   */
  readonly pastWindowLow: number;
  /** Past weeks behind the expectation (the fewer of the two interpolated hours). */
  readonly weeksOfHistory: number;
  /** Mean calls per minute over the whole past weeks: the key's average rate. */
  readonly weeklyMeanRate: number;
  /**
   * How far the key's busiest minute of an hour usually stands out: the 90th percentile over past hours of
   * (largest minute − hour mean) / √max(hour mean, 1). About 3 for independent calls; 10–20 for clients that
   * send batches of that size.
   */
  readonly burstiness: number;
  /**
   * How many times more the key's minute counts vary than independent calls would: the median over past
   * hours with at least two calls of (variance of the hour's minute counts) / (its mean), at least 1. About 1
   * for independent calls, about the batch size for clients that send batches (an hour with one call is about
   * 1 whatever the client, so those hours are left out: a quiet batch client has more of them than of hours
   * with its batches). A rate measured over a few minutes is uncertain by √(calls × dispersion), not √calls.
   */
  readonly dispersion: number;
}

/** Minutes per block of an hour whose largest minute is kept while the hour is open (six blocks an hour). */
const PEAK_BLOCK_MINUTES = 10;
const PEAK_BLOCKS = MINUTES_PER_HOUR / PEAK_BLOCK_MINUTES;
/**
 * A block's largest minute counts as off-peak when it is at least this far from the hour's peak minute: a daily
 * cron runs for a few consecutive minutes, so its neighbours within 10 minutes are part of the same run.
 */
export const PEAK_SEPARATION_MINUTES = 10;

/**
 * A recurring job's runs set the past peak from this many minutes before the earliest start of theirs seen: a job
 * a scheduler starts begins within a minute of its time, and one whose start wanders shows it in the days kept.
 */
export const RUN_LEAD_MINUTES = 2;
/** `SeasonalCache.nearRunsBefore` when a run's start is unknown: the run may have begun any time before its peak. */
const UNKNOWN_RUN = MINUTES_PER_HOUR;

/** Hours with fewer calls are left out of the key's dispersion (see `SeasonalExpectation.dispersion`). */
const MIN_CALLS_FOR_DISPERSION = 2;

/** "No window seen": larger than any count, and JSON-safe (unlike Infinity). */
export const NO_LOW = Number.MAX_SAFE_INTEGER;

const NO_HISTORY: SlotStats = Object.freeze({
  mean: 0,
  sd: 0,
  weeklySpread: 0,
  peak: 0,
  windowPeak: 0,
  windowLow: NO_LOW,
  weeks: 0,
});

/**
 * An empty baseline keeping `weeks` past weeks and, per hour, the peaks of `shortWindows` short trailing windows
 * (the caller passes their sums to `foldSeasonalMinute`, in the same order).
 */
export function createSeasonalBaseline(weeks: number, shortWindows = 0): SeasonalBaseline {
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > 12) {
    throw new RangeError(`weeks: must be a whole number from 1 to 12, got ${String(weeks)}`);
  }
  if (!Number.isInteger(shortWindows) || shortWindows < 0 || shortWindows > 8) {
    throw new RangeError(`shortWindows: must be a whole number from 0 to 8, got ${String(shortWindows)}`);
  }
  const size = HOURS_PER_WEEK * (weeks + 1);
  return {
    weeks,
    entryHours: new Array<number>(size).fill(-1),
    means: new Array<number>(size).fill(0),
    sds: new Array<number>(size).fill(0),
    offPeakSds: new Array<number>(size).fill(0),
    peaks: new Array<number>(size).fill(0),
    peakMinutes: new Array<number>(size).fill(-1),
    peakRunsBefore: new Array<number>(size).fill(-1),
    offPeaks: new Array<number>(size).fill(0),
    windowPeaks: new Array<number>(size).fill(0),
    windowLows: new Array<number>(size).fill(NO_LOW),
    shortWindows,
    shortWindowPeaks: new Array<number>(size * shortWindows).fill(0),
    open: null,
    cache: null,
  };
}

/** Hour of week (0 = Monday 00:00–01:00 UTC) of an epoch hour. */
export function hourOfWeek(epochHour: number): number {
  return (((epochHour + EPOCH_HOUR_OF_WEEK) % HOURS_PER_WEEK) + HOURS_PER_WEEK) % HOURS_PER_WEEK;
}

function ringIndex(baseline: SeasonalBaseline, epochHour: number): number {
  const ring = baseline.weeks + 1;
  const week = Math.floor((epochHour + EPOCH_HOUR_OF_WEEK) / HOURS_PER_WEEK);
  return hourOfWeek(epochHour) * ring + (((week % ring) + ring) % ring);
}

/** The calls of an earlier minute, or undefined when they are not at hand. */
export type CallsAt = (minute: EpochMinute) => number | undefined;

/**
 * Adds the calls of `minute` and the sum of calls over the trailing window ending at it (`trailingSum`) (the minutes must come in increasing order; a minute at or before the last one
 * folded is ignored, so replays are harmless). Minutes skipped since the last call count as zero calls.
 * `shortTrailingSums` are the sums over the short trailing windows ending at it (`shortWindows` of them, missing
 * ones taken as `calls`). `callsAt` gives the calls of the minutes already folded, for the hour this minute
 * closes (where its peak's run began, `peakRunsBefore`; unknown without it).
 */
export function foldSeasonalMinute(
  baseline: SeasonalBaseline,
  minute: EpochMinute,
  calls: number,
  trailingSum: number = calls,
  shortTrailingSums: readonly number[] = NO_SUMS,
  callsAt?: CallsAt,
): SeasonalBaseline {
  const hour = Math.floor(minute / MINUTES_PER_HOUR);
  let next = baseline;
  let open = baseline.open;
  if (open !== null && hour < open.hour) {
    return baseline;
  }
  if (open !== null && hour > open.hour) {
    next = closeHours(baseline, open, hour, callsAt);
    open = null;
  }
  const current = open ?? {
    hour,
    sum: 0,
    sumSquares: 0,
    peak: 0,
    windowPeak: 0,
    windowLow: NO_LOW,
    shortWindowPeaks: zeros(baseline.shortWindows),
    blockPeaks: EMPTY_BLOCKS,
    blockPeakMinutes: NO_BLOCK_MINUTES,
    blockSums: EMPTY_BLOCKS,
    blockSumSquares: EMPTY_BLOCKS,
  };
  const minuteOfHour = minute - hour * MINUTES_PER_HOUR;
  const block = Math.floor(minuteOfHour / PEAK_BLOCK_MINUTES);
  // The block arrays are copied only when a block's largest minute changes (a few times an hour).
  const newBlockPeak = calls > 0 && calls > current.blockPeaks[block];
  // Copied only when a peak grows (a few times an hour).
  let grownShortPeaks: number[] | null = null;
  for (let index = 0; index < current.shortWindowPeaks.length; index++) {
    const sum = shortTrailingSums[index] ?? calls;
    if (sum > current.shortWindowPeaks[index]) {
      grownShortPeaks ??= [...current.shortWindowPeaks];
      grownShortPeaks[index] = sum;
    }
  }
  const shortWindowPeaks = grownShortPeaks ?? current.shortWindowPeaks;
  const updated: SeasonalBaseline = {
    ...next,
    open: {
      hour,
      sum: current.sum + calls,
      sumSquares: current.sumSquares + calls * calls,
      peak: Math.max(current.peak, calls),
      windowPeak: Math.max(current.windowPeak, trailingSum),
      windowLow: Math.min(current.windowLow, trailingSum),
      shortWindowPeaks,
      blockPeaks: newBlockPeak ? replaced(current.blockPeaks, block, calls) : current.blockPeaks,
      blockPeakMinutes: newBlockPeak
        ? replaced(current.blockPeakMinutes, block, minuteOfHour)
        : current.blockPeakMinutes,
      // A minute without calls adds nothing: the arrays are copied only for minutes with calls.
      blockSums: calls > 0 ? added(current.blockSums, block, calls) : current.blockSums,
      blockSumSquares:
        calls > 0 ? added(current.blockSumSquares, block, calls * calls) : current.blockSumSquares,
    },
  };
  const nextHour = Math.floor((minute + 1) / MINUTES_PER_HOUR);
  return updated.cache?.hour === nextHour ? updated : { ...updated, cache: buildCache(updated, nextHour) };
}

const EMPTY_BLOCKS: readonly number[] = Object.freeze(new Array<number>(PEAK_BLOCKS).fill(0));
const NO_BLOCK_MINUTES: readonly number[] = Object.freeze(new Array<number>(PEAK_BLOCKS).fill(-1));
const NO_SUMS: readonly number[] = Object.freeze([]);

/** A new hour's short-window peaks: one zero per window (the shared empty array when there are none). */
function zeros(length: number): readonly number[] {
  return length === 0 ? NO_SUMS : new Array<number>(length).fill(0);
}

function replaced(values: readonly number[], index: number, value: number): number[] {
  const copy = [...values];
  copy[index] = value;
  return copy;
}

function added(values: readonly number[], index: number, value: number): number[] {
  return replaced(values, index, values[index] + value);
}

/** Off-peak minutes an hour needs for `offPeakSpread` to describe it (else its whole spread stands). */
const MIN_OFF_PEAK_MINUTES = 30;

/**
 * The standard deviation of the hour's minutes away from a one-off peak (at least `ONE_OFF_PEAK_RATIO` × its
 * off-peak: a daily cron's run): the minutes of the blocks whose largest minute is at least
 * `PEAK_SEPARATION_MINUTES` from the peak's. Any other hour gives `sd`. Why: a cron of 400 calls a minute for 3
 * minutes, in an hour of 30 calls a minute, makes the hour's spread about 90 where its ordinary minutes vary by
 * about 6; every spread-based check then ignored a 5× spike in that hour. The cron itself stays judged by the
 * past peak near its time (`pastPeakNear`), which remembers its runs.
 */
function offPeakSpread(open: OpenHour, peakMinute: number, offPeak: number, sd: number): number {
  if (peakMinute < 0 || offPeak === 0 || open.peak < ONE_OFF_PEAK_RATIO * offPeak) {
    return sd;
  }
  let minutes = 0;
  let sum = 0;
  let sumSquares = 0;
  for (let block = 0; block < PEAK_BLOCKS; block++) {
    const at = open.blockPeakMinutes[block];
    if (at >= 0 && Math.abs(at - peakMinute) < PEAK_SEPARATION_MINUTES) {
      continue;
    }
    minutes += PEAK_BLOCK_MINUTES;
    sum += open.blockSums[block];
    sumSquares += open.blockSumSquares[block];
  }
  if (minutes < MIN_OFF_PEAK_MINUTES) {
    return sd;
  }
  const mean = sum / minutes;
  return Math.min(sd, Math.sqrt(Math.max(0, sumSquares / minutes - mean * mean)));
}

/**
 * The hour's peak minute and its largest minute at least `PEAK_SEPARATION_MINUTES` from it, from the largest
 * minute of each 10-minute block (a block whose largest minute is that close to the peak is left out whole).
 */
function peakAndOffPeak(open: OpenHour): { readonly peakMinute: number; readonly offPeak: number } {
  let peakBlock = -1;
  for (let block = 0; block < open.blockPeaks.length; block++) {
    if (
      open.blockPeaks[block] > 0 &&
      (peakBlock < 0 || open.blockPeaks[block] > open.blockPeaks[peakBlock])
    ) {
      peakBlock = block;
    }
  }
  if (peakBlock < 0) {
    return { peakMinute: -1, offPeak: 0 };
  }
  const peakMinute = open.blockPeakMinutes[peakBlock];
  let offPeak = 0;
  for (let block = 0; block < open.blockPeaks.length; block++) {
    const at = open.blockPeakMinutes[block];
    if (block !== peakBlock && at >= 0 && Math.abs(at - peakMinute) >= PEAK_SEPARATION_MINUTES) {
      offPeak = Math.max(offPeak, open.blockPeaks[block]);
    }
  }
  return { peakMinute, offPeak };
}

/**
 * How many minutes before the peak minute its run began: the consecutive minutes before it in the hour with more
 * calls than halfway from the hour's off-peak (its largest ordinary minute) to the peak, at most
 * `PEAK_SEPARATION_MINUTES` − 1 (a one-off's run lies within that). Halfway, not the off-peak itself: ordinary
 * minutes next to a cron's run beat the busiest ordinary minute 10 or more minutes away now and then (the level
 * moves within the hour), and would make the run start earlier than it does. -1 when a minute needed is not at hand.
 */
function peakRunBefore(
  hour: number,
  peak: number,
  peakMinute: number,
  offPeak: number,
  callsAt: CallsAt | undefined,
): number {
  if (peakMinute < 0 || callsAt === undefined) {
    return -1;
  }
  const peakAt = hour * MINUTES_PER_HOUR + peakMinute;
  if (callsAt(peakAt) === undefined) {
    return -1;
  }
  let before = 0;
  while (before < PEAK_SEPARATION_MINUTES - 1 && before < peakMinute) {
    const calls = callsAt(peakAt - before - 1);
    if (calls === undefined) {
      return -1;
    }
    if (2 * calls <= peak + offPeak) {
      break;
    }
    before += 1;
  }
  return before;
}

/** Writes the open hour and zero hours for every whole hour skipped until `untilHour` (exclusive). */
function closeHours(
  baseline: SeasonalBaseline,
  open: OpenHour,
  untilHour: number,
  callsAt: CallsAt | undefined,
): SeasonalBaseline {
  const entryHours = [...baseline.entryHours];
  const means = [...baseline.means];
  const sds = [...baseline.sds];
  const offPeakSds = [...baseline.offPeakSds];
  const peaks = [...baseline.peaks];
  const peakMinutes = [...baseline.peakMinutes];
  const peakRunsBefore = [...baseline.peakRunsBefore];
  const offPeaks = [...baseline.offPeaks];
  const windowPeaks = [...baseline.windowPeaks];
  const windowLows = [...baseline.windowLows];
  const shortWindows = baseline.shortWindows;
  const shortWindowPeaks = [...baseline.shortWindowPeaks];
  const write = (
    hour: number,
    mean: number,
    sd: number,
    peak: number,
    windowPeak: number,
    windowLow: number,
    peakMinute = -1,
    offPeak = 0,
    shortPeaks: readonly number[] = NO_SUMS,
    offPeakSd = sd,
    runBefore = -1,
  ): void => {
    const index = ringIndex(baseline, hour);
    entryHours[index] = hour;
    means[index] = mean;
    sds[index] = sd;
    offPeakSds[index] = offPeakSd;
    peaks[index] = peak;
    peakMinutes[index] = peakMinute;
    peakRunsBefore[index] = runBefore;
    offPeaks[index] = offPeak;
    windowPeaks[index] = windowPeak;
    windowLows[index] = windowLow;
    for (let window = 0; window < shortWindows; window++) {
      shortWindowPeaks[index * shortWindows + window] = shortPeaks[window] ?? 0;
    }
  };
  const mean = open.sum / MINUTES_PER_HOUR;
  const { peakMinute, offPeak } = peakAndOffPeak(open);
  const sd = Math.sqrt(Math.max(0, open.sumSquares / MINUTES_PER_HOUR - mean * mean));
  write(
    open.hour,
    mean,
    sd,
    open.peak,
    open.windowPeak,
    open.windowLow,
    peakMinute,
    offPeak,
    open.shortWindowPeaks,
    offPeakSpread(open, peakMinute, offPeak, sd),
    peakRunBefore(open.hour, open.peak, peakMinute, offPeak, callsAt),
  );
  // Idle hours are real zeros; beyond the ring's length older ones would be overwritten anyway.
  const firstIdle = Math.max(open.hour + 1, untilHour - HOURS_PER_WEEK * (baseline.weeks + 1));
  for (let hour = firstIdle; hour < untilHour; hour++) {
    write(hour, 0, 0, 0, 0, 0);
  }
  return {
    ...baseline,
    entryHours,
    means,
    sds,
    offPeakSds,
    peaks,
    peakMinutes,
    peakRunsBefore,
    offPeaks,
    windowPeaks,
    windowLows,
    shortWindowPeaks,
    cache: null,
  };
}

function slotStats(baseline: SeasonalBaseline, epochHour: number): SlotStats {
  const ring = baseline.weeks + 1;
  const base = hourOfWeek(epochHour) * ring;
  const means: number[] = [];
  const sds: number[] = [];
  let peak = 0;
  let windowPeak = 0;
  let windowLow = NO_LOW;
  for (let offset = 0; offset < ring; offset++) {
    const entryHour = baseline.entryHours[base + offset];
    const weeksBack = (epochHour - entryHour) / HOURS_PER_WEEK;
    // Past weeks only: the current week's value of this hour is what is being judged.
    if (entryHour >= 0 && weeksBack >= 1 && weeksBack <= baseline.weeks) {
      means.push(baseline.means[base + offset]);
      sds.push(baseline.offPeakSds[base + offset]);
      peak = Math.max(peak, baseline.peaks[base + offset]);
      windowPeak = Math.max(windowPeak, baseline.windowPeaks[base + offset]);
      windowLow = Math.min(windowLow, baseline.windowLows[base + offset]);
    }
  }
  if (means.length === 0) {
    return NO_HISTORY;
  }
  return {
    mean: median(means),
    sd: median(sds),
    weeklySpread: MAD_TO_SD * medianAbsoluteDeviation(means),
    peak,
    windowPeak,
    windowLow,
    weeks: means.length,
  };
}

function buildCache(baseline: SeasonalBaseline, hour: number): SeasonalCache {
  let total = 0;
  let count = 0;
  const standardisedPeaks: number[] = [];
  const dispersions: number[] = [];
  for (let index = 0; index < baseline.entryHours.length; index++) {
    const entryHour = baseline.entryHours[index];
    if (entryHour >= 0 && entryHour < hour && hour - entryHour <= HOURS_PER_WEEK * baseline.weeks) {
      const mean = baseline.means[index];
      total += mean;
      count += 1;
      if (baseline.peaks[index] > 0) {
        standardisedPeaks.push((baseline.peaks[index] - mean) / Math.sqrt(Math.max(mean, 1)));
      }
      // An hour with a single call says nothing about how the key's calls cluster (its variance-to-mean ratio
      // is about 1 whatever the client): a quiet batch client has more such hours (a mistyped secret now and
      // then) than hours with its batches.
      if (Math.round(mean * MINUTES_PER_HOUR) >= MIN_CALLS_FOR_DISPERSION) {
        dispersions.push((baseline.sds[index] * baseline.sds[index]) / mean);
      }
    }
  }
  standardisedPeaks.sort((a, b) => a - b);
  const dispersion = dispersions.length === 0 ? 1 : Math.max(1, median(dispersions));
  const burstiness =
    standardisedPeaks.length === 0 ? 0 : standardisedPeaks[Math.floor(0.9 * (standardisedPeaks.length - 1))];
  // Same hour of day on an earlier day, within the kept weeks, for hours `hour - 2 … hour + 1`.
  const dayPeaks = [0, 0, 0, 0];
  const dayWindowPeaks = [0, 0, 0, 0];
  const dayWindowLows = [NO_LOW, NO_LOW, NO_LOW, NO_LOW];
  const nearPeaks = new Array<number>(4 * MINUTES_PER_HOUR).fill(0);
  const nearPeakCounts = new Array<number>(4 * MINUTES_PER_HOUR).fill(0);
  const nearRunsBefore = new Array<number>(4 * MINUTES_PER_HOUR).fill(-1);
  const nearEntries = [0, 0, 0, 0];
  const nearOffPeaks = [0, 0, 0, 0];
  const shortWindows = baseline.shortWindows;
  const dayShortWindowPeaks = new Array<number>(4 * shortWindows).fill(0);
  for (let index = 0; index < baseline.entryHours.length; index++) {
    const entryHour = baseline.entryHours[index];
    if (entryHour < 0) {
      continue;
    }
    for (let slot = 0; slot < 4; slot++) {
      const age = hour + slot - 2 - entryHour;
      if (age > 0 && age % 24 === 0 && age <= HOURS_PER_WEEK * baseline.weeks) {
        dayPeaks[slot] = Math.max(dayPeaks[slot], baseline.peaks[index]);
        dayWindowPeaks[slot] = Math.max(dayWindowPeaks[slot], baseline.windowPeaks[index]);
        dayWindowLows[slot] = Math.min(dayWindowLows[slot], baseline.windowLows[index]);
        nearOffPeaks[slot] = Math.max(nearOffPeaks[slot], baseline.offPeaks[index]);
        nearEntries[slot] += 1;
        for (let window = 0; window < shortWindows; window++) {
          const at = slot * shortWindows + window;
          dayShortWindowPeaks[at] = Math.max(
            dayShortWindowPeaks[at],
            baseline.shortWindowPeaks[index * shortWindows + window],
          );
        }
        const peakMinute = baseline.peakMinutes[index];
        if (peakMinute >= 0) {
          const at = slot * MINUTES_PER_HOUR + peakMinute;
          nearPeaks[at] = Math.max(nearPeaks[at], baseline.peaks[index]);
          const runBefore = baseline.peakRunsBefore[index];
          nearRunsBefore[at] = Math.max(nearRunsBefore[at], runBefore < 0 ? UNKNOWN_RUN : runBefore);
          // A one-off (a cron's run), not the busiest of many alike minutes (a batch client's, ties included).
          if (baseline.peaks[index] >= ONE_OFF_PEAK_RATIO * baseline.offPeaks[index]) {
            nearPeakCounts[at] += 1;
          }
        }
      }
    }
  }
  return {
    hour,
    slots: [hour - 2, hour - 1, hour, hour + 1].map((slotHour) => slotStats(baseline, slotHour)),
    weeklyMeanRate: count === 0 ? 0 : total / count,
    burstiness,
    dispersion,
    dayPeaks,
    dayWindowPeaks,
    dayWindowLows,
    nearPeaks,
    nearPeakCounts,
    nearRunsBefore,
    nearEntries,
    nearOffPeaks,
    dayShortWindowPeaks,
  };
}

/** Same-hour-of-day peaks for `hour` and its neighbours (0 when the cache does not cover them). */
function dayPeaksAround(peaks: readonly number[], cache: SeasonalCache, hour: number, missing = 0): number[] {
  return [hour - 1, hour, hour + 1].map((around) => peaks[around - cache.hour + 2] ?? missing);
}

function statsFor(baseline: SeasonalBaseline, cache: SeasonalCache, epochHour: number): SlotStats {
  const offset = epochHour - cache.hour + 2;
  return offset >= 0 && offset < cache.slots.length ? cache.slots[offset] : slotStats(baseline, epochHour);
}

/**
 * What the key's past weeks say about time `t` (in epoch minutes, fractional allowed: minute `m` is centred at
 * `m + 0.5`). Each hour's value sits at the hour's centre and values in between are interpolated linearly, so
 * a daily ramp-up is followed minute by minute instead of in hourly steps. O(1) when `t` is within an hour of
 * the cached hour (always, for the minute after the last one folded).
 */
export function seasonalExpectation(baseline: SeasonalBaseline, t: number): SeasonalExpectation {
  const hour = Math.floor(t / MINUTES_PER_HOUR);
  const cache =
    baseline.cache !== null && Math.abs(baseline.cache.hour - hour) <= 1
      ? baseline.cache
      : buildCache(baseline, hour);
  const position = (t - hour * MINUTES_PER_HOUR) / MINUTES_PER_HOUR - 0.5;
  const neighbourHour = position < 0 ? hour - 1 : hour + 1;
  const weight = Math.abs(position);
  const own = statsFor(baseline, cache, hour);
  const neighbour = statsFor(baseline, cache, neighbourHour);
  const other = statsFor(baseline, cache, position < 0 ? hour + 1 : hour - 1);
  const mix = (a: number, b: number): number => (1 - weight) * a + weight * b;
  return {
    expected: mix(own.mean, neighbour.mean),
    minuteSpread: mix(own.sd, neighbour.sd),
    weeklySpread: mix(own.weeklySpread, neighbour.weeklySpread),
    pastPeak: Math.max(own.peak, neighbour.peak, other.peak, ...dayPeaksAround(cache.dayPeaks, cache, hour)),
    pastWindowPeak: Math.max(
      own.windowPeak,
      neighbour.windowPeak,
      other.windowPeak,
      ...dayPeaksAround(cache.dayWindowPeaks, cache, hour),
    ),
    pastWindowLow: Math.min(
      own.windowLow,
      neighbour.windowLow,
      other.windowLow,
      ...dayPeaksAround(cache.dayWindowLows, cache, hour, NO_LOW),
    ),
    weeksOfHistory: Math.min(own.weeks, neighbour.weeks),
    weeklyMeanRate: cache.weeklyMeanRate,
    burstiness: cache.burstiness,
    dispersion: cache.dispersion,
  };
}

/** Minutes either side of a peak's minute within which the peaks of other days count as the same recurring job. */
export const RECURRENCE_BAND_MINUTES = 5;

/** The cache around `hour` for the near-peak lookups: the baseline's own when built for that hour or the next. */
function nearCache(baseline: SeasonalBaseline, hour: number): SeasonalCache {
  return baseline.cache !== null && (baseline.cache.hour === hour || baseline.cache.hour === hour + 1)
    ? baseline.cache
    : buildCache(baseline, hour);
}

/**
 * How many one-off peaks of the cached hour slot starting at `base` (`slot * MINUTES_PER_HOUR`) lay within
 * `RECURRENCE_BAND_MINUTES` of `minuteOfHour`, over the kept days: a daily job's runs at about that time.
 */
function peaksAround(cache: SeasonalCache, base: number, minuteOfHour: number): number {
  let count = 0;
  for (
    let other = Math.max(0, minuteOfHour - RECURRENCE_BAND_MINUTES);
    other <= Math.min(MINUTES_PER_HOUR - 1, minuteOfHour + RECURRENCE_BAND_MINUTES);
    other++
  ) {
    count += cache.nearPeakCounts[base + other];
  }
  return count;
}
/** An hour's peak is a one-off (a job's run) when it is at least this multiple of the hour's off-peak. */
export const ONE_OFF_PEAK_RATIO = 2;

/**
 * `SeasonalExpectation.pastPeak` (the largest minute of this hour and both neighbouring hours, same day of week or
 * any day, in the kept weeks) without the peaks of a job that recurs at the same time of day, unless time `t`
 * (epoch minutes, fractional: minute `m` is centred at `m + 0.5`) is at most `nearMinutes` (1–60) after such a
 * peak's minute, or before it by no more than its run's start (`peakRunsBefore`, the most of the days kept) and
 * `RUN_LEAD_MINUTES` (at most `nearMinutes`, and `nearMinutes` when a run's start is unknown). A peak
 * recurs when at least half of the days' same hour (idle ones included) had a one-off peak (at least
 * `ONE_OFF_PEAK_RATIO` × the hour's off-peak) within `RECURRENCE_BAND_MINUTES` of its minute: a daily cron, whose
 * runs then set the past peak at and around its time only, while the hour's other minutes still count (its
 * off-peak, `offPeaks`). Peaks at scattered minutes (a
 * client's batches, the busiest minute of a daily cycle) count wherever they fell, as in `pastPeak`; the value
 * is never above `pastPeak`. O(180) from the cache; meant to be called only for a minute that passes every other
 * condition of a check.
 */
export function pastPeakNear(baseline: SeasonalBaseline, t: number, nearMinutes: number): number {
  const near = Math.min(MINUTES_PER_HOUR, Math.max(1, nearMinutes));
  const hour = Math.floor(t / MINUTES_PER_HOUR);
  const cache = nearCache(baseline, hour);
  let peak = 0;
  for (let epochHour = hour - 1; epochHour <= hour + 1; epochHour++) {
    const slot = epochHour - cache.hour + 2;
    if (slot < 0 || slot > 3) {
      return seasonalExpectation(baseline, t).pastPeak;
    }
    peak = Math.max(peak, cache.nearOffPeaks[slot]);
    const base = slot * MINUTES_PER_HOUR;
    const entries = cache.nearEntries[slot];
    for (let minute = 0; minute < MINUTES_PER_HOUR; minute++) {
      const value = cache.nearPeaks[base + minute];
      if (value <= peak) {
        continue;
      }
      // Minutes from the peak to the judged minute: a recurring job's runs count from shortly before the earliest
      // start seen to `near` minutes after its peak (a run that starts late or lasts longer is still the job).
      const after = t - (epochHour * MINUTES_PER_HOUR + minute + 0.5);
      const lead = Math.min(near, cache.nearRunsBefore[base + minute] + RUN_LEAD_MINUTES);
      if (after > near || after < -lead) {
        if (2 * peaksAround(cache, base, minute) >= entries) {
          continue;
        }
      }
      peak = value;
    }
  }
  return peak;
}

/**
 * The largest sum of calls over the short trailing window number `window` (of `traffic.spike.windowsMinutes`)
 * seen in the hour of time `t` (epoch minutes, fractional) or either neighbouring hour, on any day of the kept
 * weeks (the same day of week included): what the key's busiest 2, 5 or 10 minutes around this time of day were, a
 * batch client's luckiest run of batches or a cron's run. 0 without history or when the baseline keeps no such
 * window. O(1) from the cache.
 */
export function pastShortWindowPeak(baseline: SeasonalBaseline, t: number, window: number): number {
  const count = baseline.shortWindows;
  if (window < 0 || window >= count) {
    return 0;
  }
  const hour = Math.floor(t / MINUTES_PER_HOUR);
  const cache = nearCache(baseline, hour);
  let peak = 0;
  for (let epochHour = hour - 1; epochHour <= hour + 1; epochHour++) {
    const slot = epochHour - cache.hour + 2;
    peak = Math.max(peak, cache.dayShortWindowPeaks[slot * count + window] ?? 0);
  }
  return peak;
}

/**
 * Whether a job that recurs at the same time of day (as `pastPeakNear` tells it: at least half of the days' same
 * hour in the kept weeks had a one-off peak within `RECURRENCE_BAND_MINUTES`) runs at a minute of
 * `[startMinute, endMinute]` (epoch minutes, at most an hour before the minute after the last one folded): a daily
 * cron's run, which a sum over those minutes compared with the hour's mean would read as a spike. O(minutes × 11)
 * from the cache; meant for a window that passes every other condition of a check.
 */
export function recurringPeakWithin(
  baseline: SeasonalBaseline,
  startMinute: number,
  endMinute: number,
): boolean {
  const hour = Math.floor(endMinute / MINUTES_PER_HOUR);
  const cache = nearCache(baseline, hour);
  for (let minute = startMinute; minute <= endMinute; minute++) {
    const epochHour = Math.floor(minute / MINUTES_PER_HOUR);
    const slot = epochHour - cache.hour + 2;
    if (slot < 0 || slot > 3) {
      continue;
    }
    const base = slot * MINUTES_PER_HOUR;
    const ofHour = minute - epochHour * MINUTES_PER_HOUR;
    const sameTime = peaksAround(cache, base, ofHour);
    if (sameTime > 0 && 2 * sameTime >= cache.nearEntries[slot]) {
      return true;
    }
  }
  return false;
}
