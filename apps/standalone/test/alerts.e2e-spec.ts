import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { newEventId } from '@keymeter/contracts';
import { eventually as pollUntil, startProduct, writeQuotesRoute, type AppProcess } from '@keymeter/testing';

const MINUTE = 60_000;

interface AlertJson {
  id: string;
  keyId: string;
  kind: string;
  severity: string;
  status: string;
  evidence: { observed: number; expected: number; window: { endMinute: number } };
  actions: { id: string; type: string; status: string; previous: unknown; applied: unknown }[];
}

/**
 * The whole product on its embedded defaults: a key with two weeks of ordinary traffic history (posted to the
 * ingestion endpoint) gets a spike through the gateway; evaluating that minute opens a traffic_spike alert,
 * the customer's policy suspends the key, the gateway refuses it, and reverting the action restores service.
 * The webhook receiver is down for the first alert.opened attempt: the retry delivers it once, same webhook-id.
 * Another key's past spike, evaluated minute by minute, resolves on its own.
 */
describe('npm start: an injected spike opens an alert and the policy suspends the key', () => {
  const adminToken = `admin-${randomBytes(16).toString('hex')}`;
  const admin = { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' };
  let dataDir: string;
  let upstream: Server;
  let receiver: Server;
  let running: AppProcess;
  /** What the webhook receiver got: raw body and headers, to verify the signature as a receiver would. */
  const received: { body: string; headers: Record<string, string> }[] = [];
  /**
   * The receiver is down for the first alert.opened delivery (answers 503, as a failing receiver does); the
   * `webhook-id`s it refused are kept to check that the retry carries the same id.
   */
  let downForFirstOpened = true;
  const refusedDeliveries: string[] = [];

  async function api<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = admin,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${running.urls.billing}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  const eventually = <T>(probe: () => Promise<T | undefined>, what: string): Promise<T> =>
    pollUntil(probe, what, { intervalMs: 100, context: () => running.output() });

  async function call(key: string): Promise<number> {
    const response = await fetch(`${running.urls.gateway}/v1/quotes/ACME`, { headers: { 'X-API-Key': key } });
    await response.arrayBuffer();
    return response.status;
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'km-alerts-e2e-'));
    upstream = createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ symbol: 'ACME', price: '12.34' }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (downForFirstOpened && (JSON.parse(body) as { type: string }).type === 'alert.opened') {
          downForFirstOpened = false;
          refusedDeliveries.push(String(req.headers['webhook-id']));
          res.statusCode = 503;
          res.end();
          return;
        }
        received.push({
          body: Buffer.concat(chunks).toString('utf8'),
          headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        });
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    running = await startProduct(dataDir, adminToken, {
      GATEWAY_ROUTES_FILE: writeQuotesRoute(dataDir, (upstream.address() as AddressInfo).port),
      // The test evaluates its minute explicitly (POST /v1/alerts/evaluate) instead of waiting for the schedule.
      ALERTS_EVALUATION_INTERVAL_SECONDS: '0',
      // Retries are picked up quickly (the first one waits 1-5 s); an alert resolves after 2 clear minutes.
      WEBHOOK_DELIVERY_INTERVAL_MS: '200',
      ALERTS_AUTO_RESOLVE_AFTER_MINUTES: '2',
    });
  });

  afterAll(async () => {
    await running?.stop('SIGTERM');
    await new Promise((resolve) => upstream?.close(resolve));
    await new Promise((resolve) => receiver?.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('opens the alert, shows it to admin and customer, suspends and restores the key', async () => {
    const customer = await api<{ id: string }>('POST', '/v1/customers', {
      name: 'Acme Data',
      email: 'ops@acme.example',
      timezone: 'UTC',
      currency: 'EUR',
    });
    const other = await api<{ id: string }>('POST', '/v1/customers', {
      name: 'Other',
      email: 'ops@other.example',
      timezone: 'UTC',
      currency: 'EUR',
    });
    const key = await api<{ id: string; key: string }>('POST', `/v1/customers/${customer.body.id}/keys`, {
      name: 'backend',
    });
    const reader = await api<{ key: string }>('POST', `/v1/customers/${customer.body.id}/keys`, {
      name: 'dashboard',
    });
    const stranger = await api<{ key: string }>('POST', `/v1/customers/${other.body.id}/keys`, { name: 'x' });
    const ingest = await api<{ token: string }>('POST', '/v1/ingest-tokens', { name: 'history' });
    expect([key.status, reader.status, stranger.status, ingest.status]).toEqual([201, 201, 201, 201]);

    const badPolicy = await api<{ error: { code: string; message: string } }>(
      'PUT',
      `/v1/customers/${customer.body.id}/alert-policy`,
      { rules: [{ kind: 'traffic_spike', action: { type: 'suspend_key', factor: 2 } }] },
    );
    expect(badPolicy.status).toBe(400);
    expect(badPolicy.body.error.message).toContain('rules[0].action.factor');
    const policy = await api('PUT', `/v1/customers/${customer.body.id}/alert-policy`, {
      rules: [{ kind: 'traffic_spike', minSeverity: 'medium', action: { type: 'suspend_key' } }],
    });
    expect(policy.status).toBe(200);

    const endpoint = await api<{ secret: string }>('POST', '/v1/webhooks/endpoints', {
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
      customerId: customer.body.id,
      eventTypes: ['alert.*', 'key.*'],
    });
    expect(endpoint.status).toBe(201);
    const verifier = new Webhook(endpoint.body.secret);
    const delivered = (type: string): Promise<{ type: string; data: Record<string, unknown> }> =>
      eventually(async () => {
        for (const message of received) {
          const payload = verifier.verify(message.body, message.headers) as {
            type: string;
            data: Record<string, unknown>;
          };
          if (payload.type === type) return payload;
        }
        return undefined;
      }, `a signed ${type} webhook`);

    // History: two calls a minute around this hour of the week, one and two weeks back, and in the last hour.
    const nowMinute = Math.floor(Date.now() / MINUTE);
    const minutes: number[] = [];
    for (const back of [14 * 1440, 7 * 1440]) {
      for (let m = nowMinute - back - 120; m <= nowMinute - back + 120; m++) minutes.push(m);
    }
    for (let m = nowMinute - 60; m < nowMinute; m++) minutes.push(m);
    const usageEvent = (keyId: string, customerId: string, at: number) => ({
      v: 1,
      id: newEventId(at, (n) => randomBytes(n)),
      occurredAt: new Date(at).toISOString(),
      gatewayId: 'edge-history',
      keyId,
      customerId,
      method: 'GET',
      route: '/v1/quotes/:symbol',
      status: 200,
      latencyMs: 3,
      requestBytes: 100,
      responseBytes: 200,
      units: '1',
      clientIp: '127.0.0.1',
      userAgent: 'history',
      outcome: 'forwarded',
      billable: true,
    });
    const postEvents = (events: unknown[]) =>
      eventually(async () => {
        const response = await fetch(`${running.urls.gateway}/v1/events`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${ingest.body.token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(events),
        });
        return response.status === 202 ? true : undefined;
      }, 'the gateway to accept the history');
    const history = minutes.flatMap((minute) =>
      [0, 30].map((second) => usageEvent(key.body.id, customer.body.id, minute * MINUTE + second * 1000)),
    );
    await postEvents(history);
    await eventually(async () => ((await call(key.body.key)) === 200 ? true : undefined), 'the key to work');

    // The spike: 120 calls inside one minute (started early enough in the minute to end in it).
    await eventually(async () => (Date.now() % MINUTE < 30_000 ? true : undefined), 'an early second');
    const spikeMinute = Math.floor(Date.now() / MINUTE);
    const statuses = await Promise.all(Array.from({ length: 120 }, () => call(key.body.key)));
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(Math.floor(Date.now() / MINUTE)).toBe(spikeMinute);
    const from = new Date(spikeMinute * MINUTE).toISOString();
    const to = new Date((spikeMinute + 1) * MINUTE).toISOString();
    await eventually(async () => {
      const usage = await api<{ totals: { requests: string } }>(
        'GET',
        `/v1/customers/${customer.body.id}/usage?from=${from}&to=${to}&granularity=minute&tz=UTC`,
      );
      return Number(usage.body.totals?.requests ?? 0) >= 120 ? true : undefined;
    }, 'the spike to be counted');

    const evaluation = await api<{ evaluated: boolean; opened: number; actions: number }>(
      'POST',
      '/v1/alerts/evaluate',
      {
        minute: from,
      },
    );
    expect(evaluation.status).toBe(200);
    expect(evaluation.body).toMatchObject({ evaluated: true, opened: 1, actions: 1 });
    const evaluatedAt = Date.now();
    const again = await api<{ evaluated: boolean }>('POST', '/v1/alerts/evaluate', { minute: from });
    expect(again.body.evaluated).toBe(false);

    const listed = await api<AlertJson[]>('GET', `/v1/alerts?keyId=${key.body.id}&status=open`);
    expect(listed.status).toBe(200);
    expect(listed.body).toHaveLength(1);
    const [alert] = listed.body;
    expect(alert).toMatchObject({ kind: 'traffic_spike', status: 'open', keyId: key.body.id });
    expect(alert.evidence.window.endMinute).toBe(spikeMinute);
    expect(alert.evidence.observed).toBeGreaterThanOrEqual(120);
    expect(alert.actions).toMatchObject([
      {
        type: 'suspend_key',
        status: 'applied',
        previous: { status: 'active' },
        applied: { status: 'suspended' },
      },
    ]);

    // The gateway refuses the suspended key once the registry snapshot arrives.
    const refused = await eventually(async () => {
      const status = await call(key.body.key);
      return status === 401 || status === 403 ? status : undefined;
    }, 'the gateway to refuse the suspended key');
    expect([401, 403]).toContain(refused);
    process.stdout.write(
      `suspension reached the gateway ${Date.now() - evaluatedAt} ms after the evaluation\n`,
    );

    // Announced to the customer's endpoint, signed per Standard Webhooks: the first attempt met the receiver
    // down, the retry delivered it with the same webhook-id.
    expect((await delivered('alert.opened')).data).toMatchObject({ id: alert.id, kind: 'traffic_spike' });
    expect(refusedDeliveries).toHaveLength(1);
    const openedDeliveries = () =>
      received.filter((message) => (JSON.parse(message.body) as { type: string }).type === 'alert.opened');
    expect(openedDeliveries().map((message) => message.headers['webhook-id'])).toEqual(refusedDeliveries);
    expect((await delivered('key.action_applied')).data).toMatchObject({
      action: { type: 'suspend_key', applied: { status: 'suspended' } },
      alert: { id: alert.id },
    });

    // The customer sees it with another of its keys; another customer does not.
    const asReader = { 'X-API-Key': reader.body.key, 'Content-Type': 'application/json' };
    const mine = await api<AlertJson[]>('GET', '/v1/me/alerts', undefined, asReader);
    expect(mine.status).toBe(200);
    expect(mine.body.map((a) => a.id)).toEqual([alert.id]);
    const asStranger = { 'X-API-Key': stranger.body.key, 'Content-Type': 'application/json' };
    expect((await api<AlertJson[]>('GET', '/v1/me/alerts', undefined, asStranger)).body).toEqual([]);
    expect((await api('GET', `/v1/me/alerts/${alert.id}`, undefined, asStranger)).status).toBe(404);
    expect((await api('GET', `/v1/alerts/${randomUUID()}`)).status).toBe(404);
    const badFilter = await api<{ error: { message: string } }>('GET', '/v1/alerts?status=closed');
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.error.message).toContain('status');

    const acked = await api<AlertJson>('POST', `/v1/alerts/${alert.id}/ack`);
    expect(acked.body.status).toBe('acknowledged');

    const reverted = await api<AlertJson>(
      'POST',
      `/v1/alerts/${alert.id}/actions/${alert.actions[0].id}/revert`,
    );
    expect(reverted.status).toBe(200);
    expect(reverted.body.actions[0].status).toBe('reverted');
    const revertedAt = Date.now();
    await eventually(
      async () => ((await call(key.body.key)) === 200 ? true : undefined),
      'service to be restored',
    );
    process.stdout.write(`revert reached the gateway ${Date.now() - revertedAt} ms after the request\n`);
    const twice = await api<{ error: { code: string } }>(
      'POST',
      `/v1/alerts/${alert.id}/actions/${alert.actions[0].id}/revert`,
    );
    expect(twice.status).toBe(409);

    const resolved = await api<AlertJson>('POST', `/v1/alerts/${alert.id}/resolve`, {
      reason: 'customer rotated',
    });
    expect(resolved.body.status).toBe('resolved');
    expect((await delivered('alert.acknowledged')).data).toMatchObject({ id: alert.id });
    expect((await delivered('key.action_reverted')).data).toMatchObject({ action: { status: 'reverted' } });
    expect((await delivered('alert.resolved')).data).toMatchObject({ id: alert.id, status: 'resolved' });
    expect(
      (await api<AlertJson[]>('GET', '/v1/me/alerts?status=resolved', undefined, asReader)).body,
    ).toHaveLength(1);

    // Delivered once: no further alert.opened reached the receiver after the successful retry.
    expect(openedDeliveries()).toHaveLength(1);

    const audit = await api<{ action: string }[]>('GET', `/v1/keys/${key.body.id}/audit`);
    expect(audit.body.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['key.protection_applied', 'key.protection_reverted']),
    );
    // Auto-resolve: a key of the other customer (no policy) had a spike 45 minutes ago, posted with its history;
    // evaluating the minutes since, in order, opens its alert and resolves it once the condition (the spike,
    // then the 30-minute check it keeps firing) stayed clear for ALERTS_AUTO_RESOLVE_AFTER_MINUTES.
    const batch = await api<{ id: string }>('POST', `/v1/customers/${other.body.id}/keys`, { name: 'batch' });
    const pastSpike = nowMinute - 45;
    const batchMinutes: number[] = [];
    for (const back of [14 * 1440, 7 * 1440]) {
      for (let m = pastSpike - back - 120; m <= pastSpike - back + 120; m++) batchMinutes.push(m);
    }
    for (let m = pastSpike - 60; m < nowMinute; m++) batchMinutes.push(m);
    // And credential stuffing ten minutes after that spike: 60 calls with unknown keys from one /24.
    const stuffingMinute = pastSpike + 10;
    const stuffing = Array.from({ length: 60 }, (_, i) => ({
      ...usageEvent('', '', stuffingMinute * MINUTE + i * 1000),
      status: 401,
      units: '0',
      clientIp: `198.51.100.${1 + (i % 20)}`,
      outcome: 'rejected_auth',
      billable: false,
    }));
    await postEvents([
      ...batchMinutes.flatMap((minute) => {
        const calls = minute === pastSpike ? 120 : 2;
        return Array.from({ length: calls }, (_, i) =>
          usageEvent(batch.body.id, other.body.id, minute * MINUTE + Math.floor((i * MINUTE) / calls)),
        );
      }),
      ...stuffing,
    ]);
    await eventually(async () => {
      const usage = await api<{ totals: { requests: string } }>(
        'GET',
        `/v1/customers/${other.body.id}/usage?from=${new Date(pastSpike * MINUTE).toISOString()}` +
          `&to=${new Date(nowMinute * MINUTE).toISOString()}&granularity=minute&tz=UTC`,
      );
      return Number(usage.body.totals?.requests ?? 0) >= 120 + 2 * 44 ? true : undefined;
    }, 'the past spike to be counted');
    let batchAlert: AlertJson | undefined;
    for (let minute = pastSpike; minute < nowMinute; minute++) {
      const step = await api<{ evaluated: boolean }>('POST', '/v1/alerts/evaluate', {
        minute: new Date(minute * MINUTE).toISOString(),
      });
      expect(step.body.evaluated).toBe(true);
      [batchAlert] = (await api<AlertJson[]>('GET', `/v1/alerts?keyId=${batch.body.id}`)).body;
      if (minute === pastSpike) expect(batchAlert).toMatchObject({ kind: 'traffic_spike', status: 'open' });
      if (batchAlert?.status === 'resolved' && minute >= stuffingMinute) break;
    }
    expect(batchAlert).toMatchObject({
      status: 'resolved',
      resolvedBy: 'system',
      resolutionReason: 'condition_cleared',
    });

    // The stuffing is an ops alert of its network: in the admin list, in no customer's.
    const networkAlerts = (
      await api<(AlertJson & { network: string | null; customerId: string | null })[]>(
        'GET',
        '/v1/alerts?kind=auth_failure_burst',
      )
    ).body.filter((a) => a.network !== null);
    expect(networkAlerts).toMatchObject([
      { network: '198.51.100.0/24', customerId: null, keyId: null, evidence: { observed: 60 } },
    ]);
    for (const headers of [asReader, asStranger]) {
      const seen = (await api<AlertJson[]>('GET', '/v1/me/alerts', undefined, headers)).body;
      expect(seen.some((a) => a.id === networkAlerts[0].id)).toBe(false);
    }

    const docs = await fetch(`${running.urls.billing}/docs-json`);
    const paths = Object.keys(((await docs.json()) as { paths: Record<string, unknown> }).paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/alerts',
        '/v1/alerts/{id}/ack',
        '/v1/customers/{id}/alert-policy',
        '/v1/me/alerts',
      ]),
    );
  });
});
