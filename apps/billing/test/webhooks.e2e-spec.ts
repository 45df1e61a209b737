import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { loadConfig } from '@keymeter/config';
import {
  createLogger,
  openInfrastructure,
  type Infrastructure,
  type RunningHttpApp,
} from '@keymeter/platform';
import { createTestDatabase, type TestDatabase } from '@keymeter/testing';
import { WebhookReceiver } from '../../../libs/webhooks/test/support/webhook-receiver';
import { startBilling } from '../src/start-billing';

const ADMIN_TOKEN = 'e2e-webhooks-admin-token-0123456789';
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const suffix = `${process.pid}-${Date.now().toString(36)}`;

let db: TestDatabase;
let dataDir: string;
let infra: Infrastructure;
let app: RunningHttpApp;
let receiver: WebhookReceiver;

const http = () => request(app.url);

interface EndpointBody {
  id: string;
  customerId: string | null;
  url: string;
  eventTypes: string[];
  description: string;
  enabled: boolean;
  previousSecretExpiresAt: string | null;
  secret?: string;
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'keymeter-webhooks-e2e-'));
  const base = loadConfig({
    DATABASE_URL: db.url,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    KEYMETER_DATA_DIR: dataDir,
    CHDB_PATH: join(dataDir, 'chdb'),
    BILLING_PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN,
    WEBHOOK_DELIVERY_INTERVAL_MS: '100',
  });
  const config = {
    ...base,
    topics: {
      ...base.topics,
      keyRegistry: { ...base.topics.keyRegistry, name: `key-registry-wh-${suffix}` },
    },
  };
  infra = await openInfrastructure(config, createLogger('silent', 'webhooks-e2e'), {
    database: true,
    clickhouse: true,
    eventLog: true,
    migrate: true,
  });
  app = await startBilling(infra);
  receiver = new WebhookReceiver();
  await receiver.start();
});

afterAll(async () => {
  await app?.close();
  await receiver?.stop();
  await infra?.close();
  await db?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('webhook endpoints over HTTP', () => {
  it('requires the admin token', async () => {
    const response = await http().get('/v1/webhooks/endpoints').expect(401);
    expect(response.body).toMatchObject({ error: { code: 'unauthenticated' } });
  });

  it('rejects bad input naming the field, and stores nothing', async () => {
    const cases: Array<[object, string]> = [
      [{ url: 'ftp://files.example.com/hook' }, 'url'],
      [{ url: 'not a url' }, 'url'],
      [{}, 'url'],
      [{ url: 'https://ok.example.com', eventTypes: ['Alert Opened'] }, 'eventTypes[0]'],
      [{ url: 'https://ok.example.com', eventTypes: 'alert.*' }, 'eventTypes'],
      [{ url: 'https://ok.example.com', customerId: 'acme' }, 'customerId'],
      [{ url: 'https://ok.example.com', customerId: '00000000-0000-4000-8000-000000000000' }, 'customerId'],
      [{ url: 'https://ok.example.com', secret: 'whsec_mine' }, 'secret'],
    ];
    for (const [body, field] of cases) {
      const response = await http().post('/v1/webhooks/endpoints').set(admin).send(body).expect(400);
      expect(response.body.error.code).toBe('invalid_request');
      expect(response.body.error.message).toMatch(new RegExp(`^${field.replace(/[[\]]/g, '\\$&')}: `));
    }
    expect((await http().get('/v1/webhooks/endpoints').set(admin).expect(200)).body).toEqual([]);
  });

  it('manages an endpoint, sends a test event verified by standardwebhooks, rotates its secret', async () => {
    const customer = await http()
      .post('/v1/customers')
      .set(admin)
      .send({ name: 'Hooked Ltd', email: `hooks-${suffix}@example.com`, timezone: 'UTC', currency: 'GBP' })
      .expect(201);
    const customerId = (customer.body as { id: string }).id;

    const created = await http()
      .post('/v1/webhooks/endpoints')
      .set(admin)
      .send({ url: `${receiver.url}/acme`, customerId, eventTypes: ['alert.*'], description: 'pager' })
      .expect(201);
    const endpoint = created.body as EndpointBody;
    expect(endpoint).toMatchObject({
      customerId,
      eventTypes: ['alert.*'],
      description: 'pager',
      enabled: true,
    });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const secret = endpoint.secret!;
    await http()
      .post('/v1/webhooks/endpoints')
      .set(admin)
      .send({ url: 'https://ops.example.com/all' })
      .expect(201);

    // The secret is never shown again.
    const got = (await http().get(`/v1/webhooks/endpoints/${endpoint.id}`).set(admin).expect(200)).body;
    expect(got).not.toHaveProperty('secret');
    const all = await http().get('/v1/webhooks/endpoints').set(admin).expect(200);
    expect(all.body).toHaveLength(2);
    expect(JSON.stringify(all.body)).not.toContain('whsec_');
    const mine = await http().get(`/v1/webhooks/endpoints?customerId=${customerId}`).set(admin).expect(200);
    expect((mine.body as EndpointBody[]).map((e) => e.id)).toEqual([endpoint.id]);

    const patched = await http()
      .patch(`/v1/webhooks/endpoints/${endpoint.id}`)
      .set(admin)
      .send({ eventTypes: ['alert.opened', 'key.*'], description: 'pager bridge' })
      .expect(200);
    expect(patched.body).toMatchObject({
      eventTypes: ['alert.opened', 'key.*'],
      description: 'pager bridge',
    });
    const rejected = await http()
      .patch(`/v1/webhooks/endpoints/${endpoint.id}`)
      .set(admin)
      .send({ description: 'changed', url: 'javascript:alert(1)' })
      .expect(400);
    expect(rejected.body.error.message).toMatch(/^url: /);
    expect((await http().get(`/v1/webhooks/endpoints/${endpoint.id}`).set(admin)).body.description).toBe(
      'pager bridge',
    );

    // The test event reaches the receiver, signed so that standardwebhooks verifies it.
    const test = await http().post(`/v1/webhooks/endpoints/${endpoint.id}/test`).set(admin).expect(202);
    const { eventId } = test.body as { eventId: string };
    const first = await waitFor('the test event', () =>
      receiver.received.find((r) => r.headers['webhook-id'] === eventId),
    );
    expect(first.path).toBe('/acme');
    const payload = new Webhook(secret).verify(first.body, first.headers as Record<string, string>);
    expect(payload).toMatchObject({ type: 'webhook.test', data: { endpointId: endpoint.id } });

    const log = await waitFor('the delivery to succeed', async () => {
      const response = await http()
        .get(`/v1/webhooks/endpoints/${endpoint.id}/deliveries`)
        .set(admin)
        .expect(200);
      const [delivery] = response.body as Array<{ status: string }>;
      return delivery?.status === 'succeeded' ? (response.body as Array<Record<string, unknown>>) : undefined;
    });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ eventId, eventType: 'webhook.test', attempts: 1 });
    expect(log[0].attemptLog).toEqual([
      expect.objectContaining({ attemptNumber: 1, responseStatus: 200, error: null }),
    ]);
    const retry = await http()
      .post(`/v1/webhooks/deliveries/${String(log[0].id)}/retry`)
      .set(admin)
      .expect(409);
    expect(retry.body.error.code).toBe('delivery_not_failed');

    // Rotation: the old secret keeps verifying during the grace period (default 24 h).
    const bad = await http()
      .post(`/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`)
      .set(admin)
      .send({ graceSeconds: -1 })
      .expect(400);
    expect(bad.body.error.message).toMatch(/^graceSeconds: /);
    const rotated = await http()
      .post(`/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`)
      .set(admin)
      .expect(200);
    const newSecret = (rotated.body as EndpointBody).secret!;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(secret);
    const graceMs = Date.parse((rotated.body as EndpointBody).previousSecretExpiresAt!) - Date.now();
    expect(graceMs).toBeGreaterThan(23 * 3_600_000);
    expect(graceMs).toBeLessThanOrEqual(24 * 3_600_000);
    const second = (await http().post(`/v1/webhooks/endpoints/${endpoint.id}/test`).set(admin).expect(202))
      .body as {
      eventId: string;
    };
    const rotatedRequest = await waitFor('the second test event', () =>
      receiver.received.find((r) => r.headers['webhook-id'] === second.eventId),
    );
    for (const key of [secret, newSecret]) {
      expect(
        new Webhook(key).verify(rotatedRequest.body, rotatedRequest.headers as Record<string, string>),
      ).toMatchObject({
        type: 'webhook.test',
      });
    }

    await http().delete(`/v1/webhooks/endpoints/${endpoint.id}`).set(admin).expect(204);
    const gone = await http().get(`/v1/webhooks/endpoints/${endpoint.id}`).set(admin).expect(404);
    expect(gone.body).toEqual({ error: { code: 'not_found', message: 'Webhook endpoint was not found' } });
    await http().post(`/v1/webhooks/endpoints/${endpoint.id}/test`).set(admin).expect(404);
  });

  it('documents the routes in the OpenAPI page', async () => {
    const doc = (await http().get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { tags?: string[] }>>;
    };
    for (const [path, method] of [
      ['/v1/webhooks/endpoints', 'post'],
      ['/v1/webhooks/endpoints', 'get'],
      ['/v1/webhooks/endpoints/{id}', 'get'],
      ['/v1/webhooks/endpoints/{id}', 'patch'],
      ['/v1/webhooks/endpoints/{id}', 'delete'],
      ['/v1/webhooks/endpoints/{id}/rotate-secret', 'post'],
      ['/v1/webhooks/endpoints/{id}/deliveries', 'get'],
      ['/v1/webhooks/endpoints/{id}/test', 'post'],
      ['/v1/webhooks/deliveries/{id}/retry', 'post'],
    ] as const) {
      expect(doc.paths[path]?.[method]?.tags).toEqual(['webhooks']);
    }
  });
});
