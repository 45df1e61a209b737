import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { loadConfig } from '@keymeter/config';
import { createKeyManagement, type KeyManagement } from '@keymeter/keys';
import {
  createLogger,
  openInfrastructure,
  startHttpApp,
  type Infrastructure,
  type RunningHttpApp,
} from '@keymeter/platform';
import { createTestDatabase, type TestDatabase } from '@keymeter/testing';
import { ingestAll, produceEvents, usageEvent } from '../../../libs/usage/test/usage-harness';
import { BillingModule } from '../src/billing.module';

const suffix = `${process.pid}-${Date.now().toString(36)}`;
const adminToken = `adm-${randomBytes(16).toString('hex')}`;
const topic = `usage-e2e-${suffix}`;
let db: TestDatabase;
let dataDir: string;
let infra: Infrastructure;
let keys: KeyManagement;
let app: RunningHttpApp;

const http = (): ReturnType<typeof request> => request(app.url);
const admin = { Authorization: `Bearer ${adminToken}` };

let customerA: string;
let customerB: string;
let keyA: { id: string; key: string };
let keyANoUsage: { id: string; key: string };
let keyB: { id: string; key: string };

async function createCustomer(label: string, timezone: string): Promise<string> {
  const response = await http()
    .post('/v1/customers')
    .set(admin)
    .send({ name: `${label} Ltd`, email: `${label}-${suffix}@example.com`, timezone, currency: 'USD' })
    .expect(201);
  return (response.body as { id: string }).id;
}

async function createKey(customerId: string, scopes: unknown[]): Promise<{ id: string; key: string }> {
  const response = await http()
    .post(`/v1/customers/${customerId}/keys`)
    .set(admin)
    .send({ name: 'app', scopes })
    .expect(201);
  return response.body as { id: string; key: string };
}

const usageOf = (key: string, query: Record<string, string>): request.Test =>
  http().get('/v1/me/usage').query(query).set('X-API-Key', key);

const november = { from: '2026-11-01T04:00:00Z', to: '2026-11-03T05:00:00Z', tz: 'America/New_York' };

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'keymeter-usage-e2e-'));
  const config = loadConfig({
    DATABASE_URL: db.url,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    KEYMETER_DATA_DIR: dataDir,
    CHDB_PATH: join(dataDir, 'chdb'),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN: adminToken,
  });
  infra = await openInfrastructure(config, createLogger('silent', 'usage-e2e'), {
    database: true,
    clickhouse: true,
    eventLog: true,
    migrate: true,
  });
  const eventLog = infra.eventLog!;
  await eventLog.ensureTopics([
    { name: topic, partitions: 2 },
    { name: `${topic}-dlq`, partitions: 2 },
  ]);
  keys = createKeyManagement({
    dataSource: infra.database!.dataSource,
    eventLog,
    registryTopic: `key-registry-usage-e2e-${suffix}`,
    adminToken,
  });
  await keys.start();
  app = await startHttpApp(
    BillingModule.register({
      checks: [],
      keys,
      usage: { clickhouse: infra.clickhouse!, eventLog, topic },
    }),
    { name: 'billing', host: '127.0.0.1', port: 0, logger: infra.logger },
  );

  customerA = await createCustomer('alpha', 'America/New_York');
  customerB = await createCustomer('beta', 'Europe/Berlin');
  keyA = await createKey(customerA, ['usage:read']);
  keyANoUsage = await createKey(customerA, [{ methods: ['GET'], pattern: '/v1/quotes/*' }]);
  keyB = await createKey(customerB, ['usage:read']);

  await produceEvents(eventLog, topic, [
    usageEvent({ customerId: customerA, keyId: keyA.id, at: '2026-11-01T04:30:00Z', units: '2' }),
    usageEvent({ customerId: customerA, keyId: keyA.id, at: '2026-11-02T04:30:00Z', units: '3' }),
    usageEvent({ customerId: customerA, keyId: keyANoUsage.id, at: '2026-11-02T06:00:00Z', units: '0.5' }),
    usageEvent({ customerId: customerB, keyId: keyB.id, at: '2026-11-01T12:00:00Z', units: '1000' }),
    usageEvent({ customerId: customerB, keyId: keyB.id, at: '2026-11-02T12:00:00Z', units: '1000' }),
  ]);
  await ingestAll(eventLog, infra.clickhouse!, topic, `${topic}-dlq`, `usage-e2e-ingestor-${suffix}`);
});

afterAll(async () => {
  await app?.close();
  await keys?.stop();
  await infra?.close();
  await db?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('GET /v1/me/usage', () => {
  it("returns the calling key's customer's usage in local days", async () => {
    const response = await usageOf(keyA.key, { ...november, granularity: 'day' }).expect(200);
    expect(response.body).toMatchObject({
      customerId: customerA,
      granularity: 'day',
      timeZone: 'America/New_York',
      totals: { requests: '3', credits: '5.5', egress_bytes: '3000' },
    });
    const points = (response.body as { series: { points: { start: string; requests: string }[] }[] })
      .series[0].points;
    // 2026-11-01 in New York lasts 25 hours: 04:00Z to 05:00Z the next day.
    expect(points.map((p) => [p.start, p.requests])).toEqual([
      ['2026-11-01T04:00:00.000Z', '2'],
      ['2026-11-02T05:00:00.000Z', '1'],
    ]);
  });

  it("never shows another customer's usage, whatever ids are passed", async () => {
    const foreignKey = await usageOf(keyA.key, { ...november, keyId: keyB.id, groupBy: 'key' }).expect(200);
    expect(foreignKey.body).toMatchObject({ customerId: customerA, series: [], totals: { requests: '0' } });
    expect(foreignKey.text).not.toContain(keyB.id);

    const foreignCustomer = await usageOf(keyA.key, { ...november, customerId: customerB }).expect(400);
    expect(foreignCustomer.body.error).toMatchObject({ code: 'invalid_request' });
    expect(foreignCustomer.body.error.message).toMatch(/^customerId: /);
    expect(foreignCustomer.text).not.toContain('1000');

    const byKey = await usageOf(keyA.key, { ...november, groupBy: 'key' }).expect(200);
    const groups = (byKey.body as { series: { group: { keyId: string } }[] }).series.map(
      (s) => s.group.keyId,
    );
    expect(groups.sort()).toEqual([keyA.id, keyANoUsage.id].sort());

    const b = await usageOf(keyB.key, { ...november }).expect(200);
    expect(b.body).toMatchObject({ customerId: customerB, totals: { requests: '2', credits: '2000' } });
  });

  it('needs a key with usage:read', async () => {
    await http().get('/v1/me/usage').query(november).expect(401);
    const forbidden = await usageOf(keyANoUsage.key, november).expect(403);
    expect(forbidden.body.error.code).toBe('forbidden');
  });

  it('refuses bad parameters with a 400 naming the field', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ to: november.to }, 'from'],
      [{ ...november, from: '2026-11-01' }, 'from'],
      [{ ...november, to: '2026-10-01T00:00:00Z' }, 'to'],
      [{ ...november, granularity: 'week' }, 'granularity'],
      [{ ...november, groupBy: 'customer' }, 'groupBy'],
      [{ ...november, tz: 'Mars/Olympus' }, 'tz'],
      [{ ...november, granularity: 'minute', to: '2026-12-31T00:00:00Z' }, 'to'],
      [{ ...november, keyId: "x' OR 1=1 --" }, 'keyIds[0]'],
    ];
    for (const [query, field] of cases) {
      const response = await usageOf(keyA.key, query);
      expect({ query, status: response.status, field: response.body.error?.details?.[0]?.field }).toEqual({
        query,
        status: 400,
        field,
      });
    }
  });
});

describe('GET /v1/customers/:id/usage (admin)', () => {
  it("returns any customer's usage to an admin, 404 for an unknown one, 401 without the token", async () => {
    const response = await http()
      .get(`/v1/customers/${customerB}/usage`)
      .query(november)
      .set(admin)
      .expect(200);
    expect(response.body).toMatchObject({
      customerId: customerB,
      totals: { requests: '2', credits: '2000' },
    });
    await http()
      .get('/v1/customers/cus_00000000000000000000000000/usage')
      .query(november)
      .set(admin)
      .expect(404);
    await http().get(`/v1/customers/${customerB}/usage`).query(november).expect(401);
    await http()
      .get(`/v1/customers/${customerB}/usage`)
      .query(november)
      .set('X-API-Key', keyB.key)
      .expect(401);
  });
});

describe('GET /v1/reconciliation (admin)', () => {
  it('reports a clean range and refuses a bad one', async () => {
    const lateWindowHours = String(
      Math.ceil((Date.now() - Date.parse('2026-11-03T00:00:00Z')) / 3_600_000) + 1,
    );
    const response = await http()
      .get('/v1/reconciliation')
      .query({ from: '2026-11-01T00:00:00Z', to: '2026-11-03T00:00:00Z', lateWindowHours })
      .set(admin)
      .expect(200);
    expect(response.body).toMatchObject({
      clean: true,
      log: { distinctIds: 5 },
      clickhouse: { rawRows: 5, distinctIds: 5, rollupEvents: 5 },
      missing: { count: 0 },
    });
    const bad = await http().get('/v1/reconciliation').query({ from: 'yesterday' }).set(admin).expect(400);
    expect(bad.body.error.message).toMatch(/^from: /);
  });
});
