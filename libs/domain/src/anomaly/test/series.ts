import { DEFAULT_ANOMALY_CONFIG, requiredWindowMinutes, type AnomalyConfig } from '../anomaly-config';
import { createKeyBaseline, updateKeyBaseline, type KeyBaseline } from '../key-baseline';
import {
  MINUTE_MS,
  MINUTES_PER_DAY,
  NO_SOURCES,
  ZERO_MINUTE,
  type KeyTrafficWindow,
  type MinuteCounts,
  type MinuteSources,
} from '../types';

/** Monday 2026-06-01 00:00 UTC, in epoch minutes. */
export const MONDAY = Math.floor(Date.UTC(2026, 5, 1) / MINUTE_MS);
export const WEEK = 7 * MINUTES_PER_DAY;

export function calls(requests: number, extra: Partial<MinuteCounts> = {}): MinuteCounts {
  return { ...ZERO_MINUTE, requests, billable: requests, ...extra };
}

/** Deterministic noise in [-1, 1) for a minute (a hash, so series are reproducible without a random source). */
export function jitter(minute: number, salt = 0): number {
  let h = Math.imul(minute ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt + 7, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h ^= h >>> 13;
  return ((h >>> 0) / 4294967296) * 2 - 1;
}

/**
 * A busy key with a daily cycle (peak at 14:00 UTC, 9× the night level), quieter weekends and noise: the
 * kind of series whose normal daily peak must never alarm.
 */
export function dailyCycleCalls(minute: number, scale = 1): number {
  const hour = (minute % MINUTES_PER_DAY) / 60;
  const dayOfWeek = Math.floor((minute - MONDAY) / MINUTES_PER_DAY) % 7;
  const level = 100 * (1 + 0.8 * Math.cos((2 * Math.PI * (hour - 14)) / 24)) * (dayOfWeek >= 5 ? 0.5 : 1);
  return Math.max(
    0,
    Math.round(scale * (level * (1 + 0.05 * jitter(minute, 1)) + Math.sqrt(level) * jitter(minute, 2))),
  );
}

/** A key replayed minute by minute: its baseline and the last minutes, ready for the next window. */
export interface Replay {
  readonly baseline: KeyBaseline;
  readonly minutes: readonly MinuteCounts[];
  /** The next minute to evaluate. */
  readonly next: number;
  readonly config: AnomalyConfig;
}

export function startReplay(from: number, config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG): Replay {
  return { baseline: createKeyBaseline('key_test', config), minutes: [], next: from, config };
}

/** The window ending at `replay.next` with `counts` as its newest minute, as long as the evaluator's. */
export function windowWith(
  replay: Replay,
  counts: MinuteCounts,
  sources: MinuteSources = NO_SOURCES,
): KeyTrafficWindow {
  const minutes = [...replay.minutes, counts].slice(-requiredWindowMinutes(replay.config));
  return { keyId: 'key_test', endMinute: replay.next, minutes, sources };
}

/** Folds one more minute. */
export function step(replay: Replay, counts: MinuteCounts, sources: MinuteSources = NO_SOURCES): Replay {
  const window = windowWith(replay, counts, sources);
  return {
    ...replay,
    baseline: updateKeyBaseline(replay.baseline, window, replay.config),
    minutes: window.minutes,
    next: replay.next + 1,
  };
}

/** Folds the minutes up to `until` (exclusive). */
export function replayUntil(
  replay: Replay,
  until: number,
  countsAt: (minute: number) => MinuteCounts,
  sourcesAt: (minute: number) => MinuteSources = () => NO_SOURCES,
): Replay {
  let current = replay;
  while (current.next < until) {
    current = step(current, countsAt(current.next), sourcesAt(current.next));
  }
  return current;
}
