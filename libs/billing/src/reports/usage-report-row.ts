/** One row of the usage report: a share of one invoice line (a key's share for usage lines). */
export interface UsageReportRow {
  period: string;
  periodStart: string;
  periodEnd: string;
  customerId: string;
  customerName: string;
  invoiceId: string;
  invoiceStatus: string;
  currency: string;
  planId: string;
  planName: string;
  /** `usage`, `fixed_fee`, `commitment_true_up` or `adjustment`. */
  lineKind: string;
  meter: string;
  partFrom: string;
  partTo: string;
  keyId: string;
  keyName: string;
  /** The key's quantity of the meter in the part (usage lines); empty for other lines. */
  quantity: string;
  /** The key's share of the line amount; the amounts of an invoice's rows add up to its total. */
  amount: string;
}

export const USAGE_REPORT_COLUMNS: ReadonlyArray<keyof UsageReportRow> = [
  'period',
  'periodStart',
  'periodEnd',
  'customerId',
  'customerName',
  'invoiceId',
  'invoiceStatus',
  'currency',
  'planId',
  'planName',
  'lineKind',
  'meter',
  'partFrom',
  'partTo',
  'keyId',
  'keyName',
  'quantity',
  'amount',
];
