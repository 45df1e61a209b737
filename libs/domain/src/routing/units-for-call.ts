import { parseCreditAmount } from './credits';
import type { Route } from './routes';

/** Response header by which an upstream states the units (credits) a call consumed. */
export const USAGE_UNITS_HEADER = 'X-Usage-Units';

export interface CallUnits {
  /** Credits the call consumed: canonical decimal string. */
  readonly units: string;
  /** `upstream` when taken from a valid header, otherwise `route` (the route's `creditsPerCall`). */
  readonly source: 'route' | 'upstream';
  /** Set when the header was present but invalid, so it can be logged and the upstream fixed. */
  readonly invalidHeader?: { readonly header: typeof USAGE_UNITS_HEADER; readonly reason: string };
}

/**
 * Units of one call: the upstream's `X-Usage-Units` response header when present and valid (a non-negative
 * decimal with at most 6 fractional digits, surrounding whitespace ignored), otherwise the route's cost.
 * An invalid header never fails the call; it falls back to the route's cost and is reported.
 */
export function unitsForCall(
  route: Pick<Route, 'creditsPerCall'>,
  upstreamHeaderValue: string | undefined,
): CallUnits {
  if (upstreamHeaderValue === undefined) {
    return { units: route.creditsPerCall, source: 'route' };
  }
  const parsed = parseCreditAmount(upstreamHeaderValue.trim());
  if (parsed.ok) {
    return { units: parsed.amount, source: 'upstream' };
  }
  return {
    units: route.creditsPerCall,
    source: 'route',
    invalidHeader: { header: USAGE_UNITS_HEADER, reason: `${USAGE_UNITS_HEADER} ${parsed.reason}` },
  };
}
