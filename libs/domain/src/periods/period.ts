import { firstInstantOfLocalDate, localDateOf } from './local-calendar';
import { instantMs, InvalidTimeInputError, quoteInput } from './time-input-error';
import { zoneNamed } from './time-zone';

/** A billing period: a calendar month in the customer's time zone, as UTC instants, end exclusive. */
export interface BillingPeriod {
  /** YYYY-MM */
  period: string;
  timeZone: string;
  start: Date;
  end: Date;
  startMs: number;
  endMs: number;
}

export interface YearMonth {
  year: number;
  /** 1–12 */
  month: number;
}

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;
const MIN_YEAR = 1970;

/** Reads "YYYY-MM" (e.g. "2026-03"); throws naming `field` for anything else. */
export function parsePeriod(value: unknown, field = 'period'): YearMonth {
  const match = typeof value === 'string' ? PERIOD.exec(value) : null;
  if (match === null) {
    throw new InvalidTimeInputError(
      field,
      `must be a month as YYYY-MM, e.g. 2026-03; got ${quoteInput(value)}`,
    );
  }
  const year = Number(match[1]);
  if (year < MIN_YEAR) {
    throw new InvalidTimeInputError(field, `must not be before ${MIN_YEAR}-01; got ${quoteInput(value)}`);
  }
  return { year, month: Number(match[2]) };
}

export function formatPeriod({ year, month }: YearMonth): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

/** The period `months` later (or earlier, when negative): shiftPeriod('2026-01', -1) is '2025-12'. */
export function shiftPeriod(period: string, months: number, field = 'period'): string {
  const { year, month } = parsePeriod(period, field);
  if (!Number.isInteger(months)) {
    throw new InvalidTimeInputError('months', `must be an integer; got ${quoteInput(months)}`);
  }
  const index = year * 12 + (month - 1) + months;
  return formatPeriod({ year: Math.floor(index / 12), month: (((index % 12) + 12) % 12) + 1 });
}

/** The calendar month `period` ("YYYY-MM") in `timeZone`: [first instant of the 1st, first instant of the next 1st). */
export function billingPeriod(period: string, timeZone: string): BillingPeriod {
  const { year, month } = parsePeriod(period);
  const zone = zoneNamed(timeZone, 'timeZone');
  const startMs = firstInstantOfLocalDate(year, month, 1, zone);
  const endMs = firstInstantOfLocalDate(year, month + 1, 1, zone);
  return {
    period: formatPeriod({ year, month }),
    timeZone,
    start: new Date(startMs),
    end: new Date(endMs),
    startMs,
    endMs,
  };
}

/** The billing period in `timeZone` that contains `instant`. */
export function periodContaining(instant: Date, timeZone: string): BillingPeriod {
  const epochMs = instantMs(instant, 'instant');
  const { year, month } = localDateOf(epochMs, zoneNamed(timeZone, 'timeZone'));
  return billingPeriod(formatPeriod({ year, month }), timeZone);
}
