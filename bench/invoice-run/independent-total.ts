/**
 * An invoice total recomputed without the invoice engine or the pricing library: the customer's events
 * re-generated in JS from the generator's formula, the period bounds from luxon, the four price models,
 * proration and the commitment true-up written out again with decimal.js.
 */
import Decimal from 'decimal.js';
import { DateTime } from 'luxon';
import type { StoredPlan } from '@keymeter/billing';
import { eventOf, PERIOD, type BenchShape } from './bench-data';
import { ZONES, subscriptionsOf } from './seed-postgres';

const D = Decimal.clone({ precision: 100, rounding: Decimal.ROUND_HALF_UP });

interface Tier {
  upTo: number | string | null;
  unitPrice: string;
  flatFee?: string;
}
type Model =
  | { type: 'per_unit'; unitPrice: string; freeUnits?: number | string }
  | { type: 'graduated' | 'volume'; tiers: Tier[]; freeUnits?: number | string }
  | { type: 'package'; packageSize: number | string; packagePrice: string; freeUnits?: number | string };

function price(model: Model, quantity: Decimal): Decimal {
  const billable = D.max(0, quantity.minus(model.freeUnits ?? 0));
  switch (model.type) {
    case 'per_unit':
      return billable.times(model.unitPrice);
    case 'package':
      return billable.div(model.packageSize).ceil().times(model.packagePrice);
    case 'volume': {
      const tier = model.tiers.find((t) => t.upTo === null || billable.lte(t.upTo)) ?? model.tiers[0];
      const flat = billable.gt(0) ? new D(tier.flatFee ?? 0) : new D(0);
      return billable.times(tier.unitPrice).plus(flat);
    }
    case 'graduated': {
      let total = new D(0);
      let below = new D(0);
      for (const tier of model.tiers) {
        const top = tier.upTo === null ? billable : D.min(billable, tier.upTo);
        if (top.lte(below)) break;
        total = total.plus(top.minus(below).times(tier.unitPrice)).plus(tier.flatFee ?? 0);
        below = top;
      }
      return total;
    }
  }
}

const round = (amount: Decimal): Decimal => amount.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);

export interface IndependentInvoice {
  total: string;
  quantities: Array<{ requests: string; credits: string; egress_bytes: string }>;
}

export function independentInvoice(
  index: number,
  shape: BenchShape,
  plans: Record<string, StoredPlan[]>,
): IndependentInvoice {
  const zone = ZONES[index % ZONES.length].timezone;
  const [year, month] = PERIOD.split('-').map(Number);
  const periodStart = DateTime.fromObject({ year, month, day: 1 }, { zone }).toMillis();
  const periodEnd = DateTime.fromObject({ year, month, day: 1 }, { zone }).plus({ months: 1 }).toMillis();
  const byId = new Map(Object.values(plans).flatMap((list) => list.map((p) => [p.id, p])));
  const parts = subscriptionsOf(index, plans)
    .map((s) => ({
      plan: byId.get(s.planId) as StoredPlan,
      from: Math.max(s.startsAt.getTime(), periodStart),
      to: Math.min(s.endsAt?.getTime() ?? Infinity, periodEnd),
    }))
    .filter((p) => p.to > p.from);
  const quantities = parts.map(() => ({ requests: 0n, milliCredits: 0n, egress: 0n }));
  for (let n = index; n < shape.events; n += shape.customers) {
    const event = eventOf(n, shape);
    if (!event.billable) continue;
    const at = parts.findIndex((p) => event.occurredAtMs >= p.from && event.occurredAtMs < p.to);
    if (at < 0) continue;
    quantities[at].requests += 1n;
    quantities[at].milliCredits += event.units;
    quantities[at].egress += BigInt(event.responseBytes);
  }
  let total = new D(0);
  const asStrings = parts.map((part, i) => {
    const share = new D(part.to - part.from).div(periodEnd - periodStart);
    const q = {
      requests: new D(quantities[i].requests.toString()),
      credits: new D(quantities[i].milliCredits.toString()).div(1000),
      egress_bytes: new D(quantities[i].egress.toString()),
    };
    let usage = new D(0);
    for (const meter of ['requests', 'credits', 'egress_bytes'] as const) {
      const model = part.plan.meters[meter];
      if (model) usage = usage.plus(round(price(model, q[meter])));
    }
    const fee = part.plan.fixedFee === null ? new D(0) : round(share.times(part.plan.fixedFee));
    const commitment =
      part.plan.minimumCommitment === null ? new D(0) : round(share.times(part.plan.minimumCommitment));
    total = total
      .plus(fee)
      .plus(usage)
      .plus(D.max(0, commitment.minus(usage)));
    return {
      requests: q.requests.toFixed(),
      credits: q.credits.toFixed(),
      egress_bytes: q.egress_bytes.toFixed(),
    };
  });
  return { total: total.toFixed(2), quantities: asStrings };
}
