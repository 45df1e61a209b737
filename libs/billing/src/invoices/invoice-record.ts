import type { InvoiceEntity } from '@keymeter/database';
import type { PlanTerms } from '../plans/plan-terms';
import type { UsageCutoff, UsageQuantities } from '../usage-source';
import type { BilledLine } from './compute-invoice';
import type { InvoicePart, TimeShare } from './period-parts';

export type InvoiceStatus = 'draft' | 'finalized' | 'void';

/** A part as stored on an invoice: the plan as it was, the range, the time share and the exact quantities. */
export interface StoredPart {
  index: number;
  subscriptionId: string;
  plan: PlanTerms;
  from: string;
  to: string;
  timeShare: TimeShare;
  quantities: UsageQuantities;
}

export interface StoredCutoff {
  asOf: string;
  offsets: Record<string, string>;
}

/** An invoice as the API returns it. Amounts are decimal strings at the currency's minor unit. */
export interface InvoiceView {
  id: string;
  customerId: string;
  period: string;
  periodStart: string;
  periodEnd: string;
  timezone: string;
  currency: string;
  status: InvoiceStatus;
  usageCutoff: StoredCutoff;
  parts: StoredPart[];
  lines: BilledLine[];
  chargesTotal: string;
  adjustmentsTotal: string;
  total: string;
  computedAt: string;
  finalizedAt: string | null;
  voidedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toStoredPart(part: InvoicePart, quantities: UsageQuantities): StoredPart {
  return {
    index: part.index,
    subscriptionId: part.subscriptionId,
    plan: part.plan,
    from: part.from.toISOString(),
    to: part.to.toISOString(),
    timeShare: part.timeShare,
    quantities,
  };
}

export function fromStoredPart(part: StoredPart): InvoicePart {
  return {
    index: part.index,
    subscriptionId: part.subscriptionId,
    plan: part.plan,
    from: new Date(part.from),
    to: new Date(part.to),
    timeShare: part.timeShare,
  };
}

export function toStoredCutoff(cutoff: UsageCutoff): StoredCutoff {
  return { asOf: cutoff.asOf.toISOString(), offsets: { ...cutoff.offsets } };
}

export function fromStoredCutoff(cutoff: StoredCutoff): UsageCutoff {
  return { asOf: new Date(cutoff.asOf), offsets: { ...cutoff.offsets } };
}

export function toInvoiceView(row: InvoiceEntity): InvoiceView {
  return {
    id: row.id,
    customerId: row.customerId,
    period: row.period,
    periodStart: row.periodStart.toISOString(),
    periodEnd: row.periodEnd.toISOString(),
    timezone: row.timezone,
    currency: row.currency,
    status: row.status as InvoiceStatus,
    usageCutoff: row.usageCutoff as unknown as StoredCutoff,
    parts: row.parts as StoredPart[],
    lines: row.lines as BilledLine[],
    chargesTotal: row.chargesTotal,
    adjustmentsTotal: row.adjustmentsTotal,
    total: row.total,
    computedAt: row.computedAt.toISOString(),
    finalizedAt: row.finalizedAt?.toISOString() ?? null,
    voidedAt: row.voidedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
