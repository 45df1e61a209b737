import type { DataSource } from 'typeorm';
import { InvoiceService, type InvoiceServiceOptions } from './invoices/invoice-service';
import { PlanStore } from './plans/plan-store';
import { UsageReportService } from './reports/usage-report';
import { SubscriptionService } from './subscriptions/subscription-service';
import type { UsageSource } from './usage-source';

export interface BillingServicesOptions {
  dataSource: DataSource;
  usage: UsageSource;
  /** INVOICE_FINALIZE_GRACE_SECONDS in milliseconds (config.invoiceFinalizeGraceMs). */
  finalizeGraceMs: number;
  clock?: () => Date;
  /** INVOICE_LATE_USAGE_LOOKBACK_PERIODS (config.invoiceLateUsageLookbackPeriods); default 3. */
  lateUsageLookbackPeriods?: number;
  /** Called after each invoice run with its time per phase (benchmarks). */
  onRunPhases?: InvoiceServiceOptions['onRunPhases'];
}

/** Plans, subscriptions, invoices and reports over one database and usage source. */
export interface BillingServices {
  readonly dataSource: DataSource;
  readonly plans: PlanStore;
  readonly subscriptions: SubscriptionService;
  readonly invoices: InvoiceService;
  readonly reports: UsageReportService;
}

export function createBillingServices(options: BillingServicesOptions): BillingServices {
  return {
    dataSource: options.dataSource,
    plans: new PlanStore(options.dataSource),
    subscriptions: new SubscriptionService(options.dataSource),
    invoices: new InvoiceService(options),
    reports: new UsageReportService(options.dataSource, options.usage),
  };
}
