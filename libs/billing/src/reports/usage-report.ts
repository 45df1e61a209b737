import { type DataSource } from 'typeorm';
import { ApiKeyEntity, CustomerEntity, InvoiceEntity } from '@keymeter/database';
import { fromStoredCutoff, toInvoiceView, type InvoiceView } from '../invoices/invoice-record';
import { readPeriod } from '../invoices/invoice-service';
import type { KeyUsageQuantities, UsageRange, UsageSource } from '../usage-source';
import { invoiceReportRows, partsWithUsageLines } from './invoice-report-rows';
import { RevenueSummary, type RevenueRow } from './revenue-summary';
import type { UsageReportRow } from './usage-report-row';

export { USAGE_REPORT_COLUMNS, type UsageReportRow } from './usage-report-row';
export { revenueSummary, type RevenueRow } from './revenue-summary';
export { toCsv, csvPieces } from './report-csv';

export interface UsageReport {
  period: string;
  rows: UsageReportRow[];
  revenue: RevenueRow[];
}

/** A report being read chunk by chunk (customers in id order). */
export interface UsageReportStream {
  period: string;
  /** The rows, one array per chunk of invoices; iterate once. */
  chunks: AsyncIterable<UsageReportRow[]>;
  /** The revenue summary: complete once `chunks` has been read to the end. */
  revenue(): RevenueRow[];
}

export type ReportProgress = (done: number, total: number) => void;

/** Where a report's time went, in milliseconds. */
export interface ReportPhaseTimings {
  /** Invoices, customer names and key names read from Postgres. */
  databaseReadMs: number;
  /** Per-key usage read from the usage source (ClickHouse). */
  usageMs: number;
  /** Pure computation: pro-rata allocation, rows and the revenue summary. */
  allocationMs: number;
}

export interface UsageReportOptions {
  /** Invoices per chunk: one set of Postgres reads and one grouped usage read per distinct cut-off. */
  chunkSize?: number;
  /** Called when a report has been read to the end, with its time per phase (benchmarks). */
  onPhases?: (timings: ReportPhaseTimings) => void;
}

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

const DEFAULT_CHUNK = 1000;

/**
 * Finance reports built from the period's invoices (drafts and finalized, not void), so their amounts
 * add up to the invoice totals. Usage lines are split across the customer's keys pro rata to each key's
 * quantity in the part, read as of the invoice's usage cut-off.
 *
 * Invoices are read in chunks of customers (keyset on the customer id): per chunk one read of invoices,
 * one of customer names and one of key names, and the per-key usage of every part with a usage line in
 * one batch per distinct cut-off (an invoice run gives all its drafts the same one), so a report costs a
 * few queries per thousand customers and holds one chunk at a time when streamed.
 */
export class UsageReportService {
  private readonly chunkSize: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly usage: UsageSource,
    private readonly options: UsageReportOptions = {},
  ) {
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  }

  /** The whole report in memory (JSON answers). */
  async build(periodInput: unknown, onProgress?: ReportProgress): Promise<UsageReport> {
    const report = this.stream(periodInput, onProgress);
    const rows: UsageReportRow[] = [];
    for await (const chunk of report.chunks) for (const row of chunk) rows.push(row);
    return { period: report.period, rows, revenue: report.revenue() };
  }

  /** The report chunk by chunk; a bad period is refused here, before anything is read. */
  stream(periodInput: unknown, onProgress?: ReportProgress): UsageReportStream {
    const period = readPeriod(periodInput);
    const summary = new RevenueSummary();
    return {
      period,
      chunks: this.rowChunks(period, summary, onProgress),
      revenue: () => summary.rows(),
    };
  }

  /** The revenue summary alone: the period's invoices, no usage reads. */
  async revenue(periodInput: unknown): Promise<{ period: string; revenue: RevenueRow[] }> {
    const period = readPeriod(periodInput);
    const summary = new RevenueSummary();
    for await (const invoices of this.invoiceChunks(period)) {
      for (const invoice of invoices) summary.add(toInvoiceView(invoice));
    }
    return { period, revenue: summary.rows() };
  }

  private async *rowChunks(
    period: string,
    summary: RevenueSummary,
    onProgress?: ReportProgress,
  ): AsyncGenerator<UsageReportRow[]> {
    const timings: ReportPhaseTimings = { databaseReadMs: 0, usageMs: 0, allocationMs: 0 };
    const total = onProgress
      ? await timedInto(timings, 'databaseReadMs', () =>
          this.dataSource
            .getRepository(InvoiceEntity)
            .createQueryBuilder('invoice')
            .where('invoice.period = :period', { period })
            .andWhere(`invoice.status <> 'void'`)
            .getCount(),
        )
      : 0;
    let done = 0;
    const chunks = this.invoiceChunks(period);
    for (;;) {
      const next = await timedInto(timings, 'databaseReadMs', () => chunks.next());
      if (next.done) break;
      const invoices = next.value.map(toInvoiceView);
      const { customerNames, keyNames } = await timedInto(timings, 'databaseReadMs', () =>
        this.names(invoices),
      );
      const perKey = await timedInto(timings, 'usageMs', () => this.perKeyUsage(invoices));
      const started = performance.now();
      const rows: UsageReportRow[] = [];
      invoices.forEach((invoice, index) => {
        summary.add(invoice);
        const name = customerNames.get(invoice.customerId) ?? '';
        for (const row of invoiceReportRows(invoice, name, keyNames, perKey[index])) rows.push(row);
      });
      timings.allocationMs += performance.now() - started;
      done += invoices.length;
      onProgress?.(done, total);
      yield rows;
    }
    this.options.onPhases?.(timings);
  }

  /** The period's non-void invoices in customer id order, a chunk at a time. */
  private async *invoiceChunks(period: string): AsyncGenerator<InvoiceEntity[]> {
    let after: string | null = null;
    for (;;) {
      const query = this.dataSource
        .getRepository(InvoiceEntity)
        .createQueryBuilder('invoice')
        .where('invoice.period = :period', { period })
        .andWhere(`invoice.status <> 'void'`);
      if (after !== null) query.andWhere('invoice.customer_id > :after', { after });
      const rows = await query.orderBy('invoice.customer_id', 'ASC').limit(this.chunkSize).getMany();
      if (rows.length === 0) return;
      yield rows;
      if (rows.length < this.chunkSize) return;
      after = rows[rows.length - 1].customerId;
    }
  }

  private async names(invoices: readonly InvoiceView[]): Promise<{
    customerNames: Map<string, string>;
    keyNames: Map<string, string>;
  }> {
    const ids = [...new Set(invoices.map((invoice) => invoice.customerId))];
    const customers = await this.dataSource
      .getRepository(CustomerEntity)
      .createQueryBuilder('customer')
      .select(['customer.id', 'customer.name'])
      .where('customer.id = ANY(:ids)', { ids })
      .getMany();
    const keys = await this.dataSource
      .getRepository(ApiKeyEntity)
      .createQueryBuilder('key')
      .select(['key.id', 'key.name'])
      .where('key.customer_id = ANY(:ids)', { ids })
      .getMany();
    return {
      customerNames: new Map(customers.map((customer) => [customer.id, customer.name])),
      keyNames: new Map(keys.map((key) => [key.id, key.name])),
    };
  }

  /**
   * Per invoice, the per-key usage of each part a usage line refers to, as of the invoice's own cut-off:
   * one batch per distinct cut-off.
   */
  private async perKeyUsage(
    invoices: readonly InvoiceView[],
  ): Promise<Array<Map<number, KeyUsageQuantities[]>>> {
    const out = invoices.map(() => new Map<number, KeyUsageQuantities[]>());
    const batches = new Map<
      string,
      { cutoff: InvoiceView['usageCutoff']; ranges: UsageRange[]; slots: Array<[number, number]> }
    >();
    invoices.forEach((invoice, index) => {
      const parts = partsWithUsageLines(invoice);
      if (parts.length === 0) return;
      const key = JSON.stringify(invoice.usageCutoff);
      const batch = batches.get(key) ?? { cutoff: invoice.usageCutoff, ranges: [], slots: [] };
      for (const partIndex of parts) {
        const part = invoice.parts.find((p) => p.index === partIndex)!;
        batch.ranges.push({
          customerId: invoice.customerId,
          from: new Date(part.from),
          to: new Date(part.to),
        });
        batch.slots.push([index, partIndex]);
      }
      batches.set(key, batch);
    });
    for (const batch of batches.values()) {
      const answers = await this.usage.perKeyMany(batch.ranges, fromStoredCutoff(batch.cutoff));
      batch.slots.forEach(([invoice, part], i) => out[invoice].set(part, answers[i]));
    }
    return out;
  }
}

/** Runs `body` and adds its wall time to `timings[phase]`. */
async function timedInto<T>(
  timings: ReportPhaseTimings,
  phase: keyof ReportPhaseTimings,
  body: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    return await body();
  } finally {
    timings[phase] += performance.now() - started;
  }
}
