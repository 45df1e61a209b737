import { QueryFailedError } from 'typeorm';
import type { ApiKeySnapshotV1, IngestTokenSnapshotV1 } from '@keymeter/contracts';
import {
  AuditLogEntity,
  OutboxEntity,
  openDatabase,
  runDatabaseMigrations,
  type DatabaseHandle,
} from '@keymeter/database';
import { API_KEY_PATTERN, hashApiKey } from '@keymeter/domain';
import { createKafkaEventLog, type EventLog } from '@keymeter/event-log';
import { ApiError } from '@keymeter/platform';
import { createTestDatabase, type TestDatabase } from '@keymeter/testing';
import {
  createKeyManagement,
  parseToken,
  type AuditActor,
  type KeyManagement,
  type KeyManagementOptions,
} from '@keymeter/keys';
import { kafkaBrokers, ManualClock, RegistryReader, uniqueName } from './support';

const ADMIN: AuditActor = { type: 'admin_token', id: '00000000-0000-4000-8000-000000000001', label: 'test' };
const T0 = Date.parse('2030-03-01T10:00:00Z');

let db: TestDatabase;
let handle: DatabaseHandle;
let log: EventLog;
let topic: string;
let reader: RegistryReader;
let clock: ManualClock;
let km: KeyManagement;
const shown: string[] = [];
const started: KeyManagement[] = [];

function build(overrides: Partial<KeyManagementOptions> = {}): KeyManagement {
  return createKeyManagement({
    dataSource: handle.dataSource,
    eventLog: log,
    registryTopic: topic,
    clock: clock.now,
    showAdminTokenOnce: (plaintext) => shown.push(plaintext),
    publisherPollIntervalMs: 100,
    ...overrides,
  });
}

async function startNew(overrides: Partial<KeyManagementOptions> = {}): Promise<KeyManagement> {
  const instance = build(overrides);
  await instance.start();
  started.push(instance);
  return instance;
}

/** Every row of every key management table as text, to search for secrets. */
async function dumpTables(): Promise<string> {
  const tables = [
    'customers',
    'api_keys',
    'api_key_secrets',
    'ingest_tokens',
    'ingest_token_secrets',
    'admin_tokens',
    'audit_log',
    'outbox',
  ];
  const parts: string[] = [];
  for (const table of tables) {
    const rows: { row: string }[] = await handle.dataSource.query(
      `SELECT row_to_json(t)::text AS row FROM "${table}" t`,
    );
    parts.push(`${table}: ${rows.map((r) => r.row).join('\n')}`);
  }
  return parts.join('\n');
}

async function newCustomer(label: string): Promise<string> {
  const customer = await km.customers.create(
    {
      name: `${label} Ltd`,
      email: `${uniqueName(label)}@example.com`,
      timezone: 'Europe/Berlin',
      currency: 'EUR',
    },
    ADMIN,
  );
  return customer.id;
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected the call to be rejected');
}

function issuesOf(error: ApiError): { field: string; reason: string }[] {
  return error.details as { field: string; reason: string }[];
}

beforeAll(async () => {
  db = await createTestDatabase();
  handle = await openDatabase({ url: db.url });
  await runDatabaseMigrations(handle);
  log = createKafkaEventLog({ brokers: kafkaBrokers(), clientId: 'keymeter-keys-test' });
  topic = uniqueName('key-registry-test');
  await log.ensureTopics([{ name: topic, partitions: 1, compacted: true }]);
  reader = new RegistryReader(log, topic);
  await reader.start();
  clock = new ManualClock(T0);
  km = await startNew();
});

afterAll(async () => {
  for (const instance of started) await instance.stop();
  await reader?.stop();
  await log?.close();
  await handle?.close();
  await db?.drop();
});

describe('customers', () => {
  it('creates and reads a customer, and audits the creation', async () => {
    const email = `${uniqueName('ada')}@example.com`;
    const created = await km.customers.create(
      { name: 'Analytical Engines', email, timezone: 'America/New_York', currency: 'USD' },
      ADMIN,
    );
    expect(await km.customers.get(created.id)).toEqual(created);
    expect(created).toMatchObject({
      name: 'Analytical Engines',
      email,
      timezone: 'America/New_York',
      currency: 'USD',
    });
    const audit = await km.audit.list({ subjectType: 'customer', subjectId: created.id });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: 'customer.created',
      actor: { type: 'admin_token', label: 'test' },
    });
  });

  it('rejects bad input naming every field, and stores nothing', async () => {
    const before = await handle.dataSource.query('SELECT count(*)::int AS n FROM customers');
    const error = await rejection(
      km.customers.create(
        { name: ' ', email: 'nope', timezone: 'europe/berlin', currency: 'usd', extra: 1 },
        ADMIN,
      ),
    );
    expect(error.getStatus()).toBe(400);
    expect(
      issuesOf(error)
        .map((issue) => issue.field)
        .sort(),
    ).toEqual(['currency', 'email', 'extra', 'name', 'timezone'].sort());
    expect(issuesOf(error).find((issue) => issue.field === 'timezone')?.reason).toContain('Europe/Berlin');
    expect(await handle.dataSource.query('SELECT count(*)::int AS n FROM customers')).toEqual(before);
  });

  it('answers 409 for a second customer with the same email in another case', async () => {
    const email = `${uniqueName('dup')}@example.com`;
    await km.customers.create({ name: 'A', email, timezone: 'UTC', currency: 'USD' }, ADMIN);
    const error = await rejection(
      km.customers.create({ name: 'B', email: email.toUpperCase(), timezone: 'UTC', currency: 'USD' }, ADMIN),
    );
    expect(error.getStatus()).toBe(409);
  });

  it('answers 404 for an unknown or malformed id', async () => {
    expect((await rejection(km.customers.get('6b1d9a4e-0000-4000-8000-000000000000'))).getStatus()).toBe(404);
    expect((await rejection(km.customers.get('not-a-uuid'))).getStatus()).toBe(404);
  });
});

describe('API keys', () => {
  it('creates a key whose plaintext is returned once and stored only as a hash, and publishes its snapshot', async () => {
    const customerId = await newCustomer('create');
    const created = await km.apiKeys.create(
      customerId,
      {
        name: 'backend',
        environment: 'test',
        scopes: ['usage:read', { methods: ['get'], pattern: '/v1/quotes/*' }],
        rateLimit: { rate: 10, burst: 20 },
        quotas: { requestsPerDay: 1000, creditsPerMonth: '2500.50' },
        expiresAt: '2031-01-01T00:00:00Z',
      },
      ADMIN,
    );
    expect(created.key).toMatch(API_KEY_PATTERN);
    expect(created.key.startsWith('km_test_')).toBe(true);
    expect(created.prefix).toBe(created.key.slice(0, 12));
    expect(created).toMatchObject({
      customerId,
      name: 'backend',
      environment: 'test',
      status: 'active',
      scopes: ['usage:read', { methods: ['GET'], pattern: '/v1/quotes/*' }],
      rateLimit: { rate: 10, burst: 20 },
      quotas: { requestsPerDay: 1000, creditsPerMonth: '2500.5' },
      expiresAt: '2031-01-01T00:00:00.000Z',
      revision: 1,
      lastUsedAt: null,
    });

    const listed = await km.apiKeys.listForCustomer(customerId);
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect(JSON.stringify(listed)).not.toContain(hashApiKey(created.key));
    const { key: _plaintext, ...view } = created;
    expect(listed[0]).toEqual(view);

    const stored: { hash: string }[] = await handle.dataSource.query(
      'SELECT hash FROM api_key_secrets WHERE key_id = $1',
      [created.id],
    );
    expect(stored).toEqual([{ hash: hashApiKey(created.key) }]);
    expect(await dumpTables()).not.toContain(created.key);

    const snapshot = await reader.waitFor(
      (record, key) => key === `api_key:${created.id}` && record.revision === 1,
      'created key',
    );
    expect(snapshot).toEqual({
      v: 1,
      kind: 'api_key',
      keyId: created.id,
      customerId,
      timeZone: 'Europe/Berlin',
      environment: 'test',
      name: 'backend',
      prefix: created.prefix,
      secrets: [{ hash: hashApiKey(created.key), validUntil: null }],
      status: 'active',
      expiresAt: '2031-01-01T00:00:00.000Z',
      scopes: ['usage:read', { methods: ['GET'], pattern: '/v1/quotes/*' }],
      rateLimit: { rate: 10, burst: 20 },
      quotas: { requestsPerDay: 1000, creditsPerMonth: '2500.5' },
      revision: 1,
      updatedAt: created.updatedAt,
    } satisfies ApiKeySnapshotV1);
    expect(reader.received.some((entry) => entry.raw.includes(created.key))).toBe(false);
  });

  it('authenticates the customer by key, checksum first, then hash, status and scope', async () => {
    const customerId = await newCustomer('auth');
    const { key, id } = await km.apiKeys.create(customerId, { name: 'reader' }, ADMIN);
    expect(await km.customerKeys.authenticate(key)).toEqual({
      ok: true,
      customer: { customerId, keyId: id, scopes: [{ methods: ['*'], pattern: '*' }, 'usage:read'] },
    });
    expect(await km.customerKeys.authenticate(undefined)).toEqual({ ok: false, reason: 'missing' });
    // Replace one character with a different one: an unchanged key would pass.
    const mistyped = `${key.slice(0, 20)}${key[20] === 'x' ? 'y' : 'x'}${key.slice(21)}`;
    expect(mistyped).not.toBe(key);
    expect(await km.customerKeys.authenticate(mistyped)).toMatchObject({ ok: false });
    const forged = (await km.apiKeys.create(customerId, { name: 'forged' }, ADMIN)).key;
    await handle.dataSource.query(`DELETE FROM api_key_secrets WHERE hash = $1`, [hashApiKey(forged)]);
    expect(await km.customerKeys.authenticate(forged)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('rotates with a grace period: both secrets work until it ends, then only the new one', async () => {
    const customerId = await newCustomer('rotate');
    const first = await km.apiKeys.create(customerId, { name: 'rotating' }, ADMIN);
    const rotated = await km.apiKeys.rotate(first.id, { gracePeriodSeconds: 60 }, ADMIN);
    expect(rotated.key).toMatch(API_KEY_PATTERN);
    expect(rotated.key).not.toBe(first.key);
    expect(rotated.revision).toBe(2);
    expect(rotated.previousSecrets).toEqual([
      { prefix: first.prefix, validUntil: new Date(clock.now().getTime() + 60_000).toISOString() },
    ]);
    expect((await km.customerKeys.authenticate(first.key)).ok).toBe(true);
    expect((await km.customerKeys.authenticate(rotated.key)).ok).toBe(true);

    const snapshot = await reader.waitFor(
      (record, key) => key === `api_key:${first.id}` && record.revision === 2,
      'rotated key',
    );
    expect((snapshot as ApiKeySnapshotV1).secrets).toEqual([
      { hash: hashApiKey(rotated.key), validUntil: null },
      { hash: hashApiKey(first.key), validUntil: new Date(clock.now().getTime() + 60_000).toISOString() },
    ]);

    clock.advance(60_001);
    expect(await km.customerKeys.authenticate(first.key)).toEqual({ ok: false, reason: 'rotated_out' });
    expect((await km.customerKeys.authenticate(rotated.key)).ok).toBe(true);

    const immediate = await km.apiKeys.rotate(first.id, { gracePeriodSeconds: 0 }, ADMIN);
    expect(await km.customerKeys.authenticate(rotated.key)).toEqual({ ok: false, reason: 'rotated_out' });
    expect((await km.customerKeys.authenticate(immediate.key)).ok).toBe(true);
    const audit = await km.audit.list({ subjectType: 'api_key', subjectId: first.id });
    expect(audit.map((entry) => entry.action)).toEqual(['key.rotated', 'key.rotated', 'key.created']);
    expect(audit[1].details).toMatchObject({ gracePeriodSeconds: 60 });
  });

  it('defaults the grace period to 24 hours', async () => {
    const customerId = await newCustomer('grace');
    const created = await km.apiKeys.create(customerId, { name: 'default grace' }, ADMIN);
    const rotated = await km.apiKeys.rotate(created.id, undefined, ADMIN);
    expect(rotated.previousSecrets[0].validUntil).toBe(
      new Date(clock.now().getTime() + 86_400_000).toISOString(),
    );
  });

  it('revokes for good and publishes the revoked snapshot', async () => {
    const customerId = await newCustomer('revoke');
    const created = await km.apiKeys.create(customerId, { name: 'doomed' }, ADMIN);
    const revoked = await km.apiKeys.revoke(created.id, ADMIN);
    expect(revoked).toMatchObject({ status: 'revoked', revision: 2 });
    expect(await km.customerKeys.authenticate(created.key)).toEqual({ ok: false, reason: 'revoked' });
    const snapshot = await reader.waitFor(
      (record, key) => key === `api_key:${created.id}` && record.revision === 2,
      'revoked key',
    );
    expect(snapshot).toMatchObject({ status: 'revoked', secrets: [{ hash: hashApiKey(created.key) }] });
    // Again: nothing changes.
    expect(await km.apiKeys.revoke(created.id, ADMIN)).toEqual(revoked);
    expect((await rejection(km.apiKeys.rotate(created.id, {}, ADMIN))).getStatus()).toBe(409);
    expect((await rejection(km.apiKeys.update(created.id, { name: 'x' }, ADMIN))).getStatus()).toBe(409);
    const audit = await km.audit.list({ subjectType: 'api_key', subjectId: created.id });
    expect(audit.map((entry) => entry.action)).toEqual(['key.revoked', 'key.created']);
  });

  it('updates settings, suspends and lifts suspension, with the diff in the audit log', async () => {
    const customerId = await newCustomer('patch');
    const created = await km.apiKeys.create(customerId, { name: 'patchable' }, ADMIN);
    const updated = await km.apiKeys.update(
      created.id,
      {
        name: 'renamed',
        rateLimit: { rate: 5, burst: 5 },
        quotas: { creditsPerMonth: '10' },
        status: 'suspended',
      },
      ADMIN,
    );
    expect(updated).toMatchObject({
      name: 'renamed',
      rateLimit: { rate: 5, burst: 5 },
      quotas: { requestsPerDay: null, creditsPerMonth: '10' },
      status: 'suspended',
      revision: 2,
    });
    expect(await km.customerKeys.authenticate(created.key)).toEqual({ ok: false, reason: 'suspended' });
    const resumed = await km.apiKeys.update(created.id, { status: 'active', rateLimit: null }, ADMIN);
    expect(resumed).toMatchObject({ status: 'active', rateLimit: null, revision: 3 });
    // The same values again: no change, no revision, no audit entry.
    expect(await km.apiKeys.update(created.id, { status: 'active' }, ADMIN)).toEqual(resumed);
    const audit = await km.audit.list({ subjectType: 'api_key', subjectId: created.id });
    expect(audit.map((entry) => entry.action)).toEqual(['key.updated', 'key.updated', 'key.created']);
    expect(audit[1].details).toEqual({
      changes: {
        name: { from: 'patchable', to: 'renamed' },
        status: { from: 'active', to: 'suspended' },
        rateLimit: { from: null, to: { rate: 5, burst: 5 } },
        quotas: {
          from: { requestsPerDay: null, creditsPerMonth: null },
          to: { requestsPerDay: null, creditsPerMonth: '10' },
        },
      },
    });
    await reader.waitFor(
      (record, key) => key === `api_key:${created.id}` && record.revision === 3,
      'patched key',
    );
  });

  it('rejects invalid changes naming each field, and changes nothing stored', async () => {
    const customerId = await newCustomer('invalid');
    const created = await km.apiKeys.create(customerId, { name: 'strict' }, ADMIN);
    const snapshotOfState = async (): Promise<unknown> => ({
      key: await handle.dataSource.query('SELECT * FROM api_keys WHERE id = $1', [created.id]),
      audit: await handle.dataSource.getRepository(AuditLogEntity).count(),
      outbox: await handle.dataSource.getRepository(OutboxEntity).count(),
    });
    const before = await snapshotOfState();
    const error = await rejection(
      km.apiKeys.update(
        created.id,
        {
          name: 'fine',
          scopes: [{ methods: ['FETCH'], pattern: '/v1/x' }],
          rateLimit: { rate: -1, burst: 1.5 },
          quotas: { requestsPerDay: 'many' },
          expiresAt: '2001-01-01T00:00:00Z',
          status: 'revoked',
        },
        ADMIN,
      ),
    );
    expect(error.getStatus()).toBe(400);
    expect(issuesOf(error).map((issue) => issue.field)).toEqual([
      'scopes[0].methods[0]',
      'expiresAt',
      'rateLimit.rate',
      'rateLimit.burst',
      'quotas.requestsPerDay',
      'status',
    ]);
    expect(await snapshotOfState()).toEqual(before);
    const rotateError = await rejection(km.apiKeys.rotate(created.id, { gracePeriodSeconds: -1 }, ADMIN));
    expect(issuesOf(rotateError).map((issue) => issue.field)).toEqual(['gracePeriodSeconds']);
    const createError = await rejection(
      km.apiKeys.create(customerId, { name: 'x', environment: 'prod' }, ADMIN),
    );
    expect(issuesOf(createError).map((issue) => issue.field)).toEqual(['environment']);
    expect(await snapshotOfState()).toEqual(before);
  });

  it('keeps secrets rotated out less than 30 days ago in the snapshot, and drops older ones', async () => {
    const customerId = await newCustomer('retention');
    const created = await km.apiKeys.create(customerId, { name: 'old' }, ADMIN);
    await km.apiKeys.rotate(created.id, { gracePeriodSeconds: 0 }, ADMIN);
    clock.advance(29 * 86_400_000);
    await km.apiKeys.update(created.id, { name: 'old 2' }, ADMIN);
    const kept = await reader.waitFor((r, k) => k === `api_key:${created.id}` && r.revision === 3, 'day 29');
    expect(kept.secrets).toHaveLength(2);
    clock.advance(2 * 86_400_000);
    await km.apiKeys.update(created.id, { name: 'old 3' }, ADMIN);
    const pruned = await reader.waitFor(
      (r, k) => k === `api_key:${created.id}` && r.revision === 4,
      'day 31',
    );
    expect(pruned.secrets).toHaveLength(1);
    expect(pruned.secrets[0].validUntil).toBeNull();
  });
});

describe('ingest tokens', () => {
  it('creates, rotates and revokes a token, publishing each state', async () => {
    const created = await km.ingestTokens.create({ name: 'kong-eu' }, ADMIN);
    expect(created.token).toMatch(/^km_ingest_[0-9A-Za-z]{39}$/);
    expect(parseToken('ingest', created.token)).toEqual({ ok: true, hash: hashApiKey(created.token) });
    expect(
      parseToken(
        'ingest',
        created.token.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')),
      ),
    ).toEqual({
      ok: false,
      reason: 'bad_checksum',
    });
    const first = await reader.waitFor(
      (r, k) => k === `ingest_token:${created.id}` && r.revision === 1,
      'token',
    );
    expect(first).toEqual({
      v: 1,
      kind: 'ingest_token',
      tokenId: created.id,
      name: 'kong-eu',
      secrets: [{ hash: hashApiKey(created.token), validUntil: null }],
      status: 'active',
      revision: 1,
      updatedAt: created.updatedAt,
    } satisfies IngestTokenSnapshotV1);
    const rotated = await km.ingestTokens.rotate(created.id, { gracePeriodSeconds: 30 }, ADMIN);
    expect(rotated.previousSecrets).toHaveLength(1);
    await km.ingestTokens.revoke(created.id, ADMIN);
    const last = await reader.waitFor(
      (r, k) => k === `ingest_token:${created.id}` && r.revision === 3,
      'revoked',
    );
    expect(last).toMatchObject({ status: 'revoked' });
    expect(last.secrets.map((secret) => secret.hash)).toEqual([
      hashApiKey(rotated.token),
      hashApiKey(created.token),
    ]);
    expect(await dumpTables()).not.toContain(created.token);
  });
});

describe('outbox and start-up', () => {
  it('publishes a change committed while no publisher ran once a new instance starts', async () => {
    const customerId = await newCustomer('crash');
    // No publisher runs (the running one stops), and an instance commits changes, then "dies" before
    // its publisher sends them.
    await km.stop();
    const crashed = build();
    const created = await crashed.apiKeys.create(customerId, { name: 'orphan' }, ADMIN);
    await crashed.apiKeys.revoke(created.id, ADMIN);
    expect(await crashed.publisher.pendingCount()).toBeGreaterThanOrEqual(2);
    km = await startNew();
    const snapshot = await reader.waitFor(
      (record, key) => key === `api_key:${created.id}` && record.revision === 2,
      'revoked while no publisher ran',
    );
    expect(snapshot.status).toBe('revoked');
    for (let waited = 0; (await km.publisher.pendingCount()) > 0 && waited < 300; waited += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await km.publisher.pendingCount()).toBe(0);
  });

  it('republishes the snapshot of every credential at start-up', async () => {
    const customerId = await newCustomer('republish');
    const created = await km.apiKeys.create(customerId, { name: 'steady' }, ADMIN);
    await reader.waitFor((r, k) => k === `api_key:${created.id}`, 'first publication');
    const countFor = (): number =>
      reader.received.filter((entry) => entry.key === `api_key:${created.id}`).length;
    const before = countFor();
    const restarted = build();
    started.push(restarted);
    const result = await restarted.start();
    expect(result.republished).toBeGreaterThan(0);
    for (let waited = 0; countFor() <= before && waited < 300; waited += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(countFor()).toBeGreaterThan(before);
  });
});

describe('admin tokens', () => {
  it('generated one token at first start, shown once, and authenticates it', async () => {
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatch(/^km_admin_[0-9A-Za-z]{39}$/);
    expect(await km.adminTokens.authenticate(shown[0])).toMatchObject({ label: 'generated at first start' });
    expect(await km.adminTokens.authenticate(`${shown[0]}x`)).toBeUndefined();
    expect(await km.adminTokens.authenticate('')).toBeUndefined();
    expect(await dumpTables()).not.toContain(shown[0]);
  });

  it('stores the hash of a configured ADMIN_TOKEN once, and prints nothing', async () => {
    const configured = `configured-${uniqueName('admin')}-0123456789`;
    expect(await km.adminTokens.bootstrap(configured, (t) => shown.push(t))).toEqual({
      outcome: 'configured_added',
    });
    expect(await km.adminTokens.bootstrap(configured, (t) => shown.push(t))).toEqual({
      outcome: 'configured_present',
    });
    expect(shown).toHaveLength(1);
    expect(await km.adminTokens.authenticate(configured)).toMatchObject({ label: 'ADMIN_TOKEN' });
    const rows: unknown[] = await handle.dataSource.query('SELECT 1 FROM admin_tokens WHERE hash = $1', [
      hashApiKey(configured),
    ]);
    expect(rows).toHaveLength(1);
  });

  it('refuses to store the same secret hash twice (unique index)', async () => {
    const customerId = await newCustomer('unique');
    const created = await km.apiKeys.create(customerId, { name: 'u' }, ADMIN);
    await expect(
      handle.dataSource.query(`INSERT INTO api_key_secrets (key_id, hash, prefix) VALUES ($1, $2, 'x')`, [
        created.id,
        hashApiKey(created.key),
      ]),
    ).rejects.toBeInstanceOf(QueryFailedError);
  });
});
