import { CustomerEntity, openDatabase, runDatabaseMigrations } from '@keymeter/database';
import type { DatabaseHandle } from '@keymeter/database';
import { dec } from '@keymeter/domain';
import { createTestDatabase, type TestDatabase } from '@keymeter/testing';
import { InMemoryUsageSource } from '../src/usage/in-memory-usage-source';
import { InvoiceService } from '../src/invoices/invoice-service';
import { PlanStore } from '../src/plans/plan-store';
import { SubscriptionService } from '../src/subscriptions/subscription-service';
import { csvPieces, toCsv, UsageReportService, USAGE_REPORT_COLUMNS } from '../src/reports/usage-report';

const HOUR = 3_600_000;

describe('usage report on PostgreSQL, read in chunks', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let now: Date;
  let usage: InMemoryUsageSource;
  let invoices: InvoiceService;
  let customerIds: string[];

  beforeAll(async () => {
    database = await createTestDatabase();
    handle = await openDatabase({ url: database.url });
    await runDatabaseMigrations(handle);
    now = new Date('2026-01-20T00:00:00.000Z');
    const clock = (): Date => now;
    usage = new InMemoryUsageSource(clock);
    invoices = new InvoiceService({ dataSource: handle.dataSource, usage, finalizeGraceMs: HOUR, clock });
    const customers = handle.dataSource.getRepository(CustomerEntity);
    const saved = await customers.save(
      ['Acme', '=Globex', 'Initech, Inc.', 'Umbrella'].map((name, i) =>
        customers.create({ name, email: `c${i}@example.test`, timezone: 'UTC', currency: 'USD' }),
      ),
    );
    customerIds = saved.map((c) => c.id);
    const plan = await new PlanStore(handle.dataSource).create({
      name: 'Metered',
      currency: 'USD',
      meters: {
        requests: { type: 'per_unit', unitPrice: '0.01' },
        credits: { type: 'per_unit', unitPrice: '0.333333' },
      },
    });
    const subscriptions = new SubscriptionService(handle.dataSource);
    for (const id of customerIds) {
      await subscriptions.subscribe(id, { planId: plan.id, startsAt: '2025-12-01T00:00:00Z' });
    }
    customerIds.forEach((customerId, i) => {
      for (let key = 0; key < 3; key += 1) {
        usage.record({
          customerId,
          keyId: `key-${i}-${key}`,
          occurredAt: new Date(`2026-01-0${key + 2}T10:00:00Z`),
          requests: 7 * (key + 1) + i,
          credits: `${key + 1}.5`,
        });
      }
    });
    // The first customer's invoice is finalized; usage arriving later is not in it (its own cut-off), while
    // the others' drafts are recomputed with a later cut-off.
    await invoices.run({ period: '2026-01' });
    now = new Date('2026-02-02T00:00:00.000Z');
    const [acme] = await invoices.list({ customerId: customerIds[0], period: '2026-01' });
    await invoices.finalize(acme.id);
    for (const customerId of customerIds) {
      usage.record({
        customerId,
        keyId: 'key-late',
        occurredAt: new Date('2026-01-30T10:00:00Z'),
        requests: 5,
      });
    }
    await invoices.run({ period: '2026-01' });
  });

  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  it('gives the same report whatever the chunk size, amounts adding up to each invoice total', async () => {
    const whole = await new UsageReportService(handle.dataSource, usage).build('2026-01');
    const progress: number[] = [];
    const chunked = await new UsageReportService(handle.dataSource, usage, { chunkSize: 1 }).build(
      '2026-01',
      (done) => progress.push(done),
    );
    expect(chunked).toEqual(whole);
    expect(progress).toEqual([1, 2, 3, 4]);
    const stored = await invoices.list({ period: '2026-01' });
    expect(stored).toHaveLength(4);
    for (const invoice of stored) {
      const rows = whole.rows.filter((row) => row.invoiceId === invoice.id);
      const sum = rows.reduce((total, row) => total.plus(row.amount), dec(0));
      expect(sum.toFixed(2)).toBe(invoice.total);
      // The late key only on invoices whose cut-off includes it.
      expect(rows.some((row) => row.keyId === 'key-late')).toBe(invoice.customerId !== customerIds[0]);
    }
  });

  it('streams the CSV byte for byte as the whole report renders it', async () => {
    const service = new UsageReportService(handle.dataSource, usage, { chunkSize: 3 });
    const whole = await service.build('2026-01');
    let streamed = '';
    for await (const piece of csvPieces(USAGE_REPORT_COLUMNS, service.stream('2026-01').chunks))
      streamed += piece;
    expect(streamed).toBe(toCsv(USAGE_REPORT_COLUMNS, whole.rows));
    expect(streamed).toContain(`'=Globex`);
    expect((await service.revenue('2026-01')).revenue).toEqual(whole.revenue);
  });
});
