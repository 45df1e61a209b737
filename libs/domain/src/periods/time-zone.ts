import { IANAZone } from 'luxon';
import { InvalidTimeInputError, quoteInput } from './time-input-error';

/** Canonical names as the runtime's time zone database spells them (links such as Asia/Kolkata are extra). */
const CANONICAL_ZONES = new Set(Intl.supportedValuesOf('timeZone'));
const CANONICAL_BY_LOWER_CASE = new Map([...CANONICAL_ZONES].map((zone) => [zone.toLowerCase(), zone]));
/** Areas of zone names, with the tzdb "backward" areas that only hold links (US/Eastern, Etc/GMT+5). */
const AREAS = new Set([
  ...[...CANONICAL_ZONES].filter((zone) => zone.includes('/')).map((zone) => zone.split('/')[0]),
  ...['Brazil', 'Canada', 'Chile', 'Etc', 'Mexico', 'US'],
]);
const ZONE_NAME = /^[A-Z][A-Za-z0-9_+-]*(?:\/[A-Z][A-Za-z0-9_+-]*)*$/;
const ZONE_NAME_MAX_LENGTH = 64;
const validated = new Map<string, IANAZone>();

/**
 * Checks an IANA time zone name such as "Europe/London", spelled exactly (ClickHouse and Postgres are
 * case-sensitive), and returns it unchanged. Links (Asia/Kolkata, US/Eastern) and "UTC" are accepted.
 */
export function assertTimeZone(value: unknown, field = 'timeZone'): string {
  if (typeof value === 'string' && validated.has(value)) {
    return value;
  }
  if (typeof value !== 'string' || value === '') {
    throw new InvalidTimeInputError(field, 'must be an IANA time zone name such as "Europe/London"');
  }
  if (!isSpelledAsIana(value) || !IANAZone.isValidZone(value)) {
    const suggestion = CANONICAL_BY_LOWER_CASE.get(value.toLowerCase());
    const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
    throw new InvalidTimeInputError(
      field,
      `must be an IANA time zone name such as "Europe/London", spelled exactly; got ${quoteInput(value)}${hint}`,
    );
  }
  validated.set(value, IANAZone.create(value));
  return value;
}

function isSpelledAsIana(value: string): boolean {
  if (CANONICAL_ZONES.has(value)) {
    return true;
  }
  if (value.length > ZONE_NAME_MAX_LENGTH || !ZONE_NAME.test(value)) {
    return false;
  }
  // A link's area must be spelled as in the canonical names ("Asia/Kolkata", not "ASIA/KOLKATA").
  const slash = value.indexOf('/');
  return slash === -1 || AREAS.has(value.slice(0, slash));
}

/** The zone for a name already checked by assertTimeZone (checks it now otherwise). */
export function zoneNamed(name: string, field: string): IANAZone {
  const known = validated.get(name);
  if (known !== undefined) {
    return known;
  }
  assertTimeZone(name, field);
  return validated.get(name) as IANAZone;
}

/** UTC offset in milliseconds in effect at `epochMs` (local wall clock = epochMs + offset). */
export function offsetMsAt(zone: IANAZone, epochMs: number): number {
  return Math.round(zone.offset(epochMs) * 60_000);
}
