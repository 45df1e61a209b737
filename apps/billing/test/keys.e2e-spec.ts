import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { decodeKeyRegistryRecord, type KeyRegistryRecordV1 } from '@keymeter/contracts';
import { loadConfig, type AppConfig } from '@keymeter/config';
import { API_KEY_SCAN_PATTERN, generateApiKey, hashApiKey } from '@keymeter/domain';
import type { LogConsumer } from '@keymeter/event-log';
import {
  createLogger,
  openInfrastructure,
  type Infrastructure,
  type RunningHttpApp,
} from '@keymeter/platform';
import { createTestDatabase, type TestDatabase } from '@keymeter/testing';
import { startBilling } from '../src/start-billing';

const suffix = `${process.pid}-${Date.now().toString(36)}`;
let db: TestDatabase;
let dataDir: string;
let infra: Infrastructure;
let app: RunningHttpApp;
let adminToken: string;
let consumer: LogConsumer;
const topicRecords: { key: string | null; raw: string; record: KeyRegistryRecordV1 | undefined }[] = [];

const admin = (): { Authorization: string } => ({ Authorization: `Bearer ${adminToken}` });
const http = (): ReturnType<typeof request> => request(app.url);

async function waitForRecord(
  match: (record: KeyRegistryRecordV1, key: string | null) => boolean,
  what: string,
): Promise<KeyRegistryRecordV1> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = topicRecords.filter(
      (entry) => entry.record !== undefined && match(entry.record, entry.key),
    );
    if (found.length > 0) return found[found.length - 1].record!;
    if (Date.now() > deadline) throw new Error(`no registry record: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function createCustomer(label: string): Promise<string> {
  const response = await http()
    .post('/v1/customers')
    .set(admin())
    .send({
      name: `${label} GmbH`,
      email: `${label}-${suffix}@example.com`,
      timezone: 'Europe/Berlin',
      currency: 'EUR',
    })
    .expect(201);
  return (response.body as { id: string }).id;
}

async function createKey(
  customerId: string,
  body: object,
): Promise<{ id: string; key: string; prefix: string }> {
  const response = await http().post(`/v1/customers/${customerId}/keys`).set(admin()).send(body).expect(201);
  return response.body as { id: string; key: string; prefix: string };
}

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'keymeter-keys-e2e-'));
  const base = loadConfig({
    DATABASE_URL: db.url,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    KEYMETER_DATA_DIR: dataDir,
    CHDB_PATH: join(dataDir, 'chdb'),
    BILLING_PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
  });
  const config: AppConfig = {
    ...base,
    topics: {
      ...base.topics,
      keyRegistry: { ...base.topics.keyRegistry, name: `key-registry-e2e-${suffix}` },
    },
  };
  infra = await openInfrastructure(config, createLogger('silent', 'billing-e2e'), {
    database: true,
    clickhouse: true,
    eventLog: true,
    migrate: true,
  });
  consumer = await infra.eventLog!.consumer({
    groupId: `keys-e2e-${suffix}`,
    topics: [config.topics.keyRegistry.name],
    fromBeginning: true,
  });
  await consumer.run({
    eachBatch: async (batch) => {
      for (const record of batch.records) {
        topicRecords.push({
          key: record.key,
          raw: record.value.toString('utf8'),
          record: decodeKeyRegistryRecord(record.value),
        });
      }
    },
  });
  // The generated admin token is printed once on stdout at first start.
  const printed: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  });
  try {
    app = await startBilling(infra);
  } finally {
    spy.mockRestore();
  }
  const line = printed.join('').match(/admin token \(shown once\): (\S+)/);
  if (line === null) {
    write(printed.join(''));
    throw new Error('billing did not print the generated admin token');
  }
  adminToken = line[1];
});

afterAll(async () => {
  await app?.close();
  await consumer?.stop();
  await infra?.close();
  await db?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('key management over HTTP', () => {
  it('runs a key through its life: create, list without secret, rotate with grace, revoke, audit', async () => {
    const customerId = await createCustomer('lifecycle');
    expect((await http().get(`/v1/customers/${customerId}`).set(admin()).expect(200)).body).toMatchObject({
      id: customerId,
      timezone: 'Europe/Berlin',
      currency: 'EUR',
    });

    const created = await createKey(customerId, {
      name: 'mobile app',
      scopes: ['usage:read', { methods: ['GET'], pattern: '/v1/quotes/*' }],
      rateLimit: { rate: 5, burst: 10 },
      quotas: { requestsPerDay: 5000, creditsPerMonth: '1000.25' },
    });
    expect(created.key).toMatch(new RegExp(`^${API_KEY_SCAN_PATTERN.source}$`));
    expect(created.prefix).toBe(created.key.slice(0, 12));

    const listed = await http().get(`/v1/customers/${customerId}/keys`).set(admin()).expect(200);
    expect(listed.body).toHaveLength(1);
    expect(listed.body[0]).toMatchObject({
      id: created.id,
      status: 'active',
      quotas: { requestsPerDay: 5000, creditsPerMonth: '1000.25' },
      lastUsedAt: null,
    });
    expect(listed.body[0]).not.toHaveProperty('key');
    expect(listed.text).not.toContain(created.key);
    expect(listed.text).not.toContain(hashApiKey(created.key));
    const single = await http().get(`/v1/keys/${created.id}`).set(admin()).expect(200);
    expect(single.text).not.toContain(created.key);

    const rotated = await http()
      .post(`/v1/keys/${created.id}/rotate`)
      .set(admin())
      .send({ gracePeriodSeconds: 3600 })
      .expect(200);
    const newKey = (rotated.body as { key: string }).key;
    expect(newKey).toMatch(new RegExp(`^${API_KEY_SCAN_PATTERN.source}$`));
    expect(newKey).not.toBe(created.key);
    expect(rotated.body).toMatchObject({ revision: 2, previousSecrets: [{ prefix: created.prefix }] });
    // Both the old (in grace) and the new secret authenticate.
    await http().get('/v1/me/keys').set('X-API-Key', created.key).expect(200);
    await http().get('/v1/me/keys').set('Authorization', `Bearer ${newKey}`).expect(200);

    const revoked = await http().post(`/v1/keys/${created.id}/revoke`).set(admin()).expect(200);
    expect(revoked.body).toMatchObject({ status: 'revoked', revision: 3 });
    const refused = await http().get('/v1/me/keys').set('X-API-Key', newKey).expect(401);
    expect(refused.body).toEqual({
      error: { code: 'unauthenticated', message: 'the API key is revoked', details: { reason: 'revoked' } },
    });
    await http().post(`/v1/keys/${created.id}/rotate`).set(admin()).send({}).expect(409);

    const snapshot = await waitForRecord(
      (record, key) => key === `api_key:${created.id}` && record.revision === 3,
      'revoked key',
    );
    expect(snapshot).toMatchObject({ status: 'revoked', customerId, timeZone: 'Europe/Berlin' });
    expect(snapshot.secrets.map((secret) => secret.hash)).toEqual([
      hashApiKey(newKey),
      hashApiKey(created.key),
    ]);

    const audit = await http().get(`/v1/keys/${created.id}/audit`).set(admin()).expect(200);
    expect((audit.body as { action: string }[]).map((entry) => entry.action)).toEqual([
      'key.revoked',
      'key.rotated',
      'key.created',
    ]);
    expect(audit.body[0].actor).toMatchObject({ type: 'admin_token', label: 'generated at first start' });

    // No secret anywhere it should not be: the whole audit table, the whole topic.
    const auditRows: { row: string }[] = await infra.database!.dataSource.query(
      'SELECT row_to_json(a)::text AS row FROM audit_log a',
    );
    const auditText = auditRows.map((r) => r.row).join('\n');
    const topicText = topicRecords.map((entry) => entry.raw).join('\n');
    for (const secret of [created.key, newKey, adminToken]) {
      expect(auditText).not.toContain(secret);
      expect(topicText).not.toContain(secret);
    }
    for (const hash of [hashApiKey(created.key), hashApiKey(newKey)]) expect(auditText).not.toContain(hash);
  });

  it('rejects an invalid PATCH naming each field, and changes nothing', async () => {
    const customerId = await createCustomer('patch');
    const created = await createKey(customerId, { name: 'strict' });
    const before = (await http().get(`/v1/keys/${created.id}`).set(admin()).expect(200)).body;
    const auditBefore = (await http().get(`/v1/keys/${created.id}/audit`).set(admin()).expect(200)).body;

    const response = await http()
      .patch(`/v1/keys/${created.id}`)
      .set(admin())
      .send({
        scopes: [{ methods: ['GET'], pattern: 'no-slash' }],
        rateLimit: { rate: 0, burst: 10 },
        quotas: { creditsPerMonth: '1.1234567' },
        expiresAt: 'tomorrow',
        colour: 'blue',
      })
      .expect(400);
    expect(response.body.error.code).toBe('invalid_request');
    const fields = (response.body.error.details as { field: string }[]).map((issue) => issue.field).sort();
    expect(fields).toEqual(
      ['colour', 'expiresAt', 'quotas.creditsPerMonth', 'rateLimit.rate', 'scopes[0].pattern'].sort(),
    );
    expect(response.body.error.message).toMatch(/^colour: /);

    expect((await http().get(`/v1/keys/${created.id}`).set(admin()).expect(200)).body).toEqual(before);
    expect((await http().get(`/v1/keys/${created.id}/audit`).set(admin()).expect(200)).body).toEqual(
      auditBefore,
    );

    const patched = await http()
      .patch(`/v1/keys/${created.id}`)
      .set(admin())
      .send({ rateLimit: { rate: 2.5, burst: 5 }, status: 'suspended' })
      .expect(200);
    expect(patched.body).toMatchObject({
      rateLimit: { rate: 2.5, burst: 5 },
      status: 'suspended',
      revision: 2,
    });
    await http().get('/v1/me/keys').set('X-API-Key', created.key).expect(401);
  });

  it('answers 401 with a JSON error for a missing or wrong admin token', async () => {
    const missing = await http().get('/v1/audit').expect(401);
    expect(missing.body.error.code).toBe('unauthenticated');
    const wrong = await http()
      .post('/v1/customers')
      .set('Authorization', `Bearer ${adminToken}x`)
      .send({})
      .expect(401);
    expect(wrong.body.error.code).toBe('unauthenticated');
    await http().get('/v1/audit').set('Authorization', adminToken).expect(401);
    expect((await http().get('/v1/audit?limit=5').set(admin()).expect(200)).body).toHaveLength(5);
  });

  it('lets a customer key list only its own customer’s keys', async () => {
    const a = await createCustomer('tenant-a');
    const b = await createCustomer('tenant-b');
    const keyA1 = await createKey(a, { name: 'a1' });
    const keyA2 = await createKey(a, { name: 'a2', scopes: [{ methods: ['GET'], pattern: '*' }] });
    const keyB = await createKey(b, { name: 'b1', environment: 'test' });

    const mine = await http().get('/v1/me/keys').set('Authorization', `Bearer ${keyA1.key}`).expect(200);
    expect((mine.body as { id: string }[]).map((key) => key.id).sort()).toEqual([keyA1.id, keyA2.id].sort());
    expect(mine.text).not.toContain(keyA1.key);

    const theirs = await http().get('/v1/me/keys').set('X-API-Key', keyB.key).expect(200);
    expect((theirs.body as { id: string; customerId: string }[]).map((key) => key.id)).toEqual([keyB.id]);
    expect(theirs.text).not.toContain(keyA1.id);

    // A key without usage:read is authenticated but refused.
    const forbidden = await http().get('/v1/me/keys').set('X-API-Key', keyA2.key).expect(403);
    expect(forbidden.body.error.code).toBe('forbidden');

    // Well-formed, valid checksum, but never issued.
    const forged = generateApiKey('live', (size) => new Uint8Array(size).fill(7)).plaintext;
    const unknown = await http().get('/v1/me/keys').set('X-API-Key', forged).expect(401);
    expect(unknown.body.error).toMatchObject({ code: 'unauthenticated', details: { reason: 'unknown' } });
    const typo = `${keyA1.key.slice(0, -1)}${keyA1.key.endsWith('a') ? 'b' : 'a'}`;
    const mistyped = await http().get('/v1/me/keys').set('X-API-Key', typo).expect(401);
    expect(mistyped.body.error.details).toEqual({ reason: 'bad_checksum' });
    await http().get('/v1/me/keys').expect(401);
    // An admin token is not a customer key, and a customer key is not an admin token.
    await http().get('/v1/me/keys').set(admin()).expect(401);
    await http().get(`/v1/customers/${a}/keys`).set('Authorization', `Bearer ${keyA1.key}`).expect(401);
  });

  it('creates and revokes ingest tokens, publishing them to the registry', async () => {
    const created = await http().post('/v1/ingest-tokens').set(admin()).send({ name: 'kong' }).expect(201);
    const { id, token } = created.body as { id: string; token: string };
    expect(token).toMatch(/^km_ingest_[0-9A-Za-z]{39}$/);
    await http().post(`/v1/ingest-tokens/${id}/revoke`).set(admin()).expect(200);
    const snapshot = await waitForRecord(
      (record, key) => key === `ingest_token:${id}` && record.revision === 2,
      'revoked ingest token',
    );
    expect(snapshot).toMatchObject({
      kind: 'ingest_token',
      status: 'revoked',
      secrets: [{ hash: hashApiKey(token) }],
    });
    expect(topicRecords.some((entry) => entry.raw.includes(token))).toBe(false);
    await http().post('/v1/ingest-tokens').set(admin()).send({ name: '' }).expect(400);
  });

  it('documents the routes in the OpenAPI page', async () => {
    const doc = await http().get('/docs-json').expect(200);
    const paths = Object.keys((doc.body as { paths: Record<string, unknown> }).paths);
    for (const path of [
      '/v1/customers',
      '/v1/customers/{id}',
      '/v1/customers/{id}/keys',
      '/v1/keys/{id}/rotate',
      '/v1/keys/{id}/revoke',
      '/v1/keys/{id}',
      '/v1/keys/{id}/audit',
      '/v1/ingest-tokens',
      '/v1/me/keys',
    ]) {
      expect(paths).toContain(path);
    }
  });
});
