import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEventId } from '@keymeter/contracts';
import { eventually, startProduct, writeQuotesRoute, type AppProcess } from '@keymeter/testing';
import { randomBytes } from 'node:crypto';

/**
 * The whole product in one process on its embedded defaults: keys made in billing reach the gateway,
 * proxied calls and posted events go through the event log into ClickHouse, and billing reports them.
 */
describe('npm start: a call through the gateway is counted in usage', () => {
  const adminToken = `admin-${randomBytes(16).toString('hex')}`;
  const admin = { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' };
  let dataDir: string;
  let upstream: Server;
  let running: AppProcess;

  async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${running.urls.billing}${path}`, {
      method,
      headers: admin,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'km-pipeline-'));
    upstream = createServer((req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('X-Usage-Units', '2.5');
      res.end(JSON.stringify({ symbol: 'ACME', price: '12.34', path: req.url }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    running = await startProduct(dataDir, adminToken, {
      GATEWAY_ROUTES_FILE: writeQuotesRoute(dataDir, (upstream.address() as AddressInfo).port),
    });
  });

  afterAll(async () => {
    await running?.stop('SIGTERM');
    await new Promise((resolve) => upstream?.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('counts proxied calls and ingested events exactly, per meter', async () => {
    const customer = await api<{ id: string }>('POST', '/v1/customers', {
      name: 'Acme Data',
      email: 'ops@acme.example',
      timezone: 'Europe/Paris',
      currency: 'EUR',
    });
    expect(customer.status).toBe(201);
    const key = await api<{ id: string; key: string }>('POST', `/v1/customers/${customer.body.id}/keys`, {
      name: 'backend',
    });
    expect(key.status).toBe(201);
    const ingest = await api<{ token: string }>('POST', '/v1/ingest-tokens', { name: 'log shipper' });
    expect(ingest.status).toBe(201);

    // The key reaches the gateway through the registry topic.
    const first = await eventually(async () => {
      const response = await fetch(`${running.urls.gateway}/v1/quotes/ACME`, {
        headers: { 'X-API-Key': key.body.key },
      });
      return response.status === 200 ? response : undefined;
    }, 'the gateway to accept the new key');
    expect(await first.json()).toEqual({ symbol: 'ACME', price: '12.34', path: '/v1/quotes/ACME' });
    for (let i = 0; i < 4; i += 1) {
      const response = await fetch(`${running.urls.gateway}/v1/quotes/ACME`, {
        headers: { 'X-API-Key': key.body.key },
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    const rejected = await fetch(`${running.urls.gateway}/v1/quotes/ACME`, {
      headers: { 'X-API-Key': 'km_live_nope' },
    });
    expect(rejected.status).toBe(401);

    // Three events from an external gateway, one of them sent twice.
    const now = Date.now();
    const events = [0, 1, 2].map((i) => ({
      v: 1,
      id: newEventId(now + i, (n) => randomBytes(n)),
      occurredAt: new Date(now).toISOString(),
      gatewayId: 'edge-1',
      keyId: key.body.id,
      customerId: customer.body.id,
      method: 'GET',
      route: '/v1/history/:symbol',
      status: 200,
      latencyMs: 3,
      requestBytes: 100,
      responseBytes: 1000,
      units: '10',
      clientIp: '203.0.113.9',
      userAgent: 'edge',
      outcome: 'forwarded',
      billable: true,
    }));
    const post = (body: unknown): Promise<Response> =>
      fetch(`${running.urls.gateway}/v1/events`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${ingest.body.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const accepted = await eventually(async () => {
      const response = await post(events);
      return response.status === 202 ? response : undefined;
    }, 'the gateway to accept the new ingest token');
    expect(accepted.status).toBe(202);
    expect((await post([events[0]])).status).toBe(202);

    // 5 proxied calls (2.5 units each, from the upstream header) + 3 distinct posted events (10 units each).
    const proxiedBytes = Buffer.byteLength(
      JSON.stringify({ symbol: 'ACME', price: '12.34', path: '/v1/quotes/ACME' }),
    );
    const from = new Date(now - 3_600_000).toISOString();
    const to = new Date(now + 3_600_000).toISOString();
    let last: unknown;
    const totals = await eventually(async () => {
      const usage = await api<{ totals: { requests: string; credits: string; egress_bytes: string } }>(
        'GET',
        `/v1/customers/${customer.body.id}/usage?from=${from}&to=${to}&granularity=hour&tz=UTC`,
      );
      last = usage;
      return usage.status === 200 && usage.body.totals.requests === '8' ? usage.body.totals : undefined;
    }, 'the ingestor to count the calls').catch((error: Error) => {
      throw new Error(`${error.message}; last answer: ${JSON.stringify(last)}\n${running.output()}`);
    });
    expect(totals).toEqual({
      requests: '8',
      credits: '42.5',
      egress_bytes: String(5 * proxiedBytes + 3 * 1000),
    });

    // The same usage priced: 8 requests at 0.01 = 0.08; 42.5 credits, first 10 free, 32.5 at 0.20 = 6.50.
    const plan = await api<{ id: string }>('POST', '/v1/plans', {
      name: 'Market data',
      currency: 'EUR',
      meters: {
        requests: { type: 'per_unit', unitPrice: '0.01' },
        credits: {
          type: 'graduated',
          tiers: [
            { upTo: '10', unitPrice: '0' },
            { upTo: null, unitPrice: '0.20' },
          ],
        },
      },
    });
    expect(plan.status).toBe(201);
    const periodStart = '2026-10-31T23:00:00Z'; // 2026-11-01 00:00 in Europe/Paris
    const subscribed = await api('POST', `/v1/customers/${customer.body.id}/subscriptions`, {
      planId: plan.body.id,
      startsAt: periodStart,
    });
    expect(subscribed.status).toBe(201);
    const period = new Date(now).toLocaleDateString('sv-SE', { timeZone: 'Europe/Paris' }).slice(0, 7);
    const run = await api<{ results: { invoice: { total: string; lines: { amount: string }[] } }[] }>(
      'POST',
      '/v1/invoices/run',
      { period, customerId: customer.body.id },
    );
    expect(run.status).toBe(200);
    const invoice = run.body.results[0].invoice;
    expect(invoice.lines.map((line) => line.amount).sort()).toEqual(['0.08', '6.50']);
    expect(invoice.total).toBe('6.58');
  });
});
