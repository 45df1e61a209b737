import type { DataSource } from 'typeorm';
import { PlanStore, type StoredPlan } from '@keymeter/billing';
import { customerId } from './bench-data';

/** Time zones of the generated customers, in turn: five different period windows for 2026-11. */
export const ZONES = [
  { timezone: 'UTC', currency: 'USD' },
  { timezone: 'America/New_York', currency: 'USD' },
  { timezone: 'Europe/Berlin', currency: 'EUR' },
  { timezone: 'Pacific/Auckland', currency: 'USD' },
  { timezone: 'Asia/Kolkata', currency: 'USD' },
] as const;

/** Every plan prices the three meters; one plan per price model (and currency). */
function planInputs(currency: string): object[] {
  return [
    {
      name: `per-unit ${currency}`,
      currency,
      fixedFee: '9.00',
      meters: {
        requests: { type: 'per_unit', unitPrice: '0.0004', freeUnits: 100 },
        credits: { type: 'per_unit', unitPrice: '0.002' },
        egress_bytes: { type: 'per_unit', unitPrice: '0.000000002' },
      },
    },
    {
      name: `graduated ${currency}`,
      currency,
      minimumCommitment: '5.00',
      meters: {
        requests: {
          type: 'graduated',
          tiers: [
            { upTo: 200, unitPrice: '0' },
            { upTo: 600, unitPrice: '0.001' },
            { upTo: null, unitPrice: '0.0005', flatFee: '1.00' },
          ],
        },
        credits: {
          type: 'graduated',
          tiers: [
            { upTo: 500, unitPrice: '0.003' },
            { upTo: null, unitPrice: '0.001' },
          ],
        },
        egress_bytes: { type: 'per_unit', unitPrice: '0.0000000015', freeUnits: 1000000 },
      },
    },
    {
      name: `volume ${currency}`,
      currency,
      fixedFee: '4.50',
      meters: {
        requests: {
          type: 'volume',
          tiers: [
            { upTo: 500, unitPrice: '0.002' },
            { upTo: null, unitPrice: '0.0015', flatFee: '2.00' },
          ],
        },
        credits: {
          type: 'volume',
          tiers: [
            { upTo: 800, unitPrice: '0.004' },
            { upTo: null, unitPrice: '0.0035' },
          ],
        },
        egress_bytes: { type: 'package', packageSize: 1000000, packagePrice: '0.01' },
      },
    },
    {
      name: `package ${currency}`,
      currency,
      fixedFee: '19.99',
      minimumCommitment: '25.00',
      meters: {
        requests: { type: 'package', packageSize: 100, packagePrice: '0.05', freeUnits: 50 },
        credits: { type: 'package', packageSize: 250, packagePrice: '0.40' },
        egress_bytes: { type: 'package', packageSize: 1000000, packagePrice: '0.01' },
      },
    },
  ];
}

export interface SeededSubscription {
  planId: string;
  startsAt: Date;
  endsAt: Date | null;
}

/** Customer i's subscriptions: on one plan all year; every tenth customer changes plan mid-November. */
export function subscriptionsOf(index: number, plans: Record<string, StoredPlan[]>): SeededSubscription[] {
  const { currency } = ZONES[index % ZONES.length];
  const own = plans[currency];
  const first = own[Math.floor(index / ZONES.length) % own.length];
  const start = new Date('2026-01-01T00:00:00Z');
  if (index % 10 !== 3) return [{ planId: first.id, startsAt: start, endsAt: null }];
  const change = new Date(Date.UTC(2026, 10, 2 + (index % 27), index % 24, 30));
  const second = own[(own.indexOf(first) + 1) % own.length];
  return [
    { planId: first.id, startsAt: start, endsAt: change },
    { planId: second.id, startsAt: change, endsAt: null },
  ];
}

const CHUNK = 5000;

/** Plans (through the plan store), customers and subscriptions (bulk inserts), with progress. */
export async function seedPostgres(
  dataSource: DataSource,
  customers: number,
  log: (line: string) => void,
): Promise<Record<string, StoredPlan[]>> {
  await dataSource.query(
    'TRUNCATE invoice_adjustments, invoices, subscriptions, plan_price_tiers, plan_meter_prices, plans, customers CASCADE',
  );
  const store = new PlanStore(dataSource);
  const plans: Record<string, StoredPlan[]> = {};
  for (const currency of ['USD', 'EUR']) {
    plans[currency] = [];
    for (const input of planInputs(currency)) plans[currency].push(await store.create(input));
  }
  for (let first = 0; first < customers; first += CHUNK) {
    const indexes = Array.from({ length: Math.min(CHUNK, customers - first) }, (_, i) => first + i);
    await dataSource.query(
      `INSERT INTO customers (id, name, email, timezone, currency)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])`,
      [
        indexes.map(customerId),
        indexes.map((i) => `Customer ${i}`),
        indexes.map((i) => `billing+${i}@customer.example`),
        indexes.map((i) => ZONES[i % ZONES.length].timezone),
        indexes.map((i) => ZONES[i % ZONES.length].currency),
      ],
    );
    const subscriptions = indexes.flatMap((i) =>
      subscriptionsOf(i, plans).map((s) => ({ customerId: customerId(i), ...s })),
    );
    await dataSource.query(
      `INSERT INTO subscriptions (customer_id, plan_id, starts_at, ends_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::timestamptz[])`,
      [
        subscriptions.map((s) => s.customerId),
        subscriptions.map((s) => s.planId),
        subscriptions.map((s) => s.startsAt.toISOString()),
        subscriptions.map((s) => s.endsAt?.toISOString() ?? null),
      ],
    );
    log(`  Postgres: ${first + indexes.length}/${customers} customers with their subscriptions`);
  }
  return plans;
}
