export * from './usage-source';
export { InMemoryUsageSource, type RecordedUsage } from './usage/in-memory-usage-source';
export { METERS, type Meter, type PlanTerms } from './plans/plan-terms';
export { validatePlanInput, type NewPlan, type PlanInputValidation } from './plans/validate-plan-input';
export {
  splitPeriod,
  OverlappingSubscriptionsError,
  type InvoicePart,
  type SubscriptionTerm,
  type TimeShare,
} from './invoices/period-parts';
export {
  computeInvoice,
  type BilledLine,
  type ComputedInvoice,
  type InvoiceComputationInput,
  type LateUsageAdjustment,
  type LineContext,
} from './invoices/compute-invoice';
export { lateUsageAdjustment, type FinalizedCharges } from './invoices/late-usage';
export { compareInvoices, canonicalJson, type InvoiceDifference } from './invoices/compare-invoices';
export { BillingError, type BillingErrorKind, type BillingFieldIssue } from './billing-error';
export { PlanStore, type StoredPlan } from './plans/plan-store';
export { SubscriptionService, type SubscriptionView } from './subscriptions/subscription-service';
export {
  InvoiceService,
  readPeriod,
  type CustomerRunResult,
  type InvoiceFilter,
  type InvoiceRunResult,
  type InvoiceServiceOptions,
  type RederivationResult,
  type RunOutcome,
  type RunPhaseTimings,
  type RunProgress,
  type UpcomingInvoice,
} from './invoices/invoice-service';
export type { InvoiceStatus, InvoiceView, StoredCutoff, StoredPart } from './invoices/invoice-record';
export { renderInvoiceHtml, escapeHtml, type InvoiceParty } from './invoices/render-invoice-html';
export { allocateProRata, type Weight } from './reports/allocate';
export { invoiceReportRows } from './reports/invoice-report-rows';
export { CSV_BOM, csvField, csvRow, csvText } from './reports/csv';
export {
  UsageReportService,
  revenueSummary,
  toCsv,
  csvPieces,
  REVENUE_COLUMNS,
  USAGE_REPORT_COLUMNS,
  type ReportProgress,
  type ReportPhaseTimings,
  type UsageReportOptions,
  type UsageReportStream,
  type RevenueRow,
  type UsageReport,
  type UsageReportRow,
} from './reports/usage-report';
export { createBillingServices, type BillingServices, type BillingServicesOptions } from './billing-services';
