import type { IANAZone } from 'luxon';
import { offsetMsAt } from './time-zone';

/** A calendar date on a local wall clock (month 1–12). */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const DAY_MS = 86_400_000;

/** The local calendar date at an instant. */
export function localDateOf(epochMs: number, zone: IANAZone): LocalDate {
  const wall = new Date(epochMs + offsetMsAt(zone, epochMs));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
}

/** Wall-clock reading of local midnight as if it were UTC; out-of-range months and days roll over. */
export function wallClockMidnight(year: number, month: number, day: number): number {
  const wall = new Date(0);
  wall.setUTCFullYear(year, month - 1, day);
  return wall.getTime();
}

/**
 * The first instant whose local date is the given one. Usually local midnight; when midnight happens twice
 * (clocks set back across it, e.g. America/Havana) the earlier one; when midnight is skipped (clocks set
 * forward over it, e.g. America/Santiago) the instant of the jump. A date skipped entirely (Pacific/Apia,
 * 2011-12-30) starts where the next one does.
 */
export function firstInstantOfLocalDate(year: number, month: number, day: number, zone: IANAZone): number {
  const wall = wallClockMidnight(year, month, day);
  // Offsets in force around that date; a change near midnight shows up as two different values.
  const offsets = new Set([
    offsetMsAt(zone, wall - 2 * DAY_MS),
    offsetMsAt(zone, wall),
    offsetMsAt(zone, wall + 2 * DAY_MS),
  ]);
  let first: number | undefined;
  for (const offset of offsets) {
    const candidate = wall - offset;
    if (offsetMsAt(zone, candidate) === offset && (first === undefined || candidate < first)) {
      first = candidate;
    }
  }
  if (first !== undefined) {
    return first;
  }
  const candidates = [...offsets].map((offset) => wall - offset);
  return firstInstantWhere(Math.min(...candidates), Math.max(...candidates), (epochMs) => {
    return epochMs + offsetMsAt(zone, epochMs) >= wall;
  });
}

/**
 * Smallest millisecond in (after, upTo] where `holds` is true, for a predicate that is false before some
 * instant and true from it on. Returns `upTo` when it never becomes true earlier.
 */
export function firstInstantWhere(after: number, upTo: number, holds: (epochMs: number) => boolean): number {
  let low = after;
  let high = upTo;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (holds(middle)) {
      high = middle;
    } else {
      low = middle;
    }
  }
  return high;
}
