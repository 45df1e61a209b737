import {
  CustomerEntity,
  InvoiceAdjustmentEntity,
  InvoiceEntity,
  openDatabase,
  runDatabaseMigrations,
} from '@keymeter/database';
import type { DatabaseHandle } from '@keymeter/database';
import { createTestDatabase, type TestDatabase } from '@keymeter/testing';
import { InMemoryUsageSource } from '../src/usage/in-memory-usage-source';
import { InvoiceService } from '../src/invoices/invoice-service';
import { PlanStore } from '../src/plans/plan-store';
import { SubscriptionService } from '../src/subscriptions/subscription-service';
import { BillingError } from '../src/billing-error';
import type { InvoiceView } from '../src/invoices/invoice-record';

const HOUR = 3_600_000;

describe('invoice runs on PostgreSQL', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let now: Date;
  let usage: InMemoryUsageSource;
  let invoices: InvoiceService;
  let customerIds: string[];

  const clock = (): Date => now;
  const newService = (): InvoiceService =>
    new InvoiceService({ dataSource: handle.dataSource, usage, finalizeGraceMs: HOUR, clock });

  beforeAll(async () => {
    database = await createTestDatabase();
    handle = await openDatabase({ url: database.url });
    await runDatabaseMigrations(handle);
  });

  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  beforeEach(async () => {
    await handle.dataSource.query(
      'TRUNCATE invoice_adjustments, invoices, subscriptions, plan_price_tiers, plan_meter_prices, plans, customers CASCADE',
    );
    now = new Date('2026-01-20T00:00:00.000Z');
    usage = new InMemoryUsageSource(clock);
    invoices = newService();
    const customers = handle.dataSource.getRepository(CustomerEntity);
    const saved = await customers.save([
      customers.create({ name: 'Acme', email: 'billing@acme.test', timezone: 'UTC', currency: 'USD' }),
      customers.create({
        name: 'Globex',
        email: 'ap@globex.test',
        timezone: 'America/New_York',
        currency: 'USD',
      }),
    ]);
    customerIds = saved.map((c) => c.id);
    const plan = await new PlanStore(handle.dataSource).create({
      name: 'Metered',
      currency: 'USD',
      meters: { requests: { type: 'per_unit', unitPrice: '0.01' } },
    });
    const subscriptions = new SubscriptionService(handle.dataSource);
    for (const id of customerIds) {
      await subscriptions.subscribe(id, { planId: plan.id, startsAt: '2025-12-01T00:00:00Z' });
    }
  });

  const acme = (): string => customerIds[0];
  const requests = (customerId: string, at: string, count: number): void =>
    usage.record({ customerId, keyId: 'key-1', occurredAt: new Date(at), requests: count });
  const storedInvoices = (): Promise<InvoiceEntity[]> =>
    handle.dataSource.getRepository(InvoiceEntity).find({ order: { period: 'ASC', customerId: 'ASC' } });

  it('running a period twice gives the same invoices, not two', async () => {
    requests(acme(), '2026-01-05T10:00:00Z', 150);
    const first = await invoices.run({ period: '2026-01' });
    const second = await invoices.run({ period: '2026-01' });
    expect(first.results.map((r) => r.outcome)).toEqual(['created', 'created']);
    expect(second.results.map((r) => r.outcome)).toEqual(['updated', 'updated']);
    const rows = await storedInvoices();
    expect(rows).toHaveLength(2);
    const strip = (view: unknown): unknown =>
      JSON.parse(JSON.stringify(view, (key, value: unknown) => (key === 'updatedAt' ? undefined : value)));
    expect(second.results.map((r) => strip(r.invoice))).toEqual(first.results.map((r) => strip(r.invoice)));
    const acmeInvoice = first.results.find((r) => r.customerId === acme())?.invoice;
    expect(acmeInvoice?.total).toBe('1.50');
    expect(acmeInvoice?.parts[0]?.quantities).toEqual({ requests: '150', credits: '0', egress_bytes: '0' });
    expect(acmeInvoice?.usageCutoff.offsets).toEqual({ '0': '1' });
  });

  it('two runs at once create one invoice per customer', async () => {
    requests(acme(), '2026-01-05T10:00:00Z', 10);
    const results = await Promise.all([
      newService().run({ period: '2026-01' }),
      newService().run({ period: '2026-01' }),
    ]);
    const rows = await storedInvoices();
    expect(rows.map((row) => row.customerId).sort()).toEqual([...customerIds].sort());
    const outcomes = results.flatMap((result) => result.results.map((r) => r.outcome)).sort();
    expect(outcomes).toEqual(['created', 'created', 'updated', 'updated']);
    const ids = new Set(results.flatMap((result) => result.results.map((r) => r.invoice?.id)));
    expect(ids.size).toBe(2);
  });

  it('refuses to finalize within the grace period, then freezes the invoice for good', async () => {
    requests(acme(), '2026-01-05T10:00:00Z', 150);
    const run = await invoices.run({ period: '2026-01', customerId: acme() });
    const draft = run.results[0].invoice!;
    now = new Date('2026-02-01T00:30:00.000Z');
    await expect(invoices.finalize(draft.id)).rejects.toMatchObject({ code: 'grace_period' });
    expect((await invoices.get(draft.id)).status).toBe('draft');

    requests(acme(), '2026-01-31T23:59:00Z', 50); // arrives during the grace period: included
    now = new Date('2026-02-01T01:00:00.000Z');
    const finalized = await invoices.finalize(draft.id);
    expect(finalized).toMatchObject({ id: draft.id, status: 'finalized', total: '2.00' });

    requests(acme(), '2026-01-15T00:00:00Z', 1000); // later still
    const later = await invoices.run({ period: '2026-01', customerId: acme() });
    expect(later.results[0].outcome).toBe('unchanged');
    expect(await invoices.get(draft.id)).toEqual(finalized);
    await expect(invoices.finalize(draft.id)).rejects.toBeInstanceOf(BillingError);
  });

  it('charges late usage for a finalized period once, on the next run, for exactly its amount', async () => {
    requests(acme(), '2026-01-05T10:00:00Z', 150);
    await invoices.run({ period: '2026-01', customerId: acme() });
    now = new Date('2026-02-02T00:00:00.000Z');
    const january = (await invoices.list({ customerId: acme(), period: '2026-01' }))[0];
    await invoices.finalize(january.id);

    requests(acme(), '2026-01-30T12:00:00Z', 7); // late: 7 × 0.01 = 0.07
    requests(acme(), '2026-02-01T12:00:00Z', 100); // February: 1.00
    const february = (await invoices.run({ period: '2026-02', customerId: acme() })).results[0].invoice!;
    expect(february.lines.map((line) => [line.kind, line.amount])).toEqual([
      ['usage', '1.00'],
      ['adjustment', '0.07'],
    ]);
    expect(february.lines[1]).toMatchObject({ sourceInvoiceId: january.id });
    expect(february.total).toBe('1.07');

    // Recomputing February keeps one adjustment; March does not charge it again.
    const again = (await invoices.run({ period: '2026-02', customerId: acme() })).results[0].invoice!;
    expect(again.total).toBe('1.07');
    now = new Date('2026-03-02T00:00:00.000Z');
    await invoices.finalize(february.id);
    const march = (await invoices.run({ period: '2026-03', customerId: acme() })).results[0].invoice!;
    expect(march.lines.filter((line) => line.kind === 'adjustment')).toEqual([]);
    const recorded = await handle.dataSource.getRepository(InvoiceAdjustmentEntity).find();
    expect(recorded.map((row) => [row.invoiceId, row.sourceInvoiceId, row.amount])).toEqual([
      [february.id, january.id, '0.07'],
    ]);

    // More late usage for January later: only the new difference is charged.
    requests(acme(), '2026-01-31T00:00:00Z', 3);
    const marchAgain = (await invoices.run({ period: '2026-03', customerId: acme() })).results[0].invoice!;
    expect(marchAgain.lines.map((line) => [line.kind, line.amount])).toEqual([
      ['usage', '0.00'],
      ['adjustment', '0.03'],
    ]);
  });

  it('re-derives finalized invoices only within the late-usage look-back', async () => {
    requests(acme(), '2026-01-05T10:00:00Z', 150);
    await invoices.run({ period: '2026-01', customerId: acme() });
    now = new Date('2026-02-02T00:00:00.000Z');
    await invoices.finalize((await invoices.list({ customerId: acme(), period: '2026-01' }))[0].id);
    requests(acme(), '2026-01-30T12:00:00Z', 7); // late for January: 0.07
    const runFor = async (service: InvoiceService, period: string): Promise<InvoiceView> =>
      (await service.run({ period, customerId: acme() })).results[0].invoice!;
    const adjustmentsOn = (invoice: InvoiceView): string[] =>
      invoice.lines.filter((l) => l.kind === 'adjustment').map((l) => l.amount);
    const withLookback = (periods: number): InvoiceService =>
      new InvoiceService({
        dataSource: handle.dataSource,
        usage,
        finalizeGraceMs: HOUR,
        clock,
        lateUsageLookbackPeriods: periods,
      });
    // May is 4 periods after January: out of reach of a 3-period look-back, within a 4-period one.
    expect(adjustmentsOn(await runFor(withLookback(3), '2026-05'))).toEqual([]);
    const may = await runFor(withLookback(4), '2026-05');
    expect(adjustmentsOn(may)).toEqual(['0.07']);
    await invoices.void(may.id);
    // April is within the default look-back of 3; 0 turns late-usage adjustments off.
    expect(adjustmentsOn(await runFor(withLookback(0), '2026-04'))).toEqual([]);
    expect(adjustmentsOn(await runFor(invoices, '2026-04'))).toEqual(['0.07']);
  });

  it('an adjustment on a voided invoice counts as not applied', async () => {
    requests(acme(), '2026-01-05T10:00:00Z', 150);
    await invoices.run({ period: '2026-01', customerId: acme() });
    now = new Date('2026-02-02T00:00:00.000Z');
    await invoices.finalize((await invoices.list({ customerId: acme(), period: '2026-01' }))[0].id);
    requests(acme(), '2026-01-30T12:00:00Z', 7);
    const february = (await invoices.run({ period: '2026-02', customerId: acme() })).results[0].invoice!;
    await invoices.void(february.id);
    const march = (await invoices.run({ period: '2026-03', customerId: acme() })).results[0].invoice!;
    expect(march.lines.filter((line) => line.kind === 'adjustment').map((line) => line.amount)).toEqual([
      '0.07',
    ]);
  });

  it('re-derives a finalized invoice identically from usage as of its cut-off, late usage or not', async () => {
    requests(acme(), '2026-01-05T10:00:00Z', 150);
    await invoices.run({ period: '2026-01', customerId: acme() });
    now = new Date('2026-02-02T00:00:00.000Z');
    const january = (await invoices.list({ customerId: acme(), period: '2026-01' }))[0];
    await invoices.finalize(january.id);
    requests(acme(), '2026-01-30T12:00:00Z', 7);
    const result = await invoices.rederive(january.id);
    expect(result).toEqual({
      invoiceId: january.id,
      identical: true,
      recordedTotal: '1.50',
      rederivedTotal: '1.50',
      differences: [],
    });
  });

  it('reports the difference when the usage as of the cut-off no longer matches', async () => {
    requests(acme(), '2026-01-05T10:00:00Z', 150);
    await invoices.run({ period: '2026-01', customerId: acme() });
    now = new Date('2026-02-02T00:00:00.000Z');
    const january = (await invoices.list({ customerId: acme(), period: '2026-01' }))[0];
    await invoices.finalize(january.id);
    // Simulate lost usage in the store: re-derivation from a source without the events differs.
    const emptySource = new InMemoryUsageSource(clock);
    const checker = new InvoiceService({
      dataSource: handle.dataSource,
      usage: emptySource,
      finalizeGraceMs: HOUR,
      clock,
    });
    const result = await checker.rederive(january.id);
    expect(result.identical).toBe(false);
    expect(result.differences).toContainEqual({ field: 'total', recorded: '1.50', rederived: '0.00' });
  });

  it('shows the running total of the current period without storing it', async () => {
    now = new Date('2026-01-20T00:00:00.000Z');
    requests(acme(), '2026-01-05T10:00:00Z', 42);
    const upcoming = await invoices.upcoming(acme());
    expect(upcoming).toMatchObject({ period: '2026-01', total: '0.42', currency: 'USD' });
    expect(await storedInvoices()).toEqual([]);
  });
});
