import { dec, formatAmount, type Dec } from '@keymeter/domain';
import type { BilledLine } from '../invoices/compute-invoice';
import type { InvoiceView } from '../invoices/invoice-record';

export interface RevenueRow {
  currency: string;
  /** Empty for late-usage adjustments, which belong to no plan of this period. */
  planId: string;
  planName: string;
  invoices: number;
  fixedFees: string;
  usage: string;
  commitmentTrueUps: string;
  adjustments: string;
  total: string;
}

interface RevenueGroup {
  currency: string;
  planId: string;
  planName: string;
  invoices: Set<string>;
  sums: Record<string, Dec>;
}

/**
 * Revenue of a period per currency and plan, by kind of line, added up invoice by invoice so a report
 * can read the period's invoices in chunks and keep only the sums.
 */
export class RevenueSummary {
  private readonly groups = new Map<string, RevenueGroup>();

  add(invoice: InvoiceView): void {
    for (const line of invoice.lines) {
      const part = line.partIndex === null ? undefined : invoice.parts[line.partIndex];
      const planId = part?.plan.id ?? '';
      const key = `${invoice.currency}\u0000${planId}`;
      const group = this.groups.get(key) ?? {
        currency: invoice.currency,
        planId,
        planName: part?.plan.name ?? '(late usage adjustments)',
        invoices: new Set<string>(),
        sums: {},
      };
      group.invoices.add(invoice.id);
      group.sums[line.kind] = (group.sums[line.kind] ?? dec(0)).plus(line.amount);
      this.groups.set(key, group);
    }
  }

  rows(): RevenueRow[] {
    return [...this.groups.values()]
      .sort((a, b) => (a.currency + a.planName + a.planId < b.currency + b.planName + b.planId ? -1 : 1))
      .map((group) => {
        const amount = (kind: BilledLine['kind']): string =>
          formatAmount(group.sums[kind] ?? dec(0), group.currency);
        const total = Object.values(group.sums).reduce((sum, value) => sum.plus(value), dec(0));
        return {
          currency: group.currency,
          planId: group.planId,
          planName: group.planName,
          invoices: group.invoices.size,
          fixedFees: amount('fixed_fee'),
          usage: amount('usage'),
          commitmentTrueUps: amount('commitment_true_up'),
          adjustments: amount('adjustment'),
          total: formatAmount(total, group.currency),
        };
      });
  }
}

/** Revenue of the period per currency and plan, by kind of line. */
export function revenueSummary(invoices: readonly InvoiceView[]): RevenueRow[] {
  const summary = new RevenueSummary();
  for (const invoice of invoices) summary.add(invoice);
  return summary.rows();
}
