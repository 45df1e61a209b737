const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** RFC 3339 with seconds; fraction digits beyond milliseconds are dropped. */
const RFC3339_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

export const OCCURRED_AT_REASON =
  'must be an RFC 3339 timestamp such as 2026-03-01T12:00:00.000Z (UTC, milliseconds)';

/** Epoch milliseconds and canonical UTC string of an RFC 3339 timestamp, or undefined when it is not one. */
export function parseInstant(value: string): { epochMs: number; canonical: string } | undefined {
  if (CANONICAL_INSTANT.test(value)) {
    // Hot path (every event from our own gateways): read the digits in place, no match array.
    const epochMs = checkedEpochMs(
      digitsAt(value, 0, 4),
      digitsAt(value, 5, 2),
      digitsAt(value, 8, 2),
      digitsAt(value, 11, 2),
      digitsAt(value, 14, 2),
      digitsAt(value, 17, 2),
      digitsAt(value, 20, 3),
    );
    return epochMs === undefined ? undefined : { epochMs, canonical: value };
  }
  const lenient = RFC3339_INSTANT.exec(value);
  if (lenient === null) {
    return undefined;
  }
  const offsetMs = offsetMsOf(lenient[8]);
  const wallClockMs = wallClockMsOf(lenient);
  if (wallClockMs === undefined || offsetMs === undefined) {
    return undefined;
  }
  const epochMs = wallClockMs - offsetMs;
  return { epochMs, canonical: new Date(epochMs).toISOString() };
}

/** Fields 1–7 of a match (year … fraction) read as UTC, or undefined for an impossible calendar date/time. */
function wallClockMsOf(match: RegExpExecArray): number | undefined {
  const fraction = match[7] === undefined ? 0 : Number(match[7].slice(0, 3).padEnd(3, '0'));
  return checkedEpochMs(
    Number(match[1]),
    Number(match[2]),
    Number(match[3]),
    Number(match[4]),
    Number(match[5]),
    Number(match[6]),
    fraction,
  );
}

function checkedEpochMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millisecond: number,
): number | undefined {
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
}

/** The decimal number written by `length` ASCII digits of `text` from `start` (already known to be digits). */
function digitsAt(text: string, start: number, length: number): number {
  let value = 0;
  for (let index = start; index < start + length; index++) {
    value = value * 10 + text.charCodeAt(index) - 48;
  }
  return value;
}

function offsetMsOf(designator: string): number | undefined {
  if (designator === 'Z') {
    return 0;
  }
  const hours = Number(designator.slice(1, 3));
  const minutes = Number(designator.slice(4, 6));
  if (hours > 23 || minutes > 59) {
    return undefined;
  }
  const sign = designator[0] === '-' ? -1 : 1;
  return sign * (hours * 60 + minutes) * 60_000;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
