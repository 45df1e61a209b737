// POST /v1/events and the OpenMeter-compatible POST /api/v1/events over HTTP, on a real Kafka broker:
// per-event errors, limits, duplicates, NDJSON, CloudEvents single and batch (also sent by
// @openmeter/sdk unchanged), ingest-token authentication; and only valid events reach the topic.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Module } from '@nestjs/common';
import type { IngestTokenSnapshotV1, UsageEventV1 } from '@keymeter/contracts';
import { createKafkaEventLog, type EventLog } from '@keymeter/event-log';
import { createUsageEventSink, type UsageEventSink } from '@keymeter/event-sink';
import type { CredentialVerifier, IngestTokenVerification } from '@keymeter/gateway';
import { createLogger, startHttpApp, type RunningHttpApp } from '@keymeter/platform';
import { decodeAll, readWholeTopic, testEvent } from '../../../libs/event-sink/test/sink-test-events';
import { IngestionModule } from '../src/ingestion/ingestion.module';

jest.setTimeout(180_000);
const run = promisify(execFile);

const TOKEN = `km_ingest_${randomBytes(16).toString('hex')}`;
const REVOKED_TOKEN = `km_ingest_${randomBytes(16).toString('hex')}`;
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Ingest-token records as the key registry carries them. */
const RECORDS: IngestTokenSnapshotV1[] = [
  {
    v: 1,
    kind: 'ingest_token',
    tokenId: 'it_kong',
    name: 'kong',
    secrets: [{ hash: sha256(TOKEN), validUntil: null }],
    status: 'active',
    revision: 1,
    updatedAt: '2026-01-01T00:00:00.000Z',
  },
  {
    v: 1,
    kind: 'ingest_token',
    tokenId: 'it_old',
    name: 'old',
    secrets: [{ hash: sha256(REVOKED_TOKEN), validUntil: null }],
    status: 'revoked',
    revision: 2,
    updatedAt: '2026-01-01T00:00:00.000Z',
  },
];

/** Verifies ingest tokens against registry records (by SHA-256 hash), as the gateway's registry does. */
function verifierFrom(records: readonly IngestTokenSnapshotV1[]): CredentialVerifier {
  return {
    verifyApiKey: () => ({ ok: false, reason: 'unknown' }),
    verifyIngestToken: (plaintext): IngestTokenVerification => {
      if (plaintext === undefined) return { ok: false, reason: 'missing' };
      if (plaintext === '') return { ok: false, reason: 'malformed' };
      const token = records.find((record) =>
        record.secrets.some((secret) => secret.hash === sha256(plaintext)),
      );
      if (!token) return { ok: false, reason: 'unknown' };
      return token.status === 'active' ? { ok: true, token } : { ok: false, reason: 'revoked' };
    },
  };
}

describe('event ingestion over HTTP', () => {
  const topic = `usage-events-ingest-${Date.now()}`;
  let spoolDir: string;
  let log: EventLog;
  let sink: UsageEventSink;
  let app: RunningHttpApp;

  beforeAll(async () => {
    const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
    if (brokers.length === 0) throw new Error('KAFKA_BROKERS is not set: run through jest (global setup)');
    log = createKafkaEventLog({ brokers, clientId: 'ingestion-e2e', logSink: () => undefined });
    await log.ensureTopics([{ name: topic, partitions: 2 }]);
    spoolDir = mkdtempSync(join(tmpdir(), 'keymeter-ingest-spool-'));
    sink = await createUsageEventSink({ eventLog: log, topic, spoolDir, maxSpoolBytes: 64 * 1024 * 1024 });
    @Module({
      imports: [
        IngestionModule.register({
          sink,
          verifier: verifierFrom(RECORDS),
          limits: { maxBodyBytes: 256 * 1024, maxEvents: 500 },
        }),
      ],
    })
    class TestGatewayModule {}
    app = await startHttpApp(TestGatewayModule, {
      name: 'gateway',
      host: '127.0.0.1',
      port: 0,
      logger: createLogger('silent'),
    });
  });

  afterAll(async () => {
    await app?.close();
    await sink?.close();
    await log?.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  async function post(
    path: string,
    body: string,
    contentType: string,
    token: string | null = TOKEN,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = { 'content-type': contentType };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${app.url}${path}`, { method: 'POST', headers, body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const accepted: UsageEventV1[] = [];

  it('accepts a JSON array of valid events (202, durable) and reports counts', async () => {
    // One with the optional client country: it travels as given, through Kafka and back.
    const events = [
      testEvent('key-1', 1),
      { ...testEvent('key-2', 1), country: 'FR' },
      testEvent('key-1', 2),
    ];
    const response = await post('/v1/events', JSON.stringify(events), 'application/json');
    expect(response).toEqual({ status: 202, body: { accepted: 3, duplicates: 0, rejected: 0, errors: [] } });
    accepted.push(...events);
  });

  it('accepts the valid events of a mixed batch and names each invalid one by index, field and reason', async () => {
    const good = testEvent('key-3', 1);
    const badStatus = { ...testEvent('key-3', 2), status: 700 };
    const { units: _units, ...missingUnits } = testEvent('key-3', 3);
    const response = await post(
      '/v1/events',
      JSON.stringify([badStatus, good, missingUnits, 'nope']),
      'application/json',
    );
    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: 3,
      errors: [
        { index: 0, field: 'status', reason: 'must be an integer from 100 to 599' },
        { index: 2, field: 'units', reason: 'is required' },
        { index: 3, field: '', reason: 'must be a JSON object' },
      ],
    });
    accepted.push(good);
  });

  it('collapses a repeated event within a batch and refuses a different event reusing an id', async () => {
    const event = testEvent('key-4', 1);
    const clash = { ...event, units: '7' };
    const response = await post('/v1/events', JSON.stringify([event, event, clash]), 'application/json');
    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      accepted: 1,
      duplicates: 1,
      rejected: 1,
      errors: [
        { index: 2, field: 'id', reason: 'repeats the id of the event at index 0 with different content' },
      ],
    });
    accepted.push(event);
  });

  it('answers 400 with every per-event error when no event is valid, and for a body that is not JSON', async () => {
    const response = await post('/v1/events', JSON.stringify([{ v: 1 }]), 'application/json');
    expect(response.status).toBe(400);
    const error = response.body.error as {
      code: string;
      details: { errors: { index: number; field: string }[] };
    };
    expect(error.code).toBe('invalid_events');
    expect(error.details.errors.map((entry) => entry.field)).toEqual(
      expect.arrayContaining(['id', 'occurredAt', 'keyId']),
    );
    expect(error.details.errors.every((entry) => entry.index === 0)).toBe(true);

    const broken = await post('/v1/events', '[{"v":1,', 'application/json');
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatchObject({ code: 'invalid_json' });
    const empty = await post('/v1/events', '[]', 'application/json');
    expect(empty).toMatchObject({ status: 400, body: { error: { code: 'empty_batch' } } });
  });

  it('refuses an oversized body with 413 and a batch over the event limit with 413', async () => {
    const huge = JSON.stringify(Array.from({ length: 700 }, (_, index) => testEvent('key-big', index)));
    expect(Buffer.byteLength(huge)).toBeGreaterThan(256 * 1024);
    const oversized = await post('/v1/events', huge, 'application/json');
    expect(oversized).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });

    const many = Array.from({ length: 501 }, (_, index) => ({ v: 1, index }));
    const tooMany = await post('/v1/events', JSON.stringify(many), 'application/json');
    expect(tooMany).toMatchObject({ status: 413, body: { error: { code: 'too_many_events' } } });
  });

  it('accepts NDJSON, reporting a line that is not JSON by its index', async () => {
    const first = testEvent('key-5', 1);
    const second = testEvent('key-5', 2);
    const body = `${JSON.stringify(first)}\n{not json}\n\n${JSON.stringify(second)}\n`;
    const response = await post('/v1/events', body, 'application/x-ndjson');
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ accepted: 2, rejected: 1, errors: [{ index: 1, field: '' }] });
    accepted.push(first, second);
  });

  it('answers 401 for a missing, unknown or revoked ingest token, and 415 for an unknown content type', async () => {
    const body = JSON.stringify([testEvent('key-x', 1)]);
    for (const token of [null, 'km_ingest_unknown', REVOKED_TOKEN]) {
      const response = await post('/v1/events', body, 'application/json', token);
      expect(response.status).toBe(401);
      expect(response.body.error).toMatchObject({ code: 'unauthenticated' });
      expect(JSON.stringify(response.body)).not.toContain(REVOKED_TOKEN);
    }
    const cloud = await post('/api/v1/events', '{}', 'application/cloudevents+json', 'wrong');
    expect(cloud.status).toBe(401);
    const unsupported = await post('/v1/events', body, 'text/plain');
    expect(unsupported).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } });
  });

  it('maps CloudEvents (single and batch) and gives a re-posted CloudEvent the same event id', async () => {
    const single = {
      specversion: '1.0',
      id: 'a2c1f7e4-0b5e-4d0e-9f57-5c1d2f0e8a11',
      source: 'https://kong.example/gw-1',
      type: 'api-calls',
      subject: 'cus_acme',
      time: '2026-03-01T12:00:00.000Z',
      data: {
        keyId: 'key_acme_1',
        method: 'GET',
        route: '/v1/quotes/:symbol',
        status: 200,
        units: 3,
        region: 'eu',
        country: 'DE',
      },
    };
    const one = await post('/api/v1/events', JSON.stringify(single), 'application/cloudevents+json');
    expect(one).toEqual({ status: 202, body: { accepted: 1, duplicates: 0, rejected: 0, errors: [] } });
    const again = await post('/api/v1/events', JSON.stringify(single), 'application/cloudevents+json');
    expect(again.status).toBe(202);

    const batch = [
      {
        specversion: '1.0',
        id: 'evt-1',
        source: 'billing-job',
        type: 'tokens',
        subject: 'cus_beta',
        data: { units: '12.5' },
      },
      { specversion: '0.3', id: 'evt-2', source: 'billing-job', type: 'tokens', subject: 'cus_beta' },
      {
        specversion: '1.0',
        id: 'evt-3',
        source: 'billing-job',
        type: 'tokens',
        subject: 'cus_beta',
        data: { status: 'ok' },
      },
    ];
    const many = await post('/api/v1/events', JSON.stringify(batch), 'application/cloudevents-batch+json');
    expect(many.status).toBe(202);
    expect(many.body).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: 2,
      errors: [
        { index: 1, field: 'specversion', reason: 'must be "1.0"' },
        { index: 2, field: 'data.status', reason: 'must be an integer from 100 to 599' },
      ],
    });
  });

  it('takes events sent by @openmeter/sdk unchanged', async () => {
    const script = join(__dirname, 'ingestion-openmeter-client.mjs');
    const events = [
      { type: 'api-calls', subject: 'cus_sdk', data: { keyId: 'key_sdk', units: 2, route: '/v1/search' } },
      { id: 'sdk-fixed-id', type: 'api-calls', subject: 'cus_sdk', data: { keyId: 'key_sdk' } },
    ];
    const { stdout } = await run(process.execPath, [script, app.url, TOKEN, JSON.stringify(events)]);
    expect(JSON.parse(stdout.trim())).toEqual({
      ok: true,
      result: { accepted: 2, duplicates: 0, rejected: 0, errors: [] },
    });
    const refused = await run(process.execPath, [script, app.url, 'km_ingest_wrong', JSON.stringify(events)]);
    expect(JSON.parse(refused.stdout.trim())).toMatchObject({ ok: false, status: 401 });
  });

  it('produced exactly the accepted events, and nothing invalid, to the topic', async () => {
    await sink.flush();
    const decoded = decodeAll(await readWholeTopic(log, topic));
    const ids = decoded.map(({ event }) => event.id);
    for (const event of accepted)
      expect(decoded.find((entry) => entry.event.id === event.id)?.event).toEqual(event);
    // 3 + 1 + 1 + 2 UsageEvents, 2 posts of one CloudEvent (same id), 1 of the batch, 2 from the SDK.
    expect(ids).toHaveLength(accepted.length + 2 + 1 + 2);
    const cloud = decoded.filter(({ event }) => event.customerId === 'cus_acme').map(({ event }) => event);
    expect(cloud).toHaveLength(2);
    expect(cloud[0].id).toBe(cloud[1].id);
    expect(cloud[0]).toMatchObject({
      occurredAt: '2026-03-01T12:00:00.000Z',
      gatewayId: 'https:-kong.example-gw-1',
      keyId: 'key_acme_1',
      customerId: 'cus_acme',
      route: '/v1/quotes/:symbol',
      units: '3',
      outcome: 'forwarded',
      billable: true,
      meta: { eventType: 'api-calls', region: 'eu' },
      country: 'DE',
    });
    const beta = decoded.find(({ event }) => event.customerId === 'cus_beta')?.event;
    expect(beta).toMatchObject({
      keyId: 'cus_beta',
      units: '12.5',
      status: 200,
      route: '*',
      gatewayId: 'billing-job',
    });
    const sdk = decoded.filter(({ event }) => event.customerId === 'cus_sdk').map(({ event }) => event);
    expect(sdk.map((event) => event.gatewayId)).toEqual(['openmeter-sdk', 'openmeter-sdk']);
  });
});
