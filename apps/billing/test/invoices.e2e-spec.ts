import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createBillingServices, InMemoryUsageSource } from '@keymeter/billing';
import { openDatabase, runDatabaseMigrations, type DatabaseHandle } from '@keymeter/database';
import { createEmbeddedEventLog, type EventLog } from '@keymeter/event-log';
import { createKeyManagement, type KeyManagement } from '@keymeter/keys';
import { createLogger, startHttpApp, type RunningHttpApp } from '@keymeter/platform';
import { createTestDatabase, type TestDatabase } from '@keymeter/testing';
import { BillingModule } from '../src/billing.module';

// Plans, subscriptions, invoices and reports over HTTP, on the machine's PostgreSQL. Usage comes from an
// in-memory usage source (the billing port), so amounts are known exactly.
const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';
const SYSTEM = { type: 'system', label: 'e2e' } as const;
let db: TestDatabase;
let dataDir: string;
let handle: DatabaseHandle;
let eventLog: EventLog;
let keys: KeyManagement;
let app: RunningHttpApp;
let now: Date;
const usage = new InMemoryUsageSource(() => now);

const http = (): ReturnType<typeof request> => request(app.url);
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

async function count(table: string): Promise<number> {
  const rows: { n: string }[] = await handle.dataSource.query(`SELECT count(*) AS n FROM "${table}"`);
  return Number(rows[0]?.n);
}

async function createCustomer(name: string, currency = 'USD', timezone = 'UTC'): Promise<string> {
  const email = `${name.replace(/\W/g, '').toLowerCase()}-${Date.now()}@example.com`;
  return (await keys.customers.create({ name, email, timezone, currency }, SYSTEM)).id;
}

const meteredPlan = {
  name: 'Metered',
  currency: 'USD',
  fixedFee: '10.00',
  meters: {
    requests: { type: 'per_unit', unitPrice: '0.01' },
    credits: {
      type: 'graduated',
      tiers: [
        { upTo: '100', unitPrice: '0' },
        { upTo: null, unitPrice: '0.05' },
      ],
    },
  },
};

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'keymeter-billing-e2e-'));
  handle = await openDatabase({ url: db.url });
  await runDatabaseMigrations(handle);
  eventLog = createEmbeddedEventLog({ dataDir: join(dataDir, 'event-log') });
  keys = createKeyManagement({ dataSource: handle.dataSource, eventLog, registryTopic: 'key-registry' });
  await keys.adminTokens.bootstrap(ADMIN_TOKEN, () => undefined);
  now = new Date('2026-02-10T00:00:00.000Z');
  const billing = createBillingServices({
    dataSource: handle.dataSource,
    usage,
    finalizeGraceMs: 3_600_000,
    clock: () => now,
  });
  app = await startHttpApp(BillingModule.register({ checks: [], keys, billing }), {
    name: 'billing',
    host: '127.0.0.1',
    port: 0,
    logger: createLogger('silent', 'billing-e2e'),
    docs: { title: 'keymeter billing', description: 'e2e' },
  });
});

afterAll(async () => {
  await app?.close();
  await eventLog?.close();
  await handle?.close();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('plans', () => {
  it('creates a plan and reads it back with prices as decimal strings', async () => {
    const created = await http().post('/v1/plans').set(admin).send(meteredPlan).expect(201);
    expect(created.body).toMatchObject({
      name: 'Metered',
      currency: 'USD',
      fixedFee: '10.00',
      minimumCommitment: null,
      meters: meteredPlan.meters,
    });
    const read = await http().get(`/v1/plans/${created.body.id}`).set(admin).expect(200);
    expect(read.body).toEqual(created.body);
    const list = await http().get('/v1/plans').set(admin).expect(200);
    expect((list.body as { id: string }[]).map((plan) => plan.id)).toContain(created.body.id);
  });

  it('names the offending field and stores nothing', async () => {
    const before = await count('plans');
    const pricesBefore = await count('plan_meter_prices');
    const bad = {
      ...meteredPlan,
      meters: {
        credits: {
          type: 'graduated',
          tiers: [
            { upTo: '100', unitPrice: '0' },
            { upTo: '50', unitPrice: '0.01' },
            { upTo: null, unitPrice: '0.01' },
          ],
        },
      },
    };
    const response = await http().post('/v1/plans').set(admin).send(bad).expect(400);
    expect(response.body.error.code).toBe('invalid_request');
    expect(response.body.error.details).toContainEqual({
      field: 'meters.credits.tiers[1].upTo',
      reason: "must be greater than the previous tier's upTo (100)",
    });
    const badFee = await http()
      .post('/v1/plans')
      .set(admin)
      .send({ ...meteredPlan, fixedFee: 10 })
      .expect(400);
    expect(badFee.body.error.message).toMatch(/^fixedFee: /);
    const badCurrency = await http()
      .post('/v1/plans')
      .set(admin)
      .send({ ...meteredPlan, currency: 'usd' })
      .expect(400);
    expect(badCurrency.body.error.details[0].field).toBe('currency');
    expect(await count('plans')).toBe(before);
    expect(await count('plan_meter_prices')).toBe(pricesBefore);
  });

  it('requires the admin token', async () => {
    await http().post('/v1/plans').send(meteredPlan).expect(401);
  });

  it('answers 404 for an unknown plan', async () => {
    const response = await http()
      .get('/v1/plans/00000000-0000-0000-0000-000000000000')
      .set(admin)
      .expect(404);
    expect(response.body.error.code).toBe('not_found');
  });
});

describe('subscriptions, invoices and reports', () => {
  let planId: string;
  let customerId: string;
  let invoiceId: string;

  beforeAll(async () => {
    planId = (await http().post('/v1/plans').set(admin).send(meteredPlan).expect(201)).body.id;
    customerId = await createCustomer('Zürich "Data", AG');
  });

  it('refuses a subscription with a bad field or another currency, changing nothing', async () => {
    const before = await count('subscriptions');
    const missing = await http()
      .post(`/v1/customers/${customerId}/subscriptions`)
      .set(admin)
      .send({ planId, startsAt: 'yesterday' })
      .expect(400);
    expect(missing.body.error.details).toEqual([{ field: 'startsAt', reason: expect.any(String) }]);
    const yenPlan = await http()
      .post('/v1/plans')
      .set(admin)
      .send({ name: 'Yen', currency: 'JPY', fixedFee: '1000' })
      .expect(201);
    const currency = await http()
      .post(`/v1/customers/${customerId}/subscriptions`)
      .set(admin)
      .send({ planId: yenPlan.body.id, startsAt: '2026-01-01T00:00:00Z' })
      .expect(400);
    expect(currency.body.error.message).toMatch(/^planId: the plan is priced in JPY/);
    expect(await count('subscriptions')).toBe(before);
  });

  it('subscribes, runs, finalizes and renders an invoice', async () => {
    await http()
      .post(`/v1/customers/${customerId}/subscriptions`)
      .set(admin)
      .send({ planId, startsAt: '2026-01-01T00:00:00Z' })
      .expect(201);
    const listed = await http().get(`/v1/customers/${customerId}/subscriptions`).set(admin).expect(200);
    expect(listed.body).toMatchObject([{ planId, startsAt: '2026-01-01T00:00:00.000Z', endsAt: null }]);

    usage.record(
      {
        customerId,
        keyId: 'key-a',
        occurredAt: new Date('2026-01-03T00:00:00Z'),
        requests: 300,
        credits: 150,
      },
      {
        customerId,
        keyId: 'key-b',
        occurredAt: new Date('2026-01-04T00:00:00Z'),
        requests: 100,
        credits: 50,
      },
    );
    const run = await http()
      .post('/v1/invoices/run')
      .set(admin)
      .send({ period: '2026-01', customerId })
      .expect(200);
    const invoice = run.body.results[0].invoice as { id: string; total: string; lines: { amount: string }[] };
    invoiceId = invoice.id;
    // fee 10.00; requests 400 × 0.01 = 4.00; credits 100 × 0 + 100 × 0.05 = 5.00
    expect(invoice.lines.map((line) => line.amount)).toEqual(['10.00', '4.00', '5.00']);
    expect(invoice.total).toBe('19.00');

    const badRun = await http().post('/v1/invoices/run').set(admin).send({ period: '2026-1' }).expect(400);
    expect(badRun.body.error.details[0].field).toBe('period');

    const finalized = await http().post(`/v1/invoices/${invoiceId}/finalize`).set(admin).expect(200);
    expect(finalized.body).toMatchObject({ status: 'finalized', total: '19.00' });
    const again = await http().post(`/v1/invoices/${invoiceId}/finalize`).set(admin).expect(409);
    expect(again.body.error.code).toBe('invoice_not_draft');

    const html = await http().get(`/v1/invoices/${invoiceId}.html`).set(admin).expect(200);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.text).toContain('Zürich &quot;Data&quot;, AG');
    expect(html.text).toContain('tier 2, units 100–200: 100 × 0.05');
    const same = await http().get(`/v1/invoices/${invoiceId}?format=html`).set(admin).expect(200);
    expect(same.text).toBe(html.text);

    const rederived = await http().get(`/v1/invoices/${invoiceId}/rederivation`).set(admin).expect(200);
    expect(rederived.body).toMatchObject({ identical: true, differences: [] });
  });

  it('reports usage per customer, key and meter with amounts that add up to the invoice total (JSON)', async () => {
    const report = await http().get('/v1/reports/usage?period=2026-01&format=json').set(admin).expect(200);
    const rows = (report.body.rows as Record<string, string>[]).filter((row) => row.invoiceId === invoiceId);
    const byKeyMeter = rows.map((row) => [row.lineKind, row.meter, row.keyId, row.quantity, row.amount]);
    // requests 4.00 split 300:100 → 3.00 / 1.00; credits 5.00 split 150:50 → 3.75 / 1.25
    expect(byKeyMeter).toEqual([
      ['fixed_fee', '', '', '', '10.00'],
      ['usage', 'requests', 'key-a', '300', '3.00'],
      ['usage', 'requests', 'key-b', '100', '1.00'],
      ['usage', 'credits', 'key-a', '150', '3.75'],
      ['usage', 'credits', 'key-b', '50', '1.25'],
    ]);
    expect(report.body.revenue).toContainEqual(
      expect.objectContaining({ currency: 'USD', planId, fixedFees: '10.00', usage: '9.00', total: '19.00' }),
    );
  });

  it('exports the report as CSV a spreadsheet opens cleanly', async () => {
    const response = await http().get('/v1/reports/usage?period=2026-01&format=csv').set(admin).expect(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe('attachment; filename="usage-2026-01.csv"');
    const text = response.text;
    expect(text.startsWith('\uFEFFperiod,periodStart,periodEnd,customerId,customerName,')).toBe(true);
    const lines = text.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[lines.length - 1]).toBe('');
    const row = lines.find((line) => line.includes('key-a') && line.includes('credits'));
    expect(row).toBe(
      `2026-01,2026-01-01T00:00:00.000Z,2026-02-01T00:00:00.000Z,${customerId},"Zürich ""Data"", AG",` +
        `${invoiceId},finalized,USD,${planId},Metered,usage,credits,2026-01-01T00:00:00.000Z,` +
        `2026-02-01T00:00:00.000Z,key-a,,150,3.75`,
    );
    const bad = await http().get('/v1/reports/usage?period=2026-01&format=xlsx').set(admin).expect(400);
    expect(bad.body.error.details[0].field).toBe('format');
    const badPeriod = await http().get('/v1/reports/usage?period=January').set(admin).expect(400);
    expect(badPeriod.body.error.details[0].field).toBe('period');
  });

  it('shows a customer its own invoices and running total, never another customer’s', async () => {
    const key = await keys.apiKeys.create(customerId, { name: 'reporting', scopes: ['usage:read'] }, SYSTEM);
    const otherId = await createCustomer('Other Co');
    const otherKey = await keys.apiKeys.create(otherId, { name: 'other', scopes: ['usage:read'] }, SYSTEM);
    const mine = await http().get('/v1/me/invoices').set('X-API-Key', key.key).expect(200);
    expect((mine.body as { id: string }[]).map((invoice) => invoice.id)).toEqual([invoiceId]);
    await http().get(`/v1/me/invoices/${invoiceId}`).set('X-API-Key', otherKey.key).expect(404);
    const theirs = await http().get('/v1/me/invoices').set('X-API-Key', otherKey.key).expect(200);
    expect(theirs.body).toEqual([]);

    usage.record({ customerId, keyId: 'key-a', occurredAt: new Date('2026-02-05T00:00:00Z'), requests: 50 });
    const upcoming = await http().get('/v1/me/invoices/upcoming').set('X-API-Key', key.key).expect(200);
    // February so far: fee 10.00 + 50 × 0.01 = 0.50
    expect(upcoming.body).toMatchObject({ period: '2026-02', total: '10.50' });
    await http().get('/v1/me/invoices').expect(401);
  });
});

describe('OpenAPI', () => {
  interface Operation {
    requestBody?: { content: Record<string, { schema: unknown }> };
    responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  }
  interface Document {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, { properties: Record<string, unknown> }> };
  }
  const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });
  const list = (name: string): object => ({ type: 'array', items: ref(name) });

  it('documents the billing routes with their request and response schemas', async () => {
    const doc = (await http().get('/docs-json').expect(200)).body as Document;
    const json = (path: string, method: string, status: string): unknown =>
      doc.paths[path]?.[method]?.responses[status]?.content?.['application/json']?.schema;
    const body = (path: string, method: string): unknown =>
      doc.paths[path]?.[method]?.requestBody?.content['application/json']?.schema;
    expect(body('/v1/plans', 'post')).toEqual(ref('CreatePlanDto'));
    expect(json('/v1/plans', 'post', '201')).toEqual(ref('PlanDto'));
    expect(json('/v1/plans', 'get', '200')).toEqual(list('PlanDto'));
    expect(json('/v1/plans/{id}', 'get', '200')).toEqual(ref('PlanDto'));
    expect(body('/v1/customers/{customerId}/subscriptions', 'post')).toEqual(ref('CreateSubscriptionDto'));
    expect(json('/v1/customers/{customerId}/subscriptions', 'post', '201')).toEqual(ref('SubscriptionDto'));
    expect(json('/v1/customers/{customerId}/subscriptions', 'get', '200')).toEqual(list('SubscriptionDto'));
    expect(body('/v1/invoices/run', 'post')).toEqual(ref('RunInvoicesDto'));
    expect(json('/v1/invoices/run', 'post', '200')).toEqual(ref('InvoiceRunResultDto'));
    expect(json('/v1/invoices', 'get', '200')).toEqual(list('InvoiceDto'));
    expect(json('/v1/invoices/{id}', 'get', '200')).toEqual(ref('InvoiceDto'));
    expect(json('/v1/invoices/{id}/finalize', 'post', '200')).toEqual(ref('InvoiceDto'));
    expect(json('/v1/invoices/{id}/void', 'post', '200')).toEqual(ref('InvoiceDto'));
    expect(json('/v1/invoices/{id}/rederivation', 'get', '200')).toEqual(ref('RederivationResultDto'));
    expect(json('/v1/reports/usage', 'get', '200')).toEqual(ref('UsageReportDto'));
    expect(json('/v1/reports/revenue', 'get', '200')).toEqual(ref('RevenueReportDto'));
    expect(json('/v1/me/invoices', 'get', '200')).toEqual(list('InvoiceDto'));
    expect(json('/v1/me/invoices/upcoming', 'get', '200')).toEqual(ref('UpcomingInvoiceDto'));
    expect(json('/v1/me/invoices/{id}', 'get', '200')).toEqual(ref('InvoiceDto'));
    const schemas = doc.components.schemas;
    expect(Object.keys(schemas.InvoiceDto.properties)).toEqual(
      expect.arrayContaining(['status', 'usageCutoff', 'parts', 'lines', 'chargesTotal', 'total']),
    );
    expect(Object.keys(schemas.InvoiceLineDto.properties)).toEqual(
      expect.arrayContaining(['kind', 'amount', 'breakdown', 'meter', 'sourceInvoiceId']),
    );
    expect(Object.keys(schemas.UsageReportRowDto.properties)).toEqual(
      expect.arrayContaining(['customerId', 'keyId', 'meter', 'quantity', 'amount']),
    );
  });
});
