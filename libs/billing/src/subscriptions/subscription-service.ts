import type { DataSource, EntityManager } from 'typeorm';
import { CustomerEntity, InvoiceEntity, SubscriptionEntity } from '@keymeter/database';
import { BillingError, type BillingFieldIssue } from '../billing-error';
import { isUuid, loadPlans } from '../plans/plan-store';

export interface SubscriptionView {
  id: string;
  customerId: string;
  planId: string;
  startsAt: string;
  endsAt: string | null;
  createdAt: string;
}

const SUBSCRIPTION_KEYS = ['planId', 'startsAt'];
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Subscriptions of customers to plans. A new subscription ends the current one at its start instant,
 * so the billing period that holds that instant is split into parts.
 */
export class SubscriptionService {
  constructor(private readonly dataSource: DataSource) {}

  async subscribe(customerId: string, input: unknown): Promise<SubscriptionView> {
    const { planId, startsAt } = readInput(input);
    return this.dataSource.transaction(async (manager) => {
      const customer = await lockCustomer(manager, customerId);
      const [plan] = await loadPlans(manager, [planId]);
      if (!plan) {
        throw BillingError.invalid([{ field: 'planId', reason: `no plan has id ${planId}` }]);
      }
      if (plan.currency !== customer.currency) {
        throw BillingError.invalid([
          {
            field: 'planId',
            reason: `the plan is priced in ${plan.currency}, the customer is billed in ${customer.currency}`,
          },
        ]);
      }
      const subscriptions = manager.getRepository(SubscriptionEntity);
      const latest = await subscriptions.findOne({
        where: { customerId },
        order: { startsAt: 'DESC' },
      });
      if (latest && startsAt.getTime() <= latest.startsAt.getTime()) {
        throw conflict(
          `startsAt must be after the start of the latest subscription (${latest.startsAt.toISOString()})`,
        );
      }
      const lastFinalized = await manager
        .getRepository(InvoiceEntity)
        .createQueryBuilder('invoice')
        .select('MAX(invoice.period_end)', 'end')
        .where('invoice.customer_id = :customerId', { customerId })
        .andWhere(`invoice.status = 'finalized'`)
        .getRawOne<{ end: Date | null }>();
      if (lastFinalized?.end && startsAt.getTime() < new Date(lastFinalized.end).getTime()) {
        throw conflict(
          `startsAt falls in a finalized billing period (ending ${new Date(lastFinalized.end).toISOString()})`,
        );
      }
      if (latest && (latest.endsAt === null || latest.endsAt.getTime() > startsAt.getTime())) {
        await subscriptions.update({ id: latest.id }, { endsAt: startsAt });
      }
      const saved = await subscriptions.save(
        subscriptions.create({ customerId, planId, startsAt, endsAt: null }),
      );
      return toView(saved);
    });
  }

  async list(customerId: string): Promise<SubscriptionView[]> {
    await findCustomer(this.dataSource.manager, customerId);
    const rows = await this.dataSource
      .getRepository(SubscriptionEntity)
      .find({ where: { customerId }, order: { startsAt: 'ASC' } });
    return rows.map(toView);
  }
}

function conflict(message: string): BillingError {
  return new BillingError('conflict', 'subscription_conflict', message, [
    { field: 'startsAt', reason: message },
  ]);
}

function readInput(input: unknown): { planId: string; startsAt: Date } {
  const issues: BillingFieldIssue[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw BillingError.invalid([{ field: 'body', reason: 'must be a JSON object' }]);
  }
  const body = input as Record<string, unknown>;
  for (const key of Object.keys(body)) {
    if (!SUBSCRIPTION_KEYS.includes(key)) {
      issues.push({ field: key, reason: `is not a known field (allowed: ${SUBSCRIPTION_KEYS.join(', ')})` });
    }
  }
  const planId = body.planId;
  if (typeof planId !== 'string' || !isUuid(planId)) {
    issues.push({ field: 'planId', reason: 'is required: the id of a plan' });
  }
  const startsAt =
    typeof body.startsAt === 'string' && ISO_INSTANT.test(body.startsAt) ? new Date(body.startsAt) : null;
  if (startsAt === null || Number.isNaN(startsAt.getTime())) {
    issues.push({
      field: 'startsAt',
      reason: 'is required: an ISO 8601 instant with a time zone offset, e.g. 2026-11-15T00:00:00Z',
    });
  }
  if (issues.length > 0 || startsAt === null) throw BillingError.invalid(issues);
  return { planId: planId as string, startsAt };
}

/** The customer, or a not-found error. */
export async function findCustomer(manager: EntityManager, customerId: string): Promise<CustomerEntity> {
  const customer = isUuid(customerId)
    ? await manager.getRepository(CustomerEntity).findOneBy({ id: customerId })
    : null;
  if (!customer) throw BillingError.notFound(`customer ${customerId}`);
  return customer;
}

/**
 * Locks the customer's row for the rest of the transaction: every change to a customer's subscriptions
 * and invoices takes this lock first, so they happen one after another.
 */
export async function lockCustomer(manager: EntityManager, customerId: string): Promise<CustomerEntity> {
  const customer = isUuid(customerId)
    ? await manager
        .getRepository(CustomerEntity)
        .createQueryBuilder('customer')
        .setLock('pessimistic_write')
        .where('customer.id = :customerId', { customerId })
        .getOne()
    : null;
  if (!customer) throw BillingError.notFound(`customer ${customerId}`);
  return customer;
}

function toView(row: SubscriptionEntity): SubscriptionView {
  return {
    id: row.id,
    customerId: row.customerId,
    planId: row.planId,
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
