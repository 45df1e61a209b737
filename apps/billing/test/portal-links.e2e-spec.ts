import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
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
import { BillingModule } from '../src/billing.module';

const suffix = `${process.pid}-${Date.now().toString(36)}`;
const adminToken = `adm-${randomBytes(16).toString('hex')}`;
const admin = { Authorization: `Bearer ${adminToken}` };
let db: TestDatabase;
let dataDir: string;
let infra: Infrastructure;
let keys: KeyManagement;
let app: RunningHttpApp;
let customerA: string;
let customerB: string;
let keyA: { id: string; key: string };
let keyB: { id: string; key: string };

const http = (): ReturnType<typeof request> => request(app.url);
const bearer = (token: string): { Authorization: string } => ({ Authorization: `Bearer ${token}` });

interface MintedLink {
  id: string;
  customerId: string;
  token: string;
  url: string;
  prefix: string;
  status: string;
  expiresAt: string;
}

async function createCustomer(label: string): Promise<string> {
  const response = await http()
    .post('/v1/customers')
    .set(admin)
    .send({ name: `${label} Ltd`, email: `${label}-${suffix}@example.com`, timezone: 'UTC', currency: 'USD' })
    .expect(201);
  return (response.body as { id: string }).id;
}

async function createKey(customerId: string): Promise<{ id: string; key: string }> {
  const response = await http()
    .post(`/v1/customers/${customerId}/keys`)
    .set(admin)
    .send({ name: 'app', scopes: ['usage:read'] })
    .expect(201);
  return response.body as { id: string; key: string };
}

async function mint(customerId: string, body?: object): Promise<MintedLink> {
  const call = http().post(`/v1/customers/${customerId}/portal-links`).set(admin);
  const response = await (body === undefined ? call : call.send(body)).expect(201);
  return response.body as MintedLink;
}

async function sql(text: string, values: unknown[]): Promise<void> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(text, values);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'keymeter-portal-e2e-'));
  const config = loadConfig({
    DATABASE_URL: db.url,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    KEYMETER_DATA_DIR: dataDir,
    CHDB_PATH: join(dataDir, 'chdb'),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN: adminToken,
  });
  infra = await openInfrastructure(config, createLogger('silent', 'portal-e2e'), {
    database: true,
    clickhouse: true,
    eventLog: true,
    migrate: true,
  });
  keys = createKeyManagement({
    dataSource: infra.database!.dataSource,
    eventLog: infra.eventLog!,
    registryTopic: `key-registry-portal-e2e-${suffix}`,
    adminToken,
  });
  await keys.start();
  app = await startHttpApp(
    BillingModule.register({ checks: [], keys, usage: { clickhouse: infra.clickhouse! } }),
    { name: 'billing', host: '127.0.0.1', port: 0, logger: infra.logger },
  );
  customerA = await createCustomer('alpha');
  customerB = await createCustomer('beta');
  keyA = await createKey(customerA);
  keyB = await createKey(customerB);
});

afterAll(async () => {
  await app?.close();
  await keys?.stop();
  await infra?.close();
  await db?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('POST /v1/customers/:id/portal-links', () => {
  it('mints a one-hour link whose token opens the dashboard through the URL fragment', async () => {
    const before = Date.now();
    const link = await mint(customerA);
    expect(link.token).toMatch(/^km_portal_[0-9A-Za-z]{39}$/);
    expect(link.prefix).toBe(link.token.slice(0, 14));
    expect(link.url).toBe(`${app.url}/dashboard/portal#token=${link.token}`);
    expect(link).toMatchObject({ customerId: customerA, status: 'active' });
    const ttlMs = Date.parse(link.expiresAt) - before;
    expect(ttlMs).toBeGreaterThan(3_590_000);
    expect(ttlMs).toBeLessThanOrEqual(3_600_000 + 1_000);
  });

  it('takes a ttlSeconds up to a day and refuses more, naming the field, storing nothing', async () => {
    const day = await mint(customerB, { ttlSeconds: 86_400 });
    expect(Date.parse(day.expiresAt) - Date.now()).toBeGreaterThan(86_000_000);
    const listed = await http().get(`/v1/customers/${customerB}/portal-links`).set(admin).expect(200);
    const refused = await http()
      .post(`/v1/customers/${customerB}/portal-links`)
      .set(admin)
      .send({ ttlSeconds: 86_401 })
      .expect(400);
    expect(refused.body.error.code).toBe('invalid_request');
    expect(refused.body.error.details[0].field).toBe('ttlSeconds');
    const after = await http().get(`/v1/customers/${customerB}/portal-links`).set(admin).expect(200);
    expect(after.body).toEqual(listed.body);
    // The list never shows a token.
    expect(JSON.stringify(after.body)).not.toContain(day.token);
  });

  it('is for admins only, and for existing customers', async () => {
    await http().post(`/v1/customers/${customerA}/portal-links`).expect(401);
    await http()
      .post('/v1/customers/00000000-0000-4000-8000-000000000000/portal-links')
      .set(admin)
      .expect(404);
  });
});

describe('a portal token on the customer API', () => {
  it("reads its own customer's keys and usage, and no other customer's", async () => {
    const link = await mint(customerA);
    const mine = await http().get('/v1/me/keys').set(bearer(link.token)).expect(200);
    const ids = (mine.body as { id: string }[]).map((key) => key.id);
    expect(ids).toEqual([keyA.id]);
    expect(ids).not.toContain(keyB.id);
    const usage = await http()
      .get('/v1/me/usage')
      .query({ from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z', granularity: 'hour' })
      .set('X-API-Key', link.token)
      .expect(200);
    expect(usage.body.customerId).toBe(customerA);
  });

  it('does not open admin endpoints', async () => {
    const link = await mint(customerA);
    const response = await http().get(`/v1/customers/${customerA}`).set(bearer(link.token)).expect(401);
    expect(response.body.error.code).toBe('unauthenticated');
    await http().post(`/v1/customers/${customerA}/portal-links`).set(bearer(link.token)).expect(401);
  });

  it('is refused with a JSON 401 once revoked, expired, unknown or mistyped', async () => {
    const revoked = await mint(customerA);
    const revokedView = await http().delete(`/v1/portal-links/${revoked.id}`).set(admin).expect(200);
    expect(revokedView.body).toMatchObject({ id: revoked.id, status: 'revoked' });
    const afterRevoke = await http().get('/v1/me/keys').set(bearer(revoked.token)).expect(401);
    expect(afterRevoke.body.error).toMatchObject({ code: 'unauthenticated', details: { reason: 'revoked' } });
    // Revoking again changes nothing.
    const again = await http().post(`/v1/portal-links/${revoked.id}/revoke`).set(admin).expect(200);
    expect(again.body.revokedAt).toBe(revokedView.body.revokedAt);

    const expired = await mint(customerA);
    // An hour passes: the link's expiry is moved into the past.
    await sql(`UPDATE portal_links SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.id]);
    const afterExpiry = await http().get('/v1/me/keys').set(bearer(expired.token)).expect(401);
    expect(afterExpiry.body.error.details.reason).toBe('expired');
    const listed = await http().get(`/v1/customers/${customerA}/portal-links`).set(admin).expect(200);
    expect((listed.body as MintedLink[]).find((link) => link.id === expired.id)?.status).toBe('expired');

    const unknown = `km_portal_${'A'.repeat(33)}`;
    const forged = await http()
      .get('/v1/me/keys')
      .set(bearer(`${unknown}AAAAAA`))
      .expect(401);
    expect(['bad_checksum', 'unknown']).toContain(forged.body.error.details.reason);
    const live = await mint(customerA);
    const typo = live.token.slice(0, -1) + (live.token.endsWith('a') ? 'b' : 'a');
    const mistyped = await http().get('/v1/me/keys').set(bearer(typo)).expect(401);
    expect(mistyped.body.error.details.reason).toBe('bad_checksum');
  });

  it('records minting and revocation in the audit log, without the token', async () => {
    const link = await mint(customerB);
    await http().delete(`/v1/portal-links/${link.id}`).set(admin).expect(200);
    const audit = await http()
      .get('/v1/audit')
      .query({ subjectType: 'portal_link', subjectId: link.id })
      .set(admin)
      .expect(200);
    expect((audit.body as { action: string }[]).map((entry) => entry.action).sort()).toEqual([
      'portal_link.created',
      'portal_link.revoked',
    ]);
    expect(JSON.stringify(audit.body)).not.toContain(link.token);
  });
});
