import { In, Not, type DataSource } from 'typeorm';
import { dec, formatAmount, type Dec } from '@keymeter/domain';
import { ApiKeyEntity, CustomerEntity, InvoiceEntity } from '@keymeter/database';
import type { BilledLine } from '../invoices/compute-invoice';
import { fromStoredCutoff, toInvoiceView, type InvoiceView } from '../invoices/invoice-record';
import { readPeriod } from '../invoices/invoice-service';
import type { UsageSource } from '../usage-source';
import { allocateProRata } from './allocate';
import { CSV_BOM, csvRow, csvText } from './csv';

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

export interface UsageReport {
  period: string;
  rows: UsageReportRow[];
  revenue: RevenueRow[];
}

export type ReportProgress = (done: number, total: number) => void;

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

export const REVENUE_COLUMNS: ReadonlyArray<keyof RevenueRow> = [
  'currency',
  'planId',
  'planName',
  'invoices',
  'fixedFees',
  'usage',
  'commitmentTrueUps',
  'adjustments',
  'total',
];

const TEXT_COLUMNS = new Set<string>(['customerName', 'planName', 'keyName']);

/**
 * Finance reports built from the period's invoices (drafts and finalized, not void), so their amounts
 * add up to the invoice totals. Usage lines are split across the customer's keys pro rata to each key's
 * quantity in the part (largest remainder, at the minor unit), read as of the invoice's usage cut-off.
 */
export class UsageReportService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly usage: UsageSource,
  ) {}

  async build(periodInput: unknown, onProgress?: ReportProgress): Promise<UsageReport> {
    const period = readPeriod(periodInput);
    const invoiceRows = await this.dataSource.getRepository(InvoiceEntity).find({
      where: { period, status: Not('void') },
      order: { customerId: 'ASC' },
    });
    const customerIds = [...new Set(invoiceRows.map((row) => row.customerId))];
    const customers = customerIds.length
      ? await this.dataSource.getRepository(CustomerEntity).findBy({ id: In(customerIds) })
      : [];
    const keys = customerIds.length
      ? await this.dataSource
          .getRepository(ApiKeyEntity)
          .find({ select: { id: true, name: true }, where: { customerId: In(customerIds) } })
      : [];
    const keyNames = new Map(keys.map((key) => [key.id, key.name]));
    const customerNames = new Map(customers.map((customer) => [customer.id, customer.name]));
    const rows: UsageReportRow[] = [];
    let done = 0;
    for (const invoice of invoiceRows.map(toInvoiceView)) {
      rows.push(...(await this.invoiceRows(invoice, customerNames.get(invoice.customerId) ?? '', keyNames)));
      done += 1;
      onProgress?.(done, invoiceRows.length);
    }
    return { period, rows, revenue: revenueSummary(invoiceRows.map(toInvoiceView)) };
  }

  private async invoiceRows(
    invoice: InvoiceView,
    customerName: string,
    keyNames: ReadonlyMap<string, string>,
  ): Promise<UsageReportRow[]> {
    const cutoff = fromStoredCutoff(invoice.usageCutoff);
    const perKeyByPart = new Map<number, Awaited<ReturnType<UsageSource['perKey']>>>();
    for (const part of invoice.parts) {
      perKeyByPart.set(
        part.index,
        await this.usage.perKey(invoice.customerId, new Date(part.from), new Date(part.to), cutoff),
      );
    }
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
}

/** Revenue of the period per currency and plan, by kind of line. */
export function revenueSummary(invoices: readonly InvoiceView[]): RevenueRow[] {
  const groups = new Map<
    string,
    { currency: string; planId: string; planName: string; invoices: Set<string>; sums: Record<string, Dec> }
  >();
  for (const invoice of invoices) {
    for (const line of invoice.lines) {
      const part = line.partIndex === null ? undefined : invoice.parts[line.partIndex];
      const planId = part?.plan.id ?? '';
      const key = `${invoice.currency}\u0000${planId}`;
      const group = groups.get(key) ?? {
        currency: invoice.currency,
        planId,
        planName: part?.plan.name ?? '(late usage adjustments)',
        invoices: new Set<string>(),
        sums: {},
      };
      group.invoices.add(invoice.id);
      group.sums[line.kind] = (group.sums[line.kind] ?? dec(0)).plus(line.amount);
      groups.set(key, group);
    }
  }
  return [...groups.values()]
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

/** The rows as CSV (header first), ready for a spreadsheet. */
export function toCsv<T extends object>(
  columns: ReadonlyArray<keyof T & string>,
  rows: readonly T[],
): string {
  const record = (row: T): Array<string> =>
    columns.map((column) => {
      const value = String((row as Record<string, string | number | undefined>)[column] ?? '');
      return TEXT_COLUMNS.has(column) ? csvText(value) : value;
    });
  return CSV_BOM + csvRow(columns) + rows.map((row) => csvRow(record(row))).join('');
}
