import { firstInstantOfLocalDate, localDateOf } from './local-calendar';
import { instantMs } from './time-input-error';
import { zoneNamed } from './time-zone';

/** One calendar day in a time zone as UTC instants, end exclusive; `startMs`/`endMs` fit a quota window. */
export interface LocalDay {
  /** YYYY-MM-DD on the local calendar. */
  date: string;
  timeZone: string;
  start: Date;
  end: Date;
  startMs: number;
  endMs: number;
}

/** The local day of `timeZone` holding `instant`, e.g. for a requests-per-day quota in the customer's zone. */
export function dayBoundaries(instant: Date, timeZone: string): LocalDay {
  const zone = zoneNamed(timeZone, 'timeZone');
  const { year, month, day } = localDateOf(instantMs(instant, 'instant'), zone);
  const startMs = firstInstantOfLocalDate(year, month, day, zone);
  // If the next date was skipped (Pacific/Apia 2011-12-30), its first instant is the one after it: still right.
  const endMs = firstInstantOfLocalDate(year, month, day + 1, zone);
  const date = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return { date, timeZone, start: new Date(startMs), end: new Date(endMs), startMs, endMs };
}
