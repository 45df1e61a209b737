import { Brackets, In, type DataSource, type EntityManager } from 'typeorm';
import { billingPeriod, parsePeriod, periodContaining, InvalidTimeInputError } from '@keymeter/domain';
import {
  CustomerEntity,
  InvoiceAdjustmentEntity,
  InvoiceEntity,
  SubscriptionEntity,
} from '@keymeter/database';
import { BillingError } from '../billing-error';
import { isUuid, loadPlans } from '../plans/plan-store';
import { findCustomer, lockCustomer } from '../subscriptions/subscription-service';
import { insertInvoices, replaceAdjustments, updateDrafts, type InvoiceRowValues } from './invoice-rows';
import type { UsageCutoff, UsageRange, UsageSource } from '../usage-source';
import { compareInvoices, type InvoiceDifference } from './compare-invoices';
import { computeInvoice, type ComputedInvoice, type LateUsageAdjustment } from './compute-invoice';
import {
  fromStoredCutoff,
  fromStoredPart,
  toInvoiceView,
  toStoredCutoff,
  toStoredPart,
  type InvoiceView,
  type StoredCutoff,
  type StoredPart,
} from './invoice-record';
import { lateUsageAdjustment } from './late-usage';
import { splitPeriod, type SubscriptionTerm } from './period-parts';

export interface InvoiceServiceOptions {
  dataSource: DataSource;
  usage: UsageSource;
  /** How long after a period ends its invoices may not be finalized yet (late events still arrive). */
  finalizeGraceMs: number;
  clock?: () => Date;
  /**
   * How many periods before the one being run are re-derived for late usage (INVOICE_LATE_USAGE_LOOKBACK_PERIODS,
   * default 3); finalized invoices older than that are no longer adjusted. 0 turns late-usage adjustments off.
   */
  lateUsageLookbackPeriods?: number;
  /** Called after each run with the time it spent per phase (benchmarks, profiling). */
  onRunPhases?: (timings: RunPhaseTimings) => void;
}

/** Where a run's time went, in milliseconds. */
export interface RunPhaseTimings {
  /** Customers, subscriptions, plans and earlier invoices read from Postgres. */
  databaseReadMs: number;
  /** The cut-off and every quantity read from the usage source (ClickHouse). */
  usageMs: number;
  /** Pure computation: parts, pricing, late-usage re-derivation and adjustments. */
  pricingMs: number;
  /** Transactions that lock, read the current invoices and write drafts and adjustments. */
  databaseWriteMs: number;
}

export type RunOutcome = 'created' | 'updated' | 'unchanged' | 'skipped';

export interface CustomerRunResult {
  customerId: string;
  outcome: RunOutcome;
  invoice: InvoiceView | null;
}

export interface InvoiceRunResult {
  period: string;
  results: CustomerRunResult[];
}

export type RunProgress = (done: number, total: number, last: CustomerRunResult) => void;

export interface RederivationResult {
  invoiceId: string;
  identical: boolean;
  recordedTotal: string;
  rederivedTotal: string;
  differences: InvoiceDifference[];
}

/** The invoice for the current period as it would be if the period closed now (not stored). */
export interface UpcomingInvoice {
  customerId: string;
  period: string;
  periodStart: string;
  periodEnd: string;
  currency: string;
  usageCutoff: StoredCutoff;
  parts: StoredPart[];
  lines: ComputedInvoice['lines'];
  chargesTotal: string;
  adjustmentsTotal: string;
  total: string;
}

export interface InvoiceFilter {
  customerId?: string;
  period?: string;
  status?: string;
}

/** What a customer's invoice for a period is computed from, read before any lock is taken. */
interface Prepared {
  customer: CustomerEntity;
  period: ReturnType<typeof billingPeriod>;
  cutoff: UsageCutoff;
  parts: StoredPart[];
  /** Finalized invoices of earlier periods with their charges re-derived from usage as of `cutoff`. */
  rederived: Array<{ invoice: InvoiceEntity; chargesTotal: string }>;
}

/** An adjustment already recorded on a non-void invoice: counts as applied for its source. */
interface AppliedAdjustment {
  source: string;
  target: string;
  amount: string;
}

/** Customers per chunk of a run: one set of reads, one usage query batch and one transaction each. */
const RUN_CHUNK = 1000;

const DEFAULT_LATE_USAGE_LOOKBACK_PERIODS = 3;

const STATUSES = ['draft', 'finalized', 'void'];

/**
 * Invoice runs, finalization, voiding and re-derivation. Usage is read (and finalized invoices
 * re-derived) before any lock is held; the writes for one customer then happen in a transaction that
 * holds the customer's row lock, so runs, finalizations and voids of a customer never interleave.
 */
export class InvoiceService {
  private readonly clock: () => Date;

  constructor(private readonly options: InvoiceServiceOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Creates or recomputes the drafts of `period` for every customer, or one. Finalized invoices stay.
   * Customers are taken in chunks: each chunk's subscriptions, plans and earlier invoices are read in a
   * few queries, its usage in one batch from the usage source (all as of one cut-off for the whole run),
   * and its drafts written in one transaction holding the chunk's customer rows locked.
   */
  async run(
    request: { period: unknown; customerId?: unknown },
    onProgress?: RunProgress,
  ): Promise<InvoiceRunResult> {
    const period = readPeriod(request.period);
    const timings: RunPhaseTimings = { databaseReadMs: 0, usageMs: 0, pricingMs: 0, databaseWriteMs: 0 };
    const customers = await timedInto(timings, 'databaseReadMs', () =>
      this.customersToRun(request.customerId),
    );
    const cutoff = await timedInto(timings, 'usageMs', () => this.options.usage.cutoff());
    const results: CustomerRunResult[] = [];
    for (let first = 0; first < customers.length; first += RUN_CHUNK) {
      const chunk = customers.slice(first, first + RUN_CHUNK);
      const prepared = await this.prepareMany(chunk, period, cutoff, timings);
      for (const result of await this.writeDrafts(prepared, period, 'draft', timings)) {
        results.push(result);
        onProgress?.(results.length, customers.length, result);
      }
    }
    this.options.onRunPhases?.(timings);
    return { period, results };
  }

  /** Recomputes the draft from the latest usage and freezes it; refused within the grace period. */
  async finalize(invoiceId: string): Promise<InvoiceView> {
    const invoice = await this.find(invoiceId);
    if (invoice.status !== 'draft') {
      throw new BillingError(
        'conflict',
        'invoice_not_draft',
        `invoice ${invoiceId} is ${invoice.status}, not a draft`,
      );
    }
    const now = this.clock();
    const allowedFrom = new Date(invoice.periodEnd.getTime() + this.options.finalizeGraceMs);
    if (now.getTime() < allowedFrom.getTime()) {
      throw new BillingError(
        'conflict',
        'grace_period',
        `invoice ${invoiceId} can be finalized from ${allowedFrom.toISOString()} (period end plus the grace period for late usage)`,
      );
    }
    const customer = await findCustomer(this.options.dataSource.manager, invoice.customerId);
    const cutoff = await this.options.usage.cutoff();
    const prepared = await this.prepareMany([customer], invoice.period, cutoff);
    const [result] = await this.writeDrafts(prepared, invoice.period, 'finalize');
    if (result.invoice === null || result.invoice.id !== invoiceId || result.invoice.status !== 'finalized') {
      throw new BillingError(
        'conflict',
        'invoice_changed',
        `invoice ${invoiceId} changed while finalizing; try again`,
      );
    }
    return result.invoice;
  }

  async void(invoiceId: string): Promise<InvoiceView> {
    const invoice = await this.find(invoiceId);
    return this.options.dataSource.transaction(async (manager) => {
      await lockCustomer(manager, invoice.customerId);
      const current = await manager.getRepository(InvoiceEntity).findOneByOrFail({ id: invoiceId });
      if (current.status === 'void') {
        throw new BillingError('conflict', 'invoice_void', `invoice ${invoiceId} is already void`);
      }
      current.status = 'void';
      current.voidedAt = this.clock();
      return toInvoiceView(await manager.getRepository(InvoiceEntity).save(current));
    });
  }

  async get(invoiceId: string): Promise<InvoiceView> {
    return toInvoiceView(await this.find(invoiceId));
  }

  async list(filter: InvoiceFilter = {}): Promise<InvoiceView[]> {
    const query = this.options.dataSource.getRepository(InvoiceEntity).createQueryBuilder('invoice');
    if (filter.customerId !== undefined) {
      if (!isUuid(filter.customerId)) return [];
      query.andWhere('invoice.customer_id = :customerId', { customerId: filter.customerId });
    }
    if (filter.period !== undefined) {
      query.andWhere('invoice.period = :period', { period: readPeriod(filter.period) });
    }
    if (filter.status !== undefined) {
      if (!STATUSES.includes(filter.status)) {
        throw BillingError.invalid([{ field: 'status', reason: `must be one of ${STATUSES.join(', ')}` }]);
      }
      query.andWhere('invoice.status = :status', { status: filter.status });
    }
    const rows = await query
      .orderBy('invoice.period', 'DESC')
      .addOrderBy('invoice.created_at', 'ASC')
      .getMany();
    return rows.map(toInvoiceView);
  }

  /**
   * Recomputes a finalized invoice from usage as of its recorded cut-off, with the plans and adjustments
   * it was finalized with, and compares it line by line with what was recorded.
   */
  async rederive(invoiceId: string): Promise<RederivationResult> {
    const invoice = await this.find(invoiceId);
    const view = toInvoiceView(invoice);
    const cutoff = fromStoredCutoff(view.usageCutoff);
    const adjustments: LateUsageAdjustment[] = view.lines
      .filter((line) => line.kind === 'adjustment')
      .map((line) => ({
        sourceInvoiceId: line.sourceInvoiceId ?? '',
        sourcePeriod: /for (\d{4}-\d{2})/.exec(line.description)?.[1] ?? '',
        amount: line.amount,
      }));
    const rederived = await this.recompute(
      invoice.customerId,
      view.currency,
      view.parts,
      cutoff,
      adjustments,
    );
    const differences = compareInvoices({ total: view.total, lines: view.lines }, rederived.computed);
    return {
      invoiceId,
      identical: differences.length === 0,
      recordedTotal: view.total,
      rederivedTotal: rederived.computed.total,
      differences,
    };
  }

  /** The customer's invoice for the period holding now, as if it closed now. Nothing is stored. */
  async upcoming(customerId: string): Promise<UpcomingInvoice> {
    const customer = await findCustomer(this.options.dataSource.manager, customerId);
    const period = periodContaining(this.clock(), customer.timezone).period;
    const cutoff = await this.options.usage.cutoff();
    const [prepared] = await this.prepareMany([customer], period, cutoff);
    const manager = this.options.dataSource.manager;
    const existing = await manager
      .getRepository(InvoiceEntity)
      .findOne({ where: { customerId, period, status: In(['draft', 'finalized']) } });
    const applied = await appliedAdjustments(manager, [prepared]);
    const adjustments = owedAdjustments(prepared, applied, existing?.id ?? null);
    const computed = computeInvoice({
      currency: customer.currency,
      parts: prepared.parts.map(fromStoredPart),
      usage: prepared.parts.map((part) => part.quantities),
      adjustments,
    });
    return {
      customerId,
      period,
      periodStart: prepared.period.start.toISOString(),
      periodEnd: prepared.period.end.toISOString(),
      currency: customer.currency,
      usageCutoff: toStoredCutoff(prepared.cutoff),
      parts: prepared.parts,
      lines: computed.lines,
      chargesTotal: computed.chargesTotal,
      adjustmentsTotal: computed.adjustmentsTotal,
      total: computed.total,
    };
  }

  private async find(invoiceId: string): Promise<InvoiceEntity> {
    const invoice = isUuid(invoiceId)
      ? await this.options.dataSource.getRepository(InvoiceEntity).findOneBy({ id: invoiceId })
      : null;
    if (!invoice) throw BillingError.notFound(`invoice ${invoiceId}`);
    return invoice;
  }

  private async customersToRun(customerId: unknown): Promise<CustomerEntity[]> {
    const manager = this.options.dataSource.manager;
    if (customerId !== undefined && customerId !== null) {
      if (typeof customerId !== 'string' || !isUuid(customerId)) {
        throw BillingError.invalid([{ field: 'customerId', reason: 'must be the id of a customer' }]);
      }
      return [await findCustomer(manager, customerId)];
    }
    return manager.getRepository(CustomerEntity).find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /**
   * Reads what the invoices of `customers` for `period` are computed from: subscriptions, plans and the
   * finalized invoices within the late-usage look-back in a few queries, then every quantity (each part
   * of the period, each part of every finalized invoice to re-derive) in one batch as of `cutoff`.
   */
  private async prepareMany(
    customers: readonly CustomerEntity[],
    period: string,
    cutoff: UsageCutoff,
    timings?: RunPhaseTimings,
  ): Promise<Prepared[]> {
    if (customers.length === 0) return [];
    const manager = this.options.dataSource.manager;
    const ranges = customers.map((customer) => billingPeriod(period, customer.timezone));
    const ids = customers.map((customer) => customer.id);
    const lookback = this.options.lateUsageLookbackPeriods ?? DEFAULT_LATE_USAGE_LOOKBACK_PERIODS;
    const { subscriptions, plans, earlier } = await timedInto(timings, 'databaseReadMs', async () => {
      const subscriptions = await manager
        .getRepository(SubscriptionEntity)
        .createQueryBuilder('subscription')
        .where('subscription.customer_id = ANY(:ids)', { ids })
        .andWhere('subscription.starts_at < :end', { end: new Date(Math.max(...ranges.map((r) => r.endMs))) })
        .andWhere(
          new Brackets((q) => {
            q.where('subscription.ends_at IS NULL').orWhere('subscription.ends_at > :start', {
              start: new Date(Math.min(...ranges.map((r) => r.startMs))),
            });
          }),
        )
        .orderBy('subscription.starts_at', 'ASC')
        .getMany();
      const plans = await loadPlans(
        manager,
        subscriptions.map((s) => s.planId),
      );
      const earlier =
        lookback === 0
          ? []
          : await manager
              .getRepository(InvoiceEntity)
              .createQueryBuilder('invoice')
              .where('invoice.customer_id = ANY(:ids)', { ids })
              .andWhere(`invoice.status = 'finalized'`)
              .andWhere('invoice.period < :period', { period })
              .andWhere('invoice.period >= :earliest', { earliest: shiftPeriod(period, -lookback) })
              .orderBy('invoice.period', 'ASC')
              .getMany();
      return { subscriptions, plans, earlier };
    });

    const planById = new Map(plans.map((plan) => [plan.id, plan]));
    const subscriptionsOf = groupBy(subscriptions, (s) => s.customerId);
    const earlierOf = groupBy(earlier, (invoice) => invoice.customerId);
    const usageRanges: UsageRange[] = [];
    const planned = customers.map((customer, index) => {
      const terms: SubscriptionTerm[] = (subscriptionsOf.get(customer.id) ?? []).map((subscription) => ({
        subscriptionId: subscription.id,
        plan: stripCreatedAt(planById.get(subscription.planId)),
        startsAt: subscription.startsAt,
        endsAt: subscription.endsAt,
      }));
      const parts = splitPeriod(ranges[index], terms);
      const firstPart = usageRanges.length;
      for (const part of parts) usageRanges.push({ customerId: customer.id, from: part.from, to: part.to });
      const toRederive = (earlierOf.get(customer.id) ?? []).map((invoice) => {
        const view = toInvoiceView(invoice);
        const first = usageRanges.length;
        for (const part of view.parts) {
          usageRanges.push({ customerId: customer.id, from: new Date(part.from), to: new Date(part.to) });
        }
        return { invoice, view, first };
      });
      return { customer, range: ranges[index], parts, firstPart, toRederive };
    });

    const quantities = await timedInto(timings, 'usageMs', () =>
      usageRanges.length === 0 ? Promise.resolve([]) : this.options.usage.quantitiesMany(usageRanges, cutoff),
    );

    return timedInto(timings, 'pricingMs', async () =>
      planned.map(({ customer, range, parts, firstPart, toRederive }) => ({
        customer,
        period: range,
        cutoff,
        parts: parts.map((part, i) => toStoredPart(part, quantities[firstPart + i])),
        rederived: toRederive.map(({ invoice, view, first }) => ({
          invoice,
          chargesTotal: computeInvoice({
            currency: view.currency,
            parts: view.parts.map(fromStoredPart),
            usage: view.parts.map((_, i) => quantities[first + i]),
            adjustments: [],
          }).chargesTotal,
        })),
      })),
    );
  }

  /**
   * Writes the drafts of prepared customers in one transaction: locks their rows (in id order, so
   * concurrent runs wait for each other instead of deadlocking), reads their current invoices and the
   * adjustments already applied, prices, then inserts new drafts and updates existing ones in bulk.
   */
  private async writeDrafts(
    prepared: readonly Prepared[],
    period: string,
    mode: 'draft' | 'finalize',
    timings?: RunPhaseTimings,
  ): Promise<CustomerRunResult[]> {
    if (prepared.length === 0) return [];
    const ids = prepared.map((entry) => entry.customer.id);
    let pricingMs = 0;
    const started = performance.now();
    const results = await this.options.dataSource.transaction(async (manager) => {
      await lockCustomers(manager, ids);
      // Ids and statuses only: drafts are rewritten whole, and only finalized ones are returned as they are.
      const existingRows = await manager
        .getRepository(InvoiceEntity)
        .createQueryBuilder('invoice')
        .select(['invoice.id', 'invoice.customerId', 'invoice.status'])
        .where('invoice.customer_id = ANY(:ids)', { ids })
        .andWhere('invoice.period = :period', { period })
        .andWhere(`invoice.status IN ('draft', 'finalized')`)
        .getMany();
      const existingOf = new Map(existingRows.map((row) => [row.customerId, row]));
      const finalizedIds = existingRows.filter((row) => row.status === 'finalized').map((row) => row.id);
      const finalized = new Map(
        (finalizedIds.length === 0
          ? []
          : await manager.getRepository(InvoiceEntity).findBy({ id: In(finalizedIds) })
        ).map((row) => [row.customerId, row]),
      );
      const applied = await appliedAdjustments(manager, prepared);

      const pricingStarted = performance.now();
      const now = this.clock();
      const outcomes: Array<{ customerId: string; outcome: RunOutcome; invoice: InvoiceEntity | null }> = [];
      const inserts: Array<{
        values: InvoiceRowValues;
        adjustments: LateUsageAdjustment[];
        entry: Prepared;
      }> = [];
      const updates: Array<{
        values: InvoiceRowValues & { id: string };
        adjustments: LateUsageAdjustment[];
        entry: Prepared;
      }> = [];
      for (const entry of prepared) {
        const { customer } = entry;
        const existing = existingOf.get(customer.id);
        if (existing?.status === 'finalized') {
          outcomes.push({
            customerId: customer.id,
            outcome: 'unchanged',
            invoice: finalized.get(customer.id)!,
          });
          continue;
        }
        const adjustments = owedAdjustments(entry, applied, existing?.id ?? null);
        if (entry.parts.length === 0 && adjustments.length === 0 && !existing) {
          outcomes.push({ customerId: customer.id, outcome: 'skipped', invoice: null });
          continue;
        }
        const computed = computeInvoice({
          currency: customer.currency,
          parts: entry.parts.map(fromStoredPart),
          usage: entry.parts.map((part) => part.quantities),
          adjustments,
        });
        const values: InvoiceRowValues = {
          customer_id: customer.id,
          period,
          period_start: entry.period.start.toISOString(),
          period_end: entry.period.end.toISOString(),
          timezone: customer.timezone,
          currency: customer.currency,
          status: mode === 'finalize' ? 'finalized' : 'draft',
          usage_cutoff: toStoredCutoff(entry.cutoff),
          parts: entry.parts,
          lines: computed.lines,
          charges_total: computed.chargesTotal,
          adjustments_total: computed.adjustmentsTotal,
          total: computed.total,
          computed_at: now.toISOString(),
          finalized_at: mode === 'finalize' ? now.toISOString() : null,
        };
        outcomes.push({ customerId: customer.id, outcome: existing ? 'updated' : 'created', invoice: null });
        if (existing) updates.push({ values: { ...values, id: existing.id }, adjustments, entry });
        else inserts.push({ values, adjustments, entry });
      }
      pricingMs = performance.now() - pricingStarted;

      const written = new Map<string, InvoiceEntity>();
      for (const row of await insertInvoices(
        manager,
        inserts.map((i) => i.values),
      )) {
        written.set(row.customerId, row);
      }
      for (const row of await updateDrafts(
        manager,
        updates.map((u) => u.values),
      )) {
        written.set(row.customerId, row);
      }
      const all = [...inserts, ...updates];
      await replaceAdjustments(
        manager,
        all.map(({ values }) => written.get(values.customer_id)!.id),
        all.flatMap(({ values, adjustments, entry }) =>
          adjustments.map((adjustment) => ({
            invoice_id: written.get(values.customer_id)!.id,
            source_invoice_id: adjustment.sourceInvoiceId,
            currency: values.currency,
            amount: adjustment.amount,
            rederived_charges_total:
              entry.rederived.find((r) => r.invoice.id === adjustment.sourceInvoiceId)?.chargesTotal ?? '0',
            usage_cutoff: toStoredCutoff(entry.cutoff),
          })),
        ),
      );
      return outcomes.map(({ customerId, outcome, invoice }) => {
        const row = invoice ?? written.get(customerId) ?? null;
        return { customerId, outcome, invoice: row && toInvoiceView(row) };
      });
    });
    if (timings) {
      timings.pricingMs += pricingMs;
      timings.databaseWriteMs += performance.now() - started - pricingMs;
    }
    return results;
  }

  private async recompute(
    customerId: string,
    currency: string,
    storedParts: readonly StoredPart[],
    cutoff: UsageCutoff,
    adjustments: readonly LateUsageAdjustment[],
  ): Promise<{ computed: ComputedInvoice }> {
    const parts = storedParts.map(fromStoredPart);
    const usage =
      parts.length === 0
        ? []
        : await this.options.usage.quantitiesMany(
            parts.map((part) => ({ customerId, from: part.from, to: part.to })),
            cutoff,
          );
    return { computed: computeInvoice({ currency, parts, usage, adjustments }) };
  }
}

/** Locks customers' rows in id order (a missing customer is a 404). */
async function lockCustomers(manager: EntityManager, ids: readonly string[]): Promise<void> {
  const rows: Array<{ id: string }> = await manager.query(
    'SELECT id FROM customers WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
    [ids],
  );
  if (rows.length !== new Set(ids).size) {
    const found = new Set(rows.map((row) => row.id));
    const missing = ids.find((id) => !found.has(id));
    throw BillingError.notFound(`customer ${missing}`);
  }
}

/** Adjustments recorded on non-void invoices for the finalized invoices the prepared customers re-derive. */
async function appliedAdjustments(
  manager: EntityManager,
  prepared: readonly Prepared[],
): Promise<AppliedAdjustment[]> {
  const sourceIds = prepared.flatMap((entry) => entry.rederived.map((r) => r.invoice.id));
  if (sourceIds.length === 0) return [];
  return manager
    .getRepository(InvoiceAdjustmentEntity)
    .createQueryBuilder('adjustment')
    .innerJoin(InvoiceEntity, 'target', 'target.id = adjustment.invoice_id')
    .select([
      'adjustment.source_invoice_id AS source',
      'adjustment.invoice_id AS target',
      'adjustment.amount AS amount',
    ])
    .where('adjustment.source_invoice_id = ANY(:sourceIds)', { sourceIds })
    .andWhere(`target.status <> 'void'`)
    .getRawMany<AppliedAdjustment>();
}

/** Late-usage adjustments still owed, counting those already on other non-void invoices as applied. */
function owedAdjustments(
  prepared: Prepared,
  applied: readonly AppliedAdjustment[],
  currentInvoiceId: string | null,
): LateUsageAdjustment[] {
  return prepared.rederived.flatMap(({ invoice, chargesTotal }) => {
    const adjustment = lateUsageAdjustment(
      {
        invoiceId: invoice.id,
        period: invoice.period,
        currency: invoice.currency,
        chargesTotal: invoice.chargesTotal,
      },
      chargesTotal,
      applied
        .filter((row) => row.source === invoice.id && row.target !== currentInvoiceId)
        .map((row) => row.amount),
    );
    return adjustment ? [adjustment] : [];
  });
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const list = out.get(key(item));
    if (list) list.push(item);
    else out.set(key(item), [item]);
  }
  return out;
}

/** `YYYY-MM` moved by `months` (negative: earlier). */
function shiftPeriod(period: string, months: number): string {
  const [year, month] = period.split('-').map(Number);
  const index = year * 12 + (month - 1) + months;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** Runs `body` and adds its wall time to `timings[phase]` (when timings are kept). */
async function timedInto<T>(
  timings: RunPhaseTimings | undefined,
  phase: keyof RunPhaseTimings,
  body: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    return await body();
  } finally {
    if (timings) timings[phase] += performance.now() - started;
  }
}

function stripCreatedAt<T extends { createdAt: Date }>(plan: T | undefined): Omit<T, 'createdAt'> {
  if (plan === undefined) throw new Error('a subscription refers to a plan that does not exist');
  const { createdAt: _createdAt, ...terms } = plan;
  return terms;
}

/** A period from the API as YYYY-MM, or a validation error naming `period`. */
export function readPeriod(value: unknown, field = 'period'): string {
  try {
    parsePeriod(value, field);
    return value as string;
  } catch (error) {
    if (error instanceof InvalidTimeInputError) {
      throw BillingError.invalid([{ field: error.field, reason: error.reason }]);
    }
    throw error;
  }
}
