import { dayBoundaries, periodContaining, type EpochMinute, type KeyQuotaUsage } from '@keymeter/domain';
import type { KeyMinuteSeries, KeyTrafficSource } from '../traffic/key-traffic-source';
import type { KeyFacts } from './key-lifecycles';

interface QuotaWindows {
  readonly day: { readonly startMs: number; readonly endMs: number };
  readonly month: { readonly startMs: number; readonly endMs: number };
}

/** The day and month quota windows of a minute in each time zone (computed once per zone). */
function quotaWindowsAt(minute: EpochMinute): (timeZone: string) => QuotaWindows {
  const windows = new Map<string, QuotaWindows>();
  return (timeZone) => {
    let found = windows.get(timeZone);
    if (found === undefined) {
      const now = new Date(minute * 60_000);
      const day = dayBoundaries(now, timeZone);
      const month = periodContaining(now, timeZone);
      found = {
        day: { startMs: day.startMs, endMs: day.endMs },
        month: { startMs: month.startMs, endMs: month.endMs },
      };
      windows.set(timeZone, found);
    }
    return found;
  };
}

function hasQuota(facts: KeyFacts | undefined): facts is KeyFacts {
  return (
    facts !== undefined && (facts.quotas.requestsPerDay !== null || facts.quotas.creditsPerMonth !== null)
  );
}

function usageOf(
  facts: KeyFacts,
  { day, month }: QuotaWindows,
  used: { requestsToday: number; creditsThisMonth: number },
): KeyQuotaUsage {
  const { quotas } = facts;
  return {
    requestsPerDay:
      quotas.requestsPerDay === null
        ? null
        : { limit: quotas.requestsPerDay, used: used.requestsToday, window: day },
    creditsPerMonth:
      quotas.creditsPerMonth === null
        ? null
        : { limit: quotas.creditsPerMonth, used: used.creditsThisMonth, window: month },
  };
}

/**
 * The quota usage of every key with a quota, as of the end of `minute`: windows from the customer's calendar
 * (computed once per time zone), use from ClickHouse in one batch for all keys.
 */
export async function readQuotaUsage(
  traffic: KeyTrafficSource,
  facts: ReadonlyMap<string, KeyFacts>,
  keyIds: readonly string[],
  minute: EpochMinute,
): Promise<Map<string, KeyQuotaUsage>> {
  const windowsOf = quotaWindowsAt(minute);
  const withQuota = keyIds.filter((keyId) => hasQuota(facts.get(keyId)));
  const out = new Map<string, KeyQuotaUsage>();
  if (withQuota.length === 0) return out;
  const use = await traffic.quotaUse(
    withQuota.map((keyId) => {
      const { day, month } = windowsOf(facts.get(keyId)!.timeZone);
      return { keyId, dayStartMs: day.startMs, monthStartMs: month.startMs };
    }),
    minute,
  );
  for (const keyId of withQuota) {
    const keyFacts = facts.get(keyId)!;
    out.set(
      keyId,
      usageOf(
        keyFacts,
        windowsOf(keyFacts.timeZone),
        use.get(keyId) ?? { requestsToday: 0, creditsThisMonth: 0 },
      ),
    );
  }
  return out;
}

/**
 * Quota usage for every minute of a range `[fromMinute, toMinute]` from one ClickHouse read: the use of the
 * windows open at `fromMinute` up to the minute before it, then the keys' own minute counts (billable calls
 * and credits, as `quotaUse` sums them) added minute by minute; a window that starts inside the range counts
 * from its start. Gives what `readQuotaUsage` gives at each minute, without two queries per minute.
 */
export class QuotaUsageOverRange {
  private constructor(
    private readonly fromMinute: EpochMinute,
    private readonly base: ReadonlyMap<string, { requestsToday: number; creditsThisMonth: number }>,
    /** Per key with a quota: billable calls and credits summed from `fromMinute` through each minute. */
    private readonly running: ReadonlyMap<string, { billable: Float64Array; credits: Float64Array }>,
  ) {}

  static async read(
    traffic: KeyTrafficSource,
    facts: ReadonlyMap<string, KeyFacts>,
    series: readonly KeyMinuteSeries[],
    fromMinute: EpochMinute,
    toMinute: EpochMinute,
  ): Promise<QuotaUsageOverRange> {
    const baseWindows = quotaWindowsAt(fromMinute);
    const withQuota = series.filter((entry) => hasQuota(facts.get(entry.keyId)));
    const base =
      withQuota.length === 0
        ? new Map<string, { requestsToday: number; creditsThisMonth: number }>()
        : await traffic.quotaUse(
            withQuota.map(({ keyId }) => {
              const { day, month } = baseWindows(facts.get(keyId)!.timeZone);
              return { keyId, dayStartMs: day.startMs, monthStartMs: month.startMs };
            }),
            fromMinute - 1,
          );
    const length = toMinute - fromMinute + 1;
    const running = new Map<string, { billable: Float64Array; credits: Float64Array }>();
    for (const { keyId, minutes } of withQuota) {
      const billable = new Float64Array(length);
      const credits = new Float64Array(length);
      for (const [minute, counts] of minutes) {
        if (minute < fromMinute || minute > toMinute) continue;
        billable[minute - fromMinute] = counts.billable;
        credits[minute - fromMinute] = counts.credits;
      }
      for (let index = 1; index < length; index++) {
        billable[index] += billable[index - 1];
        credits[index] += credits[index - 1];
      }
      running.set(keyId, { billable, credits });
    }
    return new QuotaUsageOverRange(fromMinute, base, running);
  }

  /** The usage of the given keys with a quota as of the end of `minute` (within the range). */
  at(
    facts: ReadonlyMap<string, KeyFacts>,
    keyIds: readonly string[],
    minute: EpochMinute,
  ): Map<string, KeyQuotaUsage> {
    const windowsOf = quotaWindowsAt(minute);
    const rangeStartMs = this.fromMinute * 60_000;
    const out = new Map<string, KeyQuotaUsage>();
    for (const keyId of keyIds) {
      const keyFacts = facts.get(keyId);
      if (!hasQuota(keyFacts)) continue;
      const windows = windowsOf(keyFacts.timeZone);
      const base = this.base.get(keyId) ?? { requestsToday: 0, creditsThisMonth: 0 };
      const running = this.running.get(keyId);
      // Calls of the range from the window's start (or the range's) through `minute`.
      const since = (startMs: number, sums: Float64Array | undefined): number => {
        if (sums === undefined) return 0;
        const first = Math.max(0, startMs / 60_000 - this.fromMinute);
        return sums[minute - this.fromMinute] - (first > 0 ? sums[first - 1] : 0);
      };
      // A window open before the range is the one open at its start: its use before the range is the base.
      const requestsToday =
        (windows.day.startMs < rangeStartMs ? base.requestsToday : 0) +
        since(windows.day.startMs, running?.billable);
      const creditsThisMonth =
        (windows.month.startMs < rangeStartMs ? base.creditsThisMonth : 0) +
        since(windows.month.startMs, running?.credits);
      out.set(keyId, usageOf(keyFacts, windows, { requestsToday, creditsThisMonth }));
    }
    return out;
  }
}
