import { dec, formatAmount, type Dec } from '@keymeter/domain';
import type { LateUsageAdjustment } from './compute-invoice';

export interface FinalizedCharges {
  invoiceId: string;
  period: string;
  currency: string;
  /** Charges total the invoice was finalized with (its lines other than adjustments). */
  chargesTotal: string;
}

/**
 * The adjustment still owed for a finalized invoice: re-derived charges − finalized charges − the
 * adjustments already recorded for it on other (non-void) invoices. Null when nothing is owed, so the
 * same late usage is never applied twice.
 */
export function lateUsageAdjustment(
  finalized: FinalizedCharges,
  rederivedChargesTotal: string,
  alreadyApplied: readonly string[],
): LateUsageAdjustment | null {
  const applied = alreadyApplied.reduce((total: Dec, amount) => total.plus(amount), dec(0));
  const owed = dec(rederivedChargesTotal).minus(finalized.chargesTotal).minus(applied);
  if (owed.isZero()) {
    return null;
  }
  return {
    sourceInvoiceId: finalized.invoiceId,
    sourcePeriod: finalized.period,
    amount: formatAmount(owed, finalized.currency),
  };
}
