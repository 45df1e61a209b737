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
import type { UsageCutoff, UsageSource } from '../usage-source';
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

  /** Creates or recomputes the drafts of `period` for every customer, or one. Finalized invoices stay. */
  async run(
    request: { period: unknown; customerId?: unknown },
    onProgress?: RunProgress,
  ): Promise<InvoiceRunResult> {
    const period = readPeriod(request.period);
    const customers = await this.customersToRun(request.customerId);
    const results: CustomerRunResult[] = [];
    for (const customer of customers) {
      const result = await this.runForCustomer(customer, period, 'draft');
      results.push(result);
      onProgress?.(results.length, customers.length, result);
    }
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
    const result = await this.runForCustomer(customer, invoice.period, 'finalize');
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
    const prepared = await this.prepare(customer, period);
    const manager = this.options.dataSource.manager;
    const existing = await manager
      .getRepository(InvoiceEntity)
      .findOne({ where: { customerId, period, status: In(['draft', 'finalized']) } });
    const adjustments = await this.owedAdjustments(manager, prepared, existing?.id ?? null);
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

  private async runForCustomer(
    customer: CustomerEntity,
    period: string,
    mode: 'draft' | 'finalize',
  ): Promise<CustomerRunResult> {
    const prepared = await this.prepare(customer, period);
    return this.options.dataSource.transaction(async (manager) => {
      await lockCustomer(manager, customer.id);
      const invoices = manager.getRepository(InvoiceEntity);
      const existing = await invoices.findOne({
        where: { customerId: customer.id, period, status: In(['draft', 'finalized']) },
      });
      if (existing?.status === 'finalized') {
        return { customerId: customer.id, outcome: 'unchanged', invoice: toInvoiceView(existing) };
      }
      const adjustments = await this.owedAdjustments(manager, prepared, existing?.id ?? null);
      if (prepared.parts.length === 0 && adjustments.length === 0 && !existing) {
        return { customerId: customer.id, outcome: 'skipped', invoice: null };
      }
      const computed = computeInvoice({
        currency: customer.currency,
        parts: prepared.parts.map(fromStoredPart),
        usage: prepared.parts.map((part) => part.quantities),
        adjustments,
      });
      const now = this.clock();
      const row = existing ?? invoices.create({ customerId: customer.id, period, status: 'draft' });
      Object.assign(row, {
        periodStart: prepared.period.start,
        periodEnd: prepared.period.end,
        timezone: customer.timezone,
        currency: customer.currency,
        usageCutoff: toStoredCutoff(prepared.cutoff),
        parts: prepared.parts,
        lines: computed.lines,
        chargesTotal: computed.chargesTotal,
        adjustmentsTotal: computed.adjustmentsTotal,
        total: computed.total,
        computedAt: now,
        ...(mode === 'finalize' ? { status: 'finalized', finalizedAt: now } : {}),
      });
      const saved = await invoices.save(row);
      await this.recordAdjustments(manager, saved, adjustments, prepared);
      return {
        customerId: customer.id,
        outcome: existing ? 'updated' : 'created',
        invoice: toInvoiceView(await invoices.findOneByOrFail({ id: saved.id })),
      };
    });
  }

  private async prepare(customer: CustomerEntity, period: string): Promise<Prepared> {
    const range = billingPeriod(period, customer.timezone);
    const manager = this.options.dataSource.manager;
    const subscriptions = await manager
      .getRepository(SubscriptionEntity)
      .createQueryBuilder('subscription')
      .where('subscription.customer_id = :customerId', { customerId: customer.id })
      .andWhere('subscription.starts_at < :end', { end: range.end })
      .andWhere(
        new Brackets((q) => {
          q.where('subscription.ends_at IS NULL').orWhere('subscription.ends_at > :start', {
            start: range.start,
          });
        }),
      )
      .orderBy('subscription.starts_at', 'ASC')
      .getMany();
    const plans = await loadPlans(
      manager,
      subscriptions.map((s) => s.planId),
    );
    const terms: SubscriptionTerm[] = subscriptions.map((subscription) => ({
      subscriptionId: subscription.id,
      plan: stripCreatedAt(plans.find((plan) => plan.id === subscription.planId)),
      startsAt: subscription.startsAt,
      endsAt: subscription.endsAt,
    }));
    const cutoff = await this.options.usage.cutoff();
    const parts: StoredPart[] = [];
    for (const part of splitPeriod(range, terms)) {
      const quantities = await this.options.usage.quantities(customer.id, part.from, part.to, cutoff);
      parts.push(toStoredPart(part, quantities));
    }
    const earlier = await manager
      .getRepository(InvoiceEntity)
      .createQueryBuilder('invoice')
      .where('invoice.customer_id = :customerId', { customerId: customer.id })
      .andWhere(`invoice.status = 'finalized'`)
      .andWhere('invoice.period < :period', { period })
      .orderBy('invoice.period', 'ASC')
      .getMany();
    const rederived: Prepared['rederived'] = [];
    for (const invoice of earlier) {
      const view = toInvoiceView(invoice);
      const { computed } = await this.recompute(customer.id, view.currency, view.parts, cutoff, []);
      rederived.push({ invoice, chargesTotal: computed.chargesTotal });
    }
    return { customer, period: range, cutoff, parts, rederived };
  }

  private async recompute(
    customerId: string,
    currency: string,
    storedParts: readonly StoredPart[],
    cutoff: UsageCutoff,
    adjustments: readonly LateUsageAdjustment[],
  ): Promise<{ computed: ComputedInvoice }> {
    const parts = storedParts.map(fromStoredPart);
    const usage = [];
    for (const part of parts) {
      usage.push(await this.options.usage.quantities(customerId, part.from, part.to, cutoff));
    }
    return { computed: computeInvoice({ currency, parts, usage, adjustments }) };
  }

  /** Late-usage adjustments still owed, counting those already on other non-void invoices as applied. */
  private async owedAdjustments(
    manager: EntityManager,
    prepared: Prepared,
    currentInvoiceId: string | null,
  ): Promise<LateUsageAdjustment[]> {
    if (prepared.rederived.length === 0) return [];
    const sourceIds = prepared.rederived.map((entry) => entry.invoice.id);
    const query = manager
      .getRepository(InvoiceAdjustmentEntity)
      .createQueryBuilder('adjustment')
      .innerJoin(InvoiceEntity, 'target', 'target.id = adjustment.invoice_id')
      .select(['adjustment.source_invoice_id AS source', 'adjustment.amount AS amount'])
      .where('adjustment.source_invoice_id IN (:...sourceIds)', { sourceIds })
      .andWhere(`target.status <> 'void'`);
    if (currentInvoiceId !== null) {
      query.andWhere('adjustment.invoice_id <> :currentInvoiceId', { currentInvoiceId });
    }
    const applied = await query.getRawMany<{ source: string; amount: string }>();
    return prepared.rederived.flatMap(({ invoice, chargesTotal }) => {
      const adjustment = lateUsageAdjustment(
        {
          invoiceId: invoice.id,
          period: invoice.period,
          currency: invoice.currency,
          chargesTotal: invoice.chargesTotal,
        },
        chargesTotal,
        applied.filter((row) => row.source === invoice.id).map((row) => row.amount),
      );
      return adjustment ? [adjustment] : [];
    });
  }

  private async recordAdjustments(
    manager: EntityManager,
    invoice: InvoiceEntity,
    adjustments: readonly LateUsageAdjustment[],
    prepared: Prepared,
  ): Promise<void> {
    const repository = manager.getRepository(InvoiceAdjustmentEntity);
    await repository.delete({ invoiceId: invoice.id });
    if (adjustments.length === 0) return;
    await repository.save(
      adjustments.map((adjustment) =>
        repository.create({
          invoiceId: invoice.id,
          sourceInvoiceId: adjustment.sourceInvoiceId,
          currency: invoice.currency,
          amount: adjustment.amount,
          rederivedChargesTotal:
            prepared.rederived.find((entry) => entry.invoice.id === adjustment.sourceInvoiceId)
              ?.chargesTotal ?? '0',
          usageCutoff: { ...toStoredCutoff(prepared.cutoff) },
        }),
      ),
    );
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
