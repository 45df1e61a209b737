import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { newEventId } from '@keymeter/contracts';
import { eventually as pollUntil, startProduct, type AppProcess } from '@keymeter/testing';

const MINUTE = 60_000;

/**
 * Per-customer thresholds over HTTP: two customers' keys see the same two upstream errors in one minute. With the
 * default 5xx thresholds (at least 3 errors, a chance probability of at most 1e-7) that is no burst; the customer
 * whose policy lowers them (2 errors, 1e-5) gets an error_burst alert for the same minute.
 */
describe('npm start: a customer with stricter thresholds is alerted where the defaults stay silent', () => {
  const adminToken = `admin-${randomBytes(16).toString('hex')}`;
  const admin = { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' };
  let dataDir: string;
  let running: AppProcess;

  async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${running.urls.billing}${path}`, {
      method,
      headers: admin,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  const eventually = <T>(probe: () => Promise<T | undefined>, what: string): Promise<T> =>
    pollUntil(probe, what, { intervalMs: 100, context: () => running.output() });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'km-alert-thresholds-e2e-'));
    running = await startProduct(dataDir, adminToken, { ALERTS_EVALUATION_INTERVAL_SECONDS: '0' });
  });

  afterAll(async () => {
    await running?.stop('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('validates the thresholds, stores them, and applies them to that customer only', async () => {
    const customer = (name: string) =>
      api<{ id: string }>('POST', '/v1/customers', {
        name,
        email: `ops@${name.toLowerCase()}.example`,
        timezone: 'UTC',
        currency: 'EUR',
      });
    const strict = await customer('Strict');
    const standard = await customer('Standard');
    const strictKey = await api<{ id: string }>('POST', `/v1/customers/${strict.body.id}/keys`, {
      name: 'a',
    });
    const standardKey = await api<{ id: string }>('POST', `/v1/customers/${standard.body.id}/keys`, {
      name: 'b',
    });
    const ingest = await api<{ token: string }>('POST', '/v1/ingest-tokens', { name: 'edge' });
    expect([strictKey.status, standardKey.status, ingest.status]).toEqual([201, 201, 201]);

    const bad = await api<{ error: { code: string; message: string } }>(
      'PUT',
      `/v1/customers/${strict.body.id}/alert-policy`,
      { rules: [], thresholds: { errorBursts: { falseAlarmProbability: 0.5 } } },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('thresholds.errorBursts.falseAlarmProbability');
    const thresholds = { errorBursts: { minCount: 2, falseAlarmProbability: 1e-5 } };
    const put = await api('PUT', `/v1/customers/${strict.body.id}/alert-policy`, { rules: [], thresholds });
    expect(put.status).toBe(200);
    expect(
      (await api<{ thresholds: unknown }>('GET', `/v1/customers/${strict.body.id}/alert-policy`)).body,
    ).toMatchObject({ thresholds });

    // A few minutes ago, for each key: two calls answered 502 by the upstream, then one that went through.
    const minute = Math.floor(Date.now() / MINUTE) - 3;
    const event = (keyId: string, customerId: string, second: number, failed: boolean) => ({
      v: 1,
      id: newEventId(minute * MINUTE + second * 1000, (n) => randomBytes(n)),
      occurredAt: new Date(minute * MINUTE + second * 1000).toISOString(),
      gatewayId: 'edge-1',
      keyId,
      customerId,
      method: 'GET',
      route: '/v1/quotes/:symbol',
      status: failed ? 502 : 200,
      latencyMs: 30,
      requestBytes: 0,
      responseBytes: 100,
      units: failed ? '0' : '1',
      clientIp: '198.51.100.20',
      userAgent: 'client/1.0',
      outcome: failed ? 'upstream_error' : 'forwarded',
      billable: !failed,
    });
    const keys = [
      [strictKey.body.id, strict.body.id],
      [standardKey.body.id, standard.body.id],
    ] as const;
    const events = keys.flatMap(([keyId, customerId]) => [
      event(keyId, customerId, 5, true),
      event(keyId, customerId, 6, true),
      event(keyId, customerId, 7, false),
    ]);
    await eventually(async () => {
      const response = await fetch(`${running.urls.gateway}/v1/events`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${ingest.body.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(events),
      });
      return response.status === 202 ? true : undefined;
    }, 'the gateway to accept the events');
    // Each key's events share a partition and are stored in order: the billable call counted means the errors are in.
    const from = new Date(minute * MINUTE).toISOString();
    const to = new Date((minute + 1) * MINUTE).toISOString();
    for (const [, customerId] of keys) {
      await eventually(async () => {
        const usage = await api<{ totals: { requests: string } }>(
          'GET',
          `/v1/customers/${customerId}/usage?from=${from}&to=${to}&granularity=minute&tz=UTC`,
        );
        return Number(usage.body.totals?.requests ?? 0) >= 1 ? true : undefined;
      }, 'the calls to be counted');
    }

    const evaluation = await api<{ evaluated: boolean }>('POST', '/v1/alerts/evaluate', { minute: from });
    expect(evaluation.body.evaluated).toBe(true);
    const alertsOf = async (keyId: string) =>
      (await api<{ kind: string; evidence: Record<string, unknown> }[]>('GET', `/v1/alerts?keyId=${keyId}`))
        .body;
    expect(await alertsOf(strictKey.body.id)).toEqual([
      expect.objectContaining({
        kind: 'error_burst',
        evidence: expect.objectContaining({ observed: 2, calls: 3 }),
      }),
    ]);
    expect(await alertsOf(standardKey.body.id)).toEqual([]);
  });
});
