/** UTC days as numbers (days since 1970-01-01): the unit landing marks vouch for. */
export const DAY_MS = 86_400_000;

/** The UTC day of an instant, epoch ms. */
export function utcDayOf(epochMs: number): number {
  return Math.floor(epochMs / DAY_MS);
}

/** `2026-11-30` for the day's number. */
export function utcDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** `20261130` for the day's number. */
export function dayKey(day: number): string {
  return utcDate(day).replace(/-/g, '');
}

/** The day's first instant as ClickHouse DateTime text: `2026-11-30 00:00:00`. */
export function dayStartText(day: number): string {
  return `${utcDate(day)} 00:00:00`;
}
