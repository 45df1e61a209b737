import type { DataSource, EntityManager } from 'typeorm';
import { In } from 'typeorm';
import { PlanEntity, PlanMeterPriceEntity, PlanPriceTierEntity } from '@keymeter/database';
import { BillingError } from '../billing-error';
import { planFromRows, priceRows } from './plan-rows';
import type { PlanTerms } from './plan-terms';
import { validatePlanInput } from './validate-plan-input';

export interface StoredPlan extends PlanTerms {
  createdAt: Date;
}

/** Plans in Postgres. Plans are immutable: created once, read many times. */
export class PlanStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Validates `input` (errors name the field) and stores the plan with its prices in one transaction. */
  async create(input: unknown): Promise<StoredPlan> {
    const validation = validatePlanInput(input);
    if (!validation.ok) {
      throw BillingError.invalid(validation.errors.map((e) => ({ field: e.field, reason: e.message })));
    }
    const { plan } = validation;
    return this.dataSource.transaction(async (manager) => {
      const saved = await manager.getRepository(PlanEntity).save(
        manager.getRepository(PlanEntity).create({
          name: plan.name,
          currency: plan.currency,
          fixedFee: plan.fixedFee,
          minimumCommitment: plan.minimumCommitment,
        }),
      );
      const rows = priceRows(saved.id, plan.meters);
      if (rows.prices.length > 0) await manager.getRepository(PlanMeterPriceEntity).insert(rows.prices);
      if (rows.tiers.length > 0) await manager.getRepository(PlanPriceTierEntity).insert(rows.tiers);
      const [stored] = await loadPlans(manager, [saved.id]);
      if (!stored) throw new Error(`plan ${saved.id} vanished inside its own transaction`);
      return stored;
    });
  }

  async get(id: string): Promise<StoredPlan> {
    const [plan] = isUuid(id) ? await loadPlans(this.dataSource.manager, [id]) : [];
    if (!plan) throw BillingError.notFound(`plan ${id}`);
    return plan;
  }

  async list(): Promise<StoredPlan[]> {
    const ids = await this.dataSource.getRepository(PlanEntity).find({
      select: { id: true },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    return loadPlans(
      this.dataSource.manager,
      ids.map((row) => row.id),
    );
  }
}

/** Plans by id, with their prices, in the order of `ids`. */
export async function loadPlans(manager: EntityManager, ids: readonly string[]): Promise<StoredPlan[]> {
  if (ids.length === 0) return [];
  const unique = [...new Set(ids)];
  // One after another: inside a transaction the manager has a single connection.
  const plans = await manager.getRepository(PlanEntity).findBy({ id: In(unique) });
  const prices = await manager.getRepository(PlanMeterPriceEntity).findBy({ planId: In(unique) });
  const tiers = await manager.getRepository(PlanPriceTierEntity).findBy({ planId: In(unique) });
  const byId = new Map(
    plans.map((plan) => [
      plan.id,
      {
        ...planFromRows(
          plan,
          prices.filter((p) => p.planId === plan.id),
          tiers.filter((t) => t.planId === plan.id),
        ),
        createdAt: plan.createdAt,
      },
    ]),
  );
  return ids.flatMap((id) => {
    const plan = byId.get(id);
    return plan ? [plan] : [];
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
