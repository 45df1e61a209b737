import { createBillingServices, type BillingServices } from '@keymeter/billing';
import { CustomerEntity, openDatabase, runDatabaseMigrations, type DatabaseHandle } from '@keymeter/database';
import type { EventLog } from '@keymeter/event-log';
import { createTestDatabase, type TestDatabase } from '@keymeter/testing';
import { createClickHouseUsageSource } from '../src';
import {
  ingestAll,
  openTestClickHouse,
  openTestKafka,
  produceEvents,
  uniqueName,
  usageEvent,
} from './usage-harness';

// Invoices priced from usage that went through Kafka, the ingestion engine and ClickHouse (chDB), on the
// machine's PostgreSQL: duplicates count once, and usage arriving after a period was finalized becomes an
// adjustment of exactly its amount on the next invoice, while the finalized invoice still re-derives
// identically from its own cut-off.
describe('invoices from usage ingested into ClickHouse', () => {
  let log: EventLog;
  let ch: Awaited<ReturnType<typeof openTestClickHouse>>;
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let billing: BillingServices;
  let now: Date;
  const topic = uniqueName('billing-ch');
  const dlq = `${topic}-dlq`;
  let customerId: string;

  beforeAll(async () => {
    log = openTestKafka('keymeter-billing-ch-test');
    await log.ensureTopics([
      { name: topic, partitions: 2 },
      { name: dlq, partitions: 2 },
    ]);
    ch = await openTestClickHouse('keymeter-billing-ch');
    database = await createTestDatabase();
    handle = await openDatabase({ url: database.url });
    await runDatabaseMigrations(handle);
    now = new Date('2026-01-20T00:00:00Z');
    billing = createBillingServices({
      dataSource: handle.dataSource,
      usage: createClickHouseUsageSource(ch.handle, { topic }),
      finalizeGraceMs: 3_600_000,
      clock: () => now,
    });
    const customers = handle.dataSource.getRepository(CustomerEntity);
    customerId = (
      await customers.save(
        customers.create({ name: 'Acme', email: 'ap@acme.test', timezone: 'UTC', currency: 'USD' }),
      )
    ).id;
    const plan = await billing.plans.create({
      name: 'Metered',
      currency: 'USD',
      meters: {
        requests: { type: 'per_unit', unitPrice: '0.01' },
        credits: { type: 'per_unit', unitPrice: '0.10' },
      },
    });
    await billing.subscriptions.subscribe(customerId, { planId: plan.id, startsAt: '2026-01-01T00:00:00Z' });
  });

  afterAll(async () => {
    await log?.close();
    await ch?.cleanup();
    await handle?.close();
    await database?.drop();
  });

  it('counts duplicates once and charges late usage as an adjustment of exactly its amount', async () => {
    const event = (at: string, units = '1'): ReturnType<typeof usageEvent> =>
      usageEvent({ customerId, keyId: 'key_1', at, units });
    const january = [
      event('2026-01-05T10:00:00Z'),
      event('2026-01-10T10:00:00Z'),
      event('2026-01-31T23:00:00Z'),
    ];
    await produceEvents(log, topic, january);
    await ingestAll(log, ch.handle, topic, dlq, uniqueName('billing-ch-ingestor'));
    await produceEvents(log, topic, [january[0], january[1]]); // redelivered: counted once
    await ingestAll(log, ch.handle, topic, dlq, uniqueName('billing-ch-ingestor'));

    // 3 requests × 0.01 + 3 credits × 0.10 = 0.33.
    const draft = (await billing.invoices.run({ period: '2026-01' })).results[0].invoice!;
    expect(draft.parts[0].quantities).toEqual({ requests: '3', credits: '3', egress_bytes: '3000' });
    expect(draft.total).toBe('0.33');
    now = new Date('2026-02-01T02:00:00Z');
    const finalized = await billing.invoices.finalize(draft.id);
    expect(finalized.total).toBe('0.33');

    // Late for January: 2 calls of 2 credits, and a third copy of an already counted event.
    await produceEvents(log, topic, [
      event('2026-01-15T00:00:00Z', '2'),
      event('2026-01-31T23:59:59.999Z', '2'),
      january[2],
    ]);
    await ingestAll(log, ch.handle, topic, dlq, uniqueName('billing-ch-ingestor'));

    // 2 × 0.01 + 4 × 0.10 = 0.42, once, however often February is recomputed.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const february = (await billing.invoices.run({ period: '2026-02' })).results[0].invoice!;
      expect(february.lines.map((line) => [line.kind, line.amount])).toEqual([
        ['usage', '0.00'],
        ['usage', '0.00'],
        ['adjustment', '0.42'],
      ]);
      expect(february.lines[2]).toMatchObject({ sourceInvoiceId: draft.id });
      expect(february.total).toBe('0.42');
    }
    expect(await billing.invoices.get(draft.id)).toEqual(finalized);
    const rederived = await billing.invoices.rederive(draft.id);
    expect(rederived).toMatchObject({ identical: true, recordedTotal: '0.33', rederivedTotal: '0.33' });
  });
});
