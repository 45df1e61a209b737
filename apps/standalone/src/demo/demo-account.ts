import { periodContaining } from '@keymeter/domain';
import type { AdminApi } from './http-json';

export interface DemoKey {
  readonly id: string;
  readonly name: string;
  /** The plaintext, shown once by the API at creation. */
  readonly key: string;
}

export interface DemoAccount {
  readonly customer: {
    readonly id: string;
    readonly name: string;
    readonly timezone: string;
    readonly currency: string;
  };
  readonly plan: { readonly id: string; readonly name: string };
  readonly steadyKey: DemoKey;
  readonly misbehavingKey: DemoKey;
}

const TIMEZONE = 'America/New_York';
const CURRENCY = 'USD';

/**
 * A plan with graduated tiers on both usage meters and a monthly fee. The tiers are small enough that a
 * minute of demo traffic reaches the second tier of each.
 */
export const DEMO_PLAN = {
  name: 'Market data Pro',
  currency: CURRENCY,
  fixedFee: '49.00',
  meters: {
    requests: {
      type: 'graduated',
      tiers: [
        { upTo: '100', unitPrice: '0' },
        { upTo: '100000', unitPrice: '0.002' },
        { upTo: null, unitPrice: '0.001' },
      ],
    },
    credits: {
      type: 'graduated',
      tiers: [
        { upTo: '5000', unitPrice: '0' },
        { upTo: '1000000', unitPrice: '0.0001' },
        { upTo: null, unitPrice: '0.00005' },
      ],
    },
  },
} as const;

/**
 * Sets the demo customer up through the admin API, as an integrator would: the plan, the customer
 * (subscribed from the start of its current billing period) and two keys — a dashboard key with full
 * access, and a batch job's key limited to quotes at 2 calls per second (burst 5).
 */
export async function createDemoAccount(api: AdminApi, now: Date): Promise<DemoAccount> {
  const plan = await api.create<{ id: string; name: string }>('creating the plan', '/v1/plans', DEMO_PLAN);
  // Unique per run, so the demo also works on a database that already has a demo customer.
  const suffix = now.getTime().toString(36);
  const customer = await api.create<DemoAccount['customer']>('creating the customer', '/v1/customers', {
    name: 'Northwind Trading',
    email: `api-team+${suffix}@northwind.example`,
    timezone: TIMEZONE,
    currency: CURRENCY,
  });
  await api.create('subscribing the customer', `/v1/customers/${customer.id}/subscriptions`, {
    planId: plan.id,
    startsAt: periodContaining(now, TIMEZONE).start.toISOString(),
  });
  const steadyKey = await api.create<DemoKey>('creating the first key', `/v1/customers/${customer.id}/keys`, {
    name: 'trading-dashboard',
    rateLimit: { rate: 50, burst: 100 },
  });
  const misbehavingKey = await api.create<DemoKey>(
    'creating the second key',
    `/v1/customers/${customer.id}/keys`,
    {
      name: 'nightly-batch',
      scopes: [{ methods: ['GET'], pattern: '/v1/quotes/*' }],
      rateLimit: { rate: 2, burst: 5 },
    },
  );
  return {
    customer: {
      id: customer.id,
      name: customer.name,
      timezone: customer.timezone,
      currency: customer.currency,
    },
    plan: { id: plan.id, name: plan.name },
    steadyKey: { id: steadyKey.id, name: steadyKey.name, key: steadyKey.key },
    misbehavingKey: { id: misbehavingKey.id, name: misbehavingKey.name, key: misbehavingKey.key },
  };
}
