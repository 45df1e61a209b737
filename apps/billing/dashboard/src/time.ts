/** Ranges, granularities and time zones of the usage pickers. */

export type Granularity = 'minute' | 'hour' | 'day' | 'month';
export const GRANULARITIES: readonly Granularity[] = ['minute', 'hour', 'day', 'month'];

export type RangePreset = 'period' | '24h' | '7d' | '30d';
export const RANGE_PRESETS: readonly (readonly [RangePreset, string])[] = [
  ['period', 'Current billing period'],
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'],
];

const HOUR_MS = 3_600_000;
const APPROX_MS: Readonly<Record<Granularity, number>> = {
  minute: 60_000,
  hour: HOUR_MS,
  day: 24 * HOUR_MS,
  month: 28 * 24 * HOUR_MS,
};
/** The API refuses more buckets than this (docs/usage-queries.md). */
const MAX_BUCKETS = 10_000;

export interface Range {
  readonly from: string;
  readonly to: string;
}

/** A rolling window ending at the next whole hour, or the billing period (from the upcoming invoice). */
export function rangeOf(preset: RangePreset, now: Date, period: Range | undefined): Range {
  if (preset === 'period' && period) return period;
  const to = Math.ceil(now.getTime() / HOUR_MS) * HOUR_MS;
  const hours = preset === '24h' ? 24 : preset === '7d' ? 24 * 7 : 24 * 30;
  return { from: new Date(to - hours * HOUR_MS).toISOString(), to: new Date(to).toISOString() };
}

/** Whether the API would answer this granularity over the range (bucket limit). */
export function granularityFits(granularity: Granularity, range: Range): boolean {
  const span = Date.parse(range.to) - Date.parse(range.from);
  return span / APPROX_MS[granularity] <= MAX_BUCKETS;
}

/**
 * Zones offered first; browsers list some zones only under older canonical names (Chromium has
 * Asia/Calcutta, not Asia/Kolkata), so the current IANA names of common zones are added here.
 */
const COMMON_ZONES = [
  'UTC',
  'America/Los_Angeles',
  'America/New_York',
  'America/Sao_Paulo',
  'Europe/London',
  'Europe/Paris',
  'Europe/Berlin',
  'Asia/Kolkata',
  'Asia/Singapore',
  'Asia/Tokyo',
  'Australia/Sydney',
];

/** The browser's zone, common zones, then every IANA zone the browser knows. */
export function timeZoneChoices(): string[] {
  const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set([local, ...COMMON_ZONES, ...all])];
}

/** A bucket start as the chosen zone's wall clock, e.g. `2026-11-03 14:00`. */
export function wallClock(iso: string, timeZone: string, granularity: Granularity): string {
  const options: Intl.DateTimeFormatOptions = {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    ...(granularity === 'month' ? {} : { day: '2-digit' }),
    ...(granularity === 'hour' || granularity === 'minute'
      ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
      : {}),
  };
  return new Intl.DateTimeFormat('en-CA', options).format(new Date(iso)).replace(',', '');
}

export function shortDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}
