/** The shapes of the API answers the dashboard reads (the fields it uses). */

export interface MeterValues {
  readonly requests: string;
  readonly credits: string;
  readonly egress_bytes: string;
}

export interface UsagePoint extends MeterValues {
  readonly start: string;
  readonly end: string;
}

export interface UsageSeries {
  readonly customerId: string;
  readonly from: string;
  readonly to: string;
  readonly granularity: string;
  readonly timeZone: string;
  readonly source: string;
  readonly series: readonly {
    readonly group: { readonly keyId?: string; readonly route?: string; readonly statusClass?: string };
    readonly points: readonly UsagePoint[];
    readonly totals: MeterValues;
  }[];
  readonly totals: MeterValues;
}

export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly environment: string;
  readonly status: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly rateLimit: { readonly rate: number; readonly burst: number } | null;
  readonly quotas: { readonly requestsPerDay: number | null; readonly creditsPerMonth: string | null };
}

export interface InvoiceLine {
  readonly meter?: string;
  readonly kind?: string;
  readonly quantity?: string;
  readonly amount: string;
}

export interface Invoice {
  readonly id: string;
  readonly customerId: string;
  readonly period: string;
  readonly currency: string;
  readonly status: string;
  readonly total: string;
  readonly finalizedAt: string | null;
  readonly computedAt: string;
}

export interface UpcomingInvoice {
  readonly period: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly currency: string;
  readonly lines: readonly InvoiceLine[];
  readonly total: string;
}

export interface Alert {
  readonly id: string;
  readonly keyId?: string;
  readonly kind?: string;
  readonly severity?: string;
  readonly status?: string;
  readonly openedAt?: string;
  readonly createdAt?: string;
  readonly lastSeenAt?: string;
  readonly summary?: string;
  readonly message?: string;
}

export interface UsageReportRow {
  readonly customerId: string;
  readonly customerName: string;
  readonly invoiceStatus: string;
  readonly currency: string;
  readonly lineKind: string;
  readonly meter: string;
  readonly keyId: string;
  readonly keyName: string;
  readonly quantity: string;
  readonly amount: string;
}

export interface RevenueRow {
  readonly currency: string;
  readonly planName: string;
  readonly invoices: number;
  readonly fixedFees: string;
  readonly usage: string;
  readonly commitmentTrueUps: string;
  readonly adjustments: string;
  readonly total: string;
}

export interface UsageReport {
  readonly period: string;
  readonly rows: readonly UsageReportRow[];
  readonly revenue: readonly RevenueRow[];
}

export interface PipelineHealth {
  readonly usageTopic: string;
  readonly consumerGroup: string;
  readonly eventLog: { readonly up: boolean; readonly adapter: string; readonly detail?: string };
  readonly consumerLag: number;
  readonly partitions: readonly {
    readonly partition: number;
    readonly high: string;
    readonly committed: string | null;
    readonly lag: number;
  }[];
  readonly deadLetter: { readonly topic: string; readonly events: number };
}

export interface ReconciliationReport {
  readonly from: string;
  readonly to: string;
  readonly clean: boolean;
  readonly log: { readonly eventsInRange: number };
  readonly clickhouse: { readonly rawRows: number; readonly distinctIds: number };
  readonly missing: { readonly count: number };
  readonly duplicates: { readonly count: number };
  readonly unknownToLog: { readonly count: number };
}
