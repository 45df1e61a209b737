import {
  invoiceReportRows,
  type InvoiceView,
  type KeyUsageQuantities,
  type UsageReportRow,
  type UsageSource,
} from '@keymeter/billing';

/** Time per phase of the baseline, in milliseconds. */
export interface BaselineTimings {
  usageMs: number;
  allocationMs: number;
}

/**
 * The report as it was read before it was chunked: one per-key usage query per invoice and part (every
 * part, as the report did), then the same allocation. Run over a sample of invoices; the caller scales it.
 */
export async function perCustomerReport(
  usage: UsageSource,
  invoices: readonly InvoiceView[],
  customerNames: ReadonlyMap<string, string>,
  keyNames: ReadonlyMap<string, string>,
): Promise<{ rows: UsageReportRow[]; timings: BaselineTimings }> {
  const timings: BaselineTimings = { usageMs: 0, allocationMs: 0 };
  const rows: UsageReportRow[] = [];
  for (const invoice of invoices) {
    const started = performance.now();
    const cutoff = { asOf: new Date(invoice.usageCutoff.asOf), offsets: { ...invoice.usageCutoff.offsets } };
    const perKeyByPart = new Map<number, KeyUsageQuantities[]>();
    for (const part of invoice.parts) {
      perKeyByPart.set(
        part.index,
        await usage.perKey(invoice.customerId, new Date(part.from), new Date(part.to), cutoff),
      );
    }
    const allocating = performance.now();
    timings.usageMs += allocating - started;
    const name = customerNames.get(invoice.customerId) ?? '';
    for (const row of invoiceReportRows(invoice, name, keyNames, perKeyByPart)) rows.push(row);
    timings.allocationMs += performance.now() - allocating;
  }
  return { rows, timings };
}
