import type { UsageOutcome } from './usage-event.types';

/** A call is billable when it reached the upstream and the upstream did not fail (status < 500). */
export function isBillable(outcome: UsageOutcome, status: number): boolean {
  return outcome === 'forwarded' && status < 500;
}
