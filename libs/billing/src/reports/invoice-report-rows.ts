import { dec } from '@keymeter/domain';
import type { InvoiceView } from '../invoices/invoice-record';
import type { KeyUsageQuantities } from '../usage-source';
import { allocateProRata } from './allocate';
import type { UsageReportRow } from './usage-report-row';

/**
 * The report rows of one invoice: one per line, except usage lines, which are split across the keys with
 * usage of the meter in the line's part, pro rata to each key's quantity (largest remainder, at the minor
 * unit), so the rows add up to the line and the invoice's rows to its total.
 * `perKeyByPart` holds each part's per-key usage as of the invoice's cut-off (parts without a usage line
 * may be missing).
 */
export function invoiceReportRows(
  invoice: InvoiceView,
  customerName: string,
  keyNames: ReadonlyMap<string, string>,
  perKeyByPart: ReadonlyMap<number, readonly KeyUsageQuantities[]>,
): UsageReportRow[] {
  const base = {
    period: invoice.period,
    periodStart: invoice.periodStart,
    periodEnd: invoice.periodEnd,
    customerId: invoice.customerId,
    customerName,
    invoiceId: invoice.id,
    invoiceStatus: invoice.status,
    currency: invoice.currency,
  };
  return invoice.lines.flatMap((line): UsageReportRow[] => {
    const part = line.partIndex === null ? undefined : invoice.parts[line.partIndex];
    const row = {
      ...base,
      planId: part?.plan.id ?? '',
      planName: part?.plan.name ?? '',
      lineKind: line.kind,
      meter: line.meter ?? '',
      partFrom: part?.from ?? '',
      partTo: part?.to ?? '',
      keyId: '',
      keyName: '',
      quantity: line.kind === 'usage' ? line.quantity : '',
      amount: line.amount,
    };
    if (line.kind !== 'usage' || line.meter === null || part === undefined) return [row];
    const meter = line.meter;
    const keyUsage = (perKeyByPart.get(part.index) ?? []).filter((key) => !dec(key[meter]).isZero());
    const shares = allocateProRata(
      line.amount,
      invoice.currency,
      keyUsage.map((key) => ({ id: key.keyId, quantity: key[meter] })),
    );
    if (shares === null) return [row];
    return keyUsage.map((key) => ({
      ...row,
      keyId: key.keyId,
      keyName: keyNames.get(key.keyId) ?? '',
      quantity: key[meter],
      amount: shares.get(key.keyId) ?? '0',
    }));
  });
}

/** The indexes of the parts of an invoice that a usage line refers to: the ranges worth a per-key read. */
export function partsWithUsageLines(invoice: InvoiceView): number[] {
  const parts = new Set<number>();
  for (const line of invoice.lines) {
    if (line.kind === 'usage' && line.meter !== null && line.partIndex !== null) {
      const part = invoice.parts[line.partIndex];
      if (part !== undefined) parts.add(part.index);
    }
  }
  return [...parts];
}
