import type { BillingPeriod } from '@keymeter/domain';
import type { PlanTerms } from '../plans/plan-terms';

/** A customer's subscription to a plan: from `startsAt` until `endsAt` (exclusive; null = open-ended). */
export interface SubscriptionTerm {
  subscriptionId: string;
  plan: PlanTerms;
  startsAt: Date;
  endsAt: Date | null;
}

/** The share of the period a part covers, as an exact fraction (reduced), e.g. 14/31. */
export interface TimeShare {
  numerator: string;
  denominator: string;
}

/** A stretch of the billing period on one plan. Usage in [from, to) is priced by that plan. */
export interface InvoicePart {
  index: number;
  subscriptionId: string;
  plan: PlanTerms;
  from: Date;
  to: Date;
  /** (to − from) / (period end − period start), in milliseconds: prorates the fixed fee and commitment. */
  timeShare: TimeShare;
}

/** Two subscriptions of one customer cover the same instant. */
export class OverlappingSubscriptionsError extends Error {
  override readonly name = 'OverlappingSubscriptionsError';
}

/**
 * Splits a billing period into the parts its subscriptions cover, in time order. A subscription ending
 * mid-period and the next one starting there give two parts; time covered by no subscription is not
 * billed. Overlapping subscriptions are an error (subscription changes end the previous one first).
 */
export function splitPeriod(
  period: BillingPeriod,
  subscriptions: readonly SubscriptionTerm[],
): InvoicePart[] {
  const periodMs = BigInt(period.endMs - period.startMs);
  const clipped = subscriptions
    .map((subscription) => ({
      subscription,
      fromMs: Math.max(subscription.startsAt.getTime(), period.startMs),
      toMs: Math.min(subscription.endsAt?.getTime() ?? Infinity, period.endMs),
    }))
    .filter(({ fromMs, toMs }) => toMs > fromMs)
    .sort((a, b) => a.fromMs - b.fromMs);
  clipped.forEach((current, index) => {
    const previous = clipped[index - 1];
    if (previous && current.fromMs < previous.toMs) {
      throw new OverlappingSubscriptionsError(
        `subscriptions ${previous.subscription.subscriptionId} and ${current.subscription.subscriptionId} overlap`,
      );
    }
  });
  return clipped.map(({ subscription, fromMs, toMs }, index) => ({
    index,
    subscriptionId: subscription.subscriptionId,
    plan: subscription.plan,
    from: new Date(fromMs),
    to: new Date(toMs),
    timeShare: reduce(BigInt(toMs - fromMs), periodMs),
  }));
}

function reduce(numerator: bigint, denominator: bigint): TimeShare {
  const divisor = gcd(numerator, denominator);
  return { numerator: String(numerator / divisor), denominator: String(denominator / divisor) };
}

function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [a, b];
  while (y !== 0n) {
    [x, y] = [y, x % y];
  }
  return x === 0n ? 1n : x;
}
