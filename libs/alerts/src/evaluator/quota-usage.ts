import { dayBoundaries, periodContaining, type EpochMinute, type KeyQuotaUsage } from '@keymeter/domain';
import type { KeyTrafficSource } from '../traffic/key-traffic-source';
import type { KeyFacts } from './key-lifecycles';

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
  const windows = new Map<
    string,
    { day: { startMs: number; endMs: number }; month: { startMs: number; endMs: number } }
  >();
  const windowsOf = (timeZone: string) => {
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
  const withQuota = keyIds.filter((keyId) => {
    const quotas = facts.get(keyId)?.quotas;
    return quotas !== undefined && (quotas.requestsPerDay !== null || quotas.creditsPerMonth !== null);
  });
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
    const { quotas, timeZone } = facts.get(keyId)!;
    const { day, month } = windowsOf(timeZone);
    const used = use.get(keyId) ?? { requestsToday: 0, creditsThisMonth: 0 };
    out.set(keyId, {
      requestsPerDay:
        quotas.requestsPerDay === null
          ? null
          : { limit: quotas.requestsPerDay, used: used.requestsToday, window: day },
      creditsPerMonth:
        quotas.creditsPerMonth === null
          ? null
          : { limit: quotas.creditsPerMonth, used: used.creditsThisMonth, window: month },
    });
  }
  return out;
}
