import {
  adjustmentLine,
  commitmentTrueUpLine,
  dec,
  fixedFeeLine,
  formatAmount,
  InvalidPricingInputError,
  priceMeterLine,
  type Dec,
  type InvoiceLine,
  type UsageLine,
} from '@keymeter/domain';
import { METERS, type Meter } from '../plans/plan-terms';
import type { UsageQuantities } from '../usage-source';
import type { InvoicePart } from './period-parts';

/** Late usage found for an already finalized invoice, to be charged (or credited) on this one. */
export interface LateUsageAdjustment {
  sourceInvoiceId: string;
  sourcePeriod: string;
  /** Re-derived charges − finalized charges − what earlier adjustments already applied; at the minor unit. */
  amount: string;
}

export interface InvoiceComputationInput {
  currency: string;
  parts: readonly InvoicePart[];
  /** Usage per part, same order as `parts`. */
  usage: readonly UsageQuantities[];
  adjustments?: readonly LateUsageAdjustment[];
}

/** Where a line comes from: the part (plan) and meter, or the invoice it adjusts. */
export interface LineContext {
  description: string;
  partIndex: number | null;
  planId: string | null;
  meter: Meter | null;
  sourceInvoiceId: string | null;
}

export type BilledLine = InvoiceLine & LineContext;

export interface ComputedInvoice {
  currency: string;
  /** Per part: fixed fee, usage lines by meter, commitment true-up; then adjustments. */
  lines: BilledLine[];
  /** Σ lines that are not adjustments: what this period's usage and plans charge. */
  chargesTotal: string;
  adjustmentsTotal: string;
  /** Σ every line, exactly (each line was rounded once when priced). */
  total: string;
}

const METER_LABELS: Record<Meter, string> = {
  requests: 'Requests',
  credits: 'Credits',
  egress_bytes: 'Egress bytes',
};

/**
 * Prices one customer's billing period. Pure: the parts (one per plan in force), the usage of each part
 * and the late-usage adjustments come in as arguments.
 *
 * Tiers are applied per part ("per-part" mode): each part is priced as a period of its own under its
 * plan, so a plan change mid-period restarts tiers, allowances and package blocks with the new plan.
 * Fixed fee and minimum commitment of each part are prorated by its time share; the commitment is
 * compared with that part's usage lines.
 */
export function computeInvoice(input: InvoiceComputationInput): ComputedInvoice {
  const { currency, parts, usage } = input;
  if (usage.length !== parts.length) {
    throw new RangeError(`usage: expected ${parts.length} entries (one per part), got ${usage.length}`);
  }
  const lines: BilledLine[] = [];
  parts.forEach((part, index) => {
    const quantities = usage[index];
    const plan = part.plan;
    if (plan.currency !== currency) {
      throw new InvalidPricingInputError([
        {
          field: `parts[${index}].plan.currency`,
          message: `plan ${plan.id} is priced in ${plan.currency}, the invoice in ${currency}`,
        },
      ]);
    }
    const context = { partIndex: part.index, planId: plan.id, sourceInvoiceId: null };
    if (plan.fixedFee !== null) {
      lines.push({
        ...fixedFeeLine(plan.fixedFee, currency, part.timeShare),
        ...context,
        meter: null,
        description: `${plan.name}: fixed fee`,
      });
    }
    const usageLines: UsageLine[] = [];
    for (const meter of METERS) {
      const model = plan.meters[meter];
      if (model === undefined) continue;
      const line = priceMeterLine(model, quantities[meter], currency);
      usageLines.push(line);
      lines.push({ ...line, ...context, meter, description: `${plan.name}: ${METER_LABELS[meter]}` });
    }
    if (plan.minimumCommitment !== null) {
      const trueUp = commitmentTrueUpLine(plan.minimumCommitment, usageLines, currency, part.timeShare);
      if (trueUp !== null) {
        lines.push({
          ...trueUp,
          ...context,
          meter: null,
          description: `${plan.name}: minimum commitment true-up`,
        });
      }
    }
  });
  for (const adjustment of input.adjustments ?? []) {
    const description = `Late usage for ${adjustment.sourcePeriod} (invoice ${adjustment.sourceInvoiceId})`;
    lines.push({
      ...adjustmentLine(description, adjustment.amount, currency),
      description,
      partIndex: null,
      planId: null,
      meter: null,
      sourceInvoiceId: adjustment.sourceInvoiceId,
    });
  }
  const charges = sum(lines.filter((line) => line.kind !== 'adjustment'));
  const adjustments = sum(lines.filter((line) => line.kind === 'adjustment'));
  return {
    currency,
    lines,
    chargesTotal: formatAmount(charges, currency),
    adjustmentsTotal: formatAmount(adjustments, currency),
    total: formatAmount(charges.plus(adjustments), currency),
  };
}

function sum(lines: readonly BilledLine[]): Dec {
  return lines.reduce((total: Dec, line) => total.plus(line.amount), dec(0));
}
