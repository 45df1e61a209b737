import { randomBytes } from 'node:crypto';
import { QueryFailedError } from 'typeorm';
import type { ClickHouseHandle } from '@keymeter/clickhouse';
import { isBillable, newEventId, type UsageEventV1 } from '@keymeter/contracts';
import { AlertEntity, AuditLogEntity, WebhookEventEntity, type DatabaseHandle } from '@keymeter/database';
import { toRawEventRow } from '@keymeter/ingestion';
import { CustomerKeyAuthenticator, type AuditActor, type KeyManagement } from '@keymeter/keys';
import { ApiError } from '@keymeter/platform';
import { createAlerts, latestDueMinute, type Alerts } from '@keymeter/alerts';
import { openAlertsTestEnvironment, type AlertsTestEnvironment } from './alerts-test-environment';

const ADMIN: AuditActor = { type: 'admin_token', id: '00000000-0000-4000-8000-000000000001', label: 'ops' };
const MINUTE = 60_000;
/**
 * The spike minute: five hours ago (the evaluator's activity table keeps two days). History covers the same
 * hours of the week one and two weeks before.
 */
const SPIKE_MINUTE = Math.floor(Date.now() / MINUTE) - 300;
const AUTO_RESOLVE_MINUTES = 5;

let env: AlertsTestEnvironment;
let handle: DatabaseHandle;
let clickhouse: ClickHouseHandle;
let km: KeyManagement;
let alerts: Alerts;
let nowMs = (SPIKE_MINUTE + 1) * MINUTE;
let customerId: string;
let keyId: string;

function event(keyId: string, customerId: string, minute: number, index: number): UsageEventV1 {
  const occurredMs = minute * MINUTE + (index % 60) * 1000;
  return {
    v: 1,
    id: newEventId(occurredMs, (n) => randomBytes(n)),
    occurredAt: new Date(occurredMs).toISOString(),
    gatewayId: 'gw-alerts-test',
    keyId,
    customerId,
    method: 'GET',
    route: '/v1/quotes/:symbol',
    status: 200,
    latencyMs: 5,
    requestBytes: 100,
    responseBytes: 500,
    units: '1',
    clientIp: '203.0.113.7',
    userAgent: 'alerts-test/1.0',
    outcome: 'forwarded',
    billable: isBillable('forwarded', 200),
  };
}

async function insertCalls(perMinute: (minute: number) => number, from: number, to: number): Promise<void> {
  const rows = [];
  for (let minute = from; minute <= to; minute++) {
    for (let i = 0; i < perMinute(minute); i++) {
      rows.push(
        toRawEventRow(
          event(keyId, customerId, minute, i),
          { topic: 'usage-events', partition: 0, offset: String(rows.length), timestamp: minute * MINUTE },
          3_600_000,
        ),
      );
    }
  }
  await clickhouse.client.insert({ table: 'usage_events_raw', values: rows, format: 'JSONEachRow' });
}

async function evaluate(minute: number) {
  nowMs = (minute + 1) * MINUTE;
  return alerts.evaluator.evaluate(minute);
}

beforeAll(async () => {
  env = await openAlertsTestEnvironment('alerts');
  ({ handle, clickhouse, km } = env);
  alerts = createAlerts({
    dataSource: handle.dataSource,
    traffic: clickhouse,
    apiKeys: km.apiKeys,
    settings: {
      evaluationIntervalMs: 0,
      evaluationDelayMs: 15_000,
      autoResolveAfterMinutes: AUTO_RESOLVE_MINUTES,
      baselineWarmupDays: 15,
    },
    logger: { info: () => undefined, error: () => undefined },
    clock: () => nowMs,
  });
  const customer = await km.customers.create(
    { name: 'Acme', email: 'ops@acme.example', timezone: 'UTC', currency: 'EUR' },
    ADMIN,
  );
  customerId = customer.id;
  const key = await km.apiKeys.create(
    customerId,
    { name: 'backend', rateLimit: { rate: 50, burst: 100 } },
    ADMIN,
  );
  keyId = key.id;
  // Two calls a minute around this hour of the week, one and two weeks back, and in the last three hours.
  for (const weeksBack of [2, 1]) {
    const centre = SPIKE_MINUTE - weeksBack * 7 * 1440;
    await insertCalls(() => 2, centre - 180, centre + 180);
  }
  await insertCalls(() => 2, SPIKE_MINUTE - 180, SPIKE_MINUTE - 1);
});

afterAll(async () => {
  await env?.close();
});

describe('alert evaluation on Postgres and chDB', () => {
  it('validates a policy naming the field, and stores nothing from a rejected one', async () => {
    await expect(
      alerts.service.putPolicy(
        customerId,
        { rules: [{ kind: 'traffic_spike', action: { type: 'lock' } }] },
        ADMIN,
      ),
    ).rejects.toMatchObject({
      response: {
        error: { code: 'invalid_request', message: expect.stringContaining('rules[0].action.type') },
      },
    });
    expect((await alerts.service.getPolicy(customerId)).rules).toEqual([]);
    const policy = await alerts.service.putPolicy(
      customerId,
      {
        rules: [
          {
            kind: 'traffic_spike',
            minSeverity: 'medium',
            action: { type: 'tighten_rate_limit', factor: 0.1 },
          },
          { kind: 'traffic_spike', minSeverity: 'medium', action: { type: 'suspend_key' } },
        ],
      },
      ADMIN,
    );
    expect(policy.rules.map((rule) => rule.action.type)).toEqual(['tighten_rate_limit', 'suspend_key']);
  });

  it('opens one alert on a spike, takes the policy actions through key management and announces both', async () => {
    await insertCalls(() => 200, SPIKE_MINUTE, SPIKE_MINUTE);
    const result = await evaluate(SPIKE_MINUTE);
    expect(result).toMatchObject({ evaluated: true, opened: 1, actions: 2, warmedUp: 1 });
    const [alert] = await alerts.service.list({ keyId });
    expect(alert).toMatchObject({ kind: 'traffic_spike', status: 'open', customerId, occurrences: 1 });
    expect(alert.evidence).toMatchObject({
      check: 'minute',
      observed: 200,
      window: { endMinute: SPIKE_MINUTE },
    });
    expect(alert.actions.map((a) => [a.type, a.previous, a.applied]).sort()).toEqual([
      ['suspend_key', { status: 'active' }, { status: 'suspended' }],
      ['tighten_rate_limit', { rateLimit: { rate: 50, burst: 100 } }, { rateLimit: { rate: 5, burst: 10 } }],
    ]);
    const key = await km.apiKeys.get(keyId);
    expect(key).toMatchObject({ status: 'suspended', rateLimit: { rate: 5, burst: 10 } });
    const audit = await handle.dataSource.manager.findBy(AuditLogEntity, {
      subjectId: keyId,
      action: 'key.protection_applied',
    });
    expect(audit).toHaveLength(2);
    const events = await handle.dataSource.manager.find(WebhookEventEntity, { order: { createdAt: 'ASC' } });
    expect(events.map((e) => e.type)).toEqual(['alert.opened', 'key.action_applied', 'key.action_applied']);
  });

  it('changes nothing when the same minute is evaluated again', async () => {
    const before = await alerts.service.list({ keyId });
    const again = await evaluate(SPIKE_MINUTE);
    expect(again.evaluated).toBe(false);
    expect(await alerts.service.list({ keyId })).toEqual(before);
    expect(await handle.dataSource.manager.count(WebhookEventEntity)).toBe(3);
  });

  it('extends the open alert while the condition lasts, one unresolved alert per key and kind', async () => {
    await insertCalls(() => 200, SPIKE_MINUTE + 1, SPIKE_MINUTE + 1);
    const result = await evaluate(SPIKE_MINUTE + 1);
    expect(result.opened).toBe(0);
    const list = await alerts.service.list({ keyId, kind: 'traffic_spike' });
    expect(list).toHaveLength(1);
    expect(list[0].occurrences).toBe(2);
    expect(list[0].lastSeenAt).toBe(new Date((SPIKE_MINUTE + 2) * MINUTE).toISOString());
    const duplicate = handle.dataSource.manager.insert(AlertEntity, {
      customerId,
      keyId,
      kind: 'traffic_spike',
      severity: 'low',
      status: 'open',
      summary: 'x',
      evidence: {},
      openedAt: new Date(),
      lastSeenAt: new Date(),
    });
    await expect(duplicate).rejects.toBeInstanceOf(QueryFailedError);
  });

  it('acknowledges, then resolves on its own once the condition stayed clear long enough', async () => {
    const [alert] = await alerts.service.list({ keyId });
    expect((await alerts.service.acknowledge(alert.id, ADMIN)).status).toBe('acknowledged');
    let minute = SPIKE_MINUTE + 2;
    let resolvedAt: number | undefined;
    for (; minute < SPIKE_MINUTE + 2 + 60 && resolvedAt === undefined; minute++) {
      const result = await evaluate(minute);
      if (result.resolved > 0) resolvedAt = minute;
    }
    expect(resolvedAt).toBeDefined();
    const resolved = await alerts.service.get(alert.id);
    expect(resolved).toMatchObject({
      status: 'resolved',
      resolvedBy: 'system',
      resolutionReason: 'condition_cleared',
    });
    const cleared = Date.parse(resolved.conditionClearedAt!);
    expect(Date.parse(resolved.resolvedAt!) - cleared).toBeGreaterThanOrEqual(AUTO_RESOLVE_MINUTES * MINUTE);
    // Actions stay until a person reverts them.
    expect((await km.apiKeys.get(keyId)).status).toBe('suspended');
  });

  it('reverts each action to exactly the previous values, once, audited and announced', async () => {
    const [alert] = await alerts.service.list({ keyId });
    const suspend = alert.actions.find((a) => a.type === 'suspend_key')!;
    const tighten = alert.actions.find((a) => a.type === 'tighten_rate_limit')!;
    await alerts.service.revertAction(alert.id, suspend.id, ADMIN);
    await alerts.service.revertAction(alert.id, tighten.id, ADMIN);
    expect(await km.apiKeys.get(keyId)).toMatchObject({
      status: 'active',
      rateLimit: { rate: 50, burst: 100 },
    });
    await expect(alerts.service.revertAction(alert.id, suspend.id, ADMIN)).rejects.toMatchObject({
      response: { error: { code: 'action_reverted' } },
    });
    await expect(
      alerts.service.revertAction(alert.id, '00000000-0000-4000-8000-000000000009', ADMIN),
    ).rejects.toBeInstanceOf(ApiError);
    const audit = await handle.dataSource.manager.findBy(AuditLogEntity, {
      subjectId: keyId,
      action: 'key.protection_reverted',
    });
    expect(audit.map((entry) => entry.actorLabel)).toEqual(['ops', 'ops']);
    const types = (await handle.dataSource.manager.find(WebhookEventEntity)).map((e) => e.type);
    expect(types.filter((t) => t === 'key.action_reverted')).toHaveLength(2);
    expect(types).toContain('alert.acknowledged');
    expect(types).toContain('alert.resolved');
  });

  it('keeps another customer out: a foreign alert id is not found', async () => {
    const [alert] = await alerts.service.list({ keyId });
    const other = await km.customers.create(
      { name: 'Other', email: 'o@example.com', timezone: 'UTC', currency: 'EUR' },
      ADMIN,
    );
    await expect(alerts.service.get(alert.id, other.id)).rejects.toMatchObject({
      response: { error: { code: 'not_found' } },
    });
    expect(await alerts.service.list({ customerId: other.id })).toEqual([]);
  });

  it('projects quota burn from the key quota and its use in ClickHouse', async () => {
    const quotaKey = await km.apiKeys.create(
      customerId,
      { name: 'batch', quotas: { requestsPerDay: 1000, creditsPerMonth: null } },
      ADMIN,
    );
    // Yesterday 02:00 UTC: 30 minutes at 20 calls a minute since 01:30; at that pace 1,000 calls last until
    // the afternoon.
    const minute = (Math.floor(Date.now() / 86_400_000) - 1) * 1440 + 120;
    const saved = keyId;
    keyId = quotaKey.id;
    await insertCalls(() => 20, minute - 29, minute);
    keyId = saved;
    const result = await evaluate(minute);
    expect(result.evaluated).toBe(true);
    const [alert] = await alerts.service.list({ keyId: quotaKey.id });
    expect(alert).toMatchObject({ kind: 'quota_burn', status: 'open' });
    // 30 minutes × 20 calls, counted from the UTC day's start (the customer's zone).
    expect(alert.evidence).toMatchObject({ limit: 1000, used: 600 });
  });

  it("applies the customer's own thresholds: the one-minute check stays below its floor", async () => {
    const quiet = await km.customers.create(
      { name: 'Quiet', email: 'q@example.com', timezone: 'UTC', currency: 'EUR' },
      ADMIN,
    );
    const bad = alerts.service.putPolicy(
      quiet.id,
      { rules: [], thresholds: { trafficSpike: { minCalls: -1 } } },
      ADMIN,
    );
    await expect(bad).rejects.toMatchObject({
      response: { error: { message: expect.stringContaining('thresholds.trafficSpike.minCalls') } },
    });
    const policy = await alerts.service.putPolicy(
      quiet.id,
      { rules: [], thresholds: { trafficSpike: { minCalls: 1000 } } },
      ADMIN,
    );
    expect(policy.thresholds).toEqual({ trafficSpike: { minCalls: 1000 } });
    // The same history and spike as the first key, on a key of this customer, one hour later.
    const key = await km.apiKeys.create(quiet.id, { name: 'quiet' }, ADMIN);
    const saved = { keyId, customerId };
    keyId = key.id;
    customerId = quiet.id;
    const spike = SPIKE_MINUTE + 60;
    for (const weeksBack of [2, 1]) {
      const centre = spike - weeksBack * 7 * 1440;
      await insertCalls(() => 2, centre - 180, centre + 180);
    }
    await insertCalls((m) => (m === spike ? 200 : 2), spike - 180, spike);
    ({ keyId, customerId } = saved);
    expect((await evaluate(spike)).evaluated).toBe(true);
    // Without the override this spike is reported by the one-minute check (first test); with a floor of 1,000
    // calls only the checks over longer windows, whose floors are not overridden, still see it: the newest
    // 2 minutes first (202 calls where 4 are expected).
    const [alert] = await alerts.service.list({ keyId: key.id });
    expect(alert.evidence).toMatchObject({
      check: 'windowed',
      observed: 202,
      window: { startMinute: spike - 1, endMinute: spike },
    });
  });

  it('pages the admin list newest first with a cursor, and rejects a bad filter naming it', async () => {
    const all = await alerts.service.list({});
    expect(all.length).toBeGreaterThanOrEqual(3);
    const opened = all.map((alert) => Date.parse(alert.openedAt));
    expect([...opened].sort((a, b) => b - a)).toEqual(opened);
    const pages: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await alerts.service.list({ limit: '1', ...(before === undefined ? {} : { before }) });
      if (page.length === 0) break;
      pages.push(page[0].id);
      before = page[0].id;
    }
    expect(pages).toEqual(all.map((alert) => alert.id));
    await expect(alerts.service.list({ limit: '0' })).rejects.toMatchObject({
      response: { error: { message: expect.stringContaining('limit') } },
    });
    await expect(alerts.service.list({ kind: 'spike' })).rejects.toMatchObject({
      response: { error: { message: expect.stringContaining('kind') } },
    });
  });

  it('requires rotation by policy: the current secret stops at the deadline, announced, and a revert restores it', async () => {
    const rotating = await km.customers.create(
      { name: 'Rotating', email: 'r@example.com', timezone: 'UTC', currency: 'EUR' },
      ADMIN,
    );
    await alerts.service.putPolicy(
      rotating.id,
      {
        rules: [
          {
            kind: 'traffic_spike',
            minSeverity: 'medium',
            action: { type: 'require_rotation', deadlineSeconds: 86_400 },
          },
        ],
      },
      ADMIN,
    );
    const key = await km.apiKeys.create(rotating.id, { name: 'leaky' }, ADMIN);
    const saved = { keyId, customerId };
    keyId = key.id;
    customerId = rotating.id;
    const spike = SPIKE_MINUTE + 120;
    for (const weeksBack of [2, 1]) {
      const centre = spike - weeksBack * 7 * 1440;
      await insertCalls(() => 2, centre - 180, centre + 180);
    }
    await insertCalls((m) => (m === spike ? 200 : 2), spike - 180, spike);
    ({ keyId, customerId } = saved);
    const eventsBefore = await handle.dataSource.manager.count(WebhookEventEntity);
    const result = await evaluate(spike);
    expect(result).toMatchObject({ evaluated: true, opened: 1, actions: 1 });

    // The alert's action names the secret and its new end: the evaluation time plus the policy's deadline.
    const deadline = new Date(nowMs + 86_400 * 1000);
    const [alert] = await alerts.service.list({ keyId: key.id });
    expect(alert).toMatchObject({ kind: 'traffic_spike', status: 'open', customerId: rotating.id });
    expect(alert.actions).toHaveLength(1);
    expect(alert.actions[0]).toMatchObject({
      type: 'require_rotation',
      status: 'applied',
      previous: { secretPrefix: key.prefix, secretValidUntil: null },
      applied: { secretPrefix: key.prefix, secretValidUntil: deadline.toISOString() },
    });
    // The key as the customer sees it: its current secret is now listed with an end, like a rotated-out one.
    expect((await km.apiKeys.get(key.id)).previousSecrets).toEqual([
      { prefix: key.prefix, validUntil: deadline.toISOString() },
    ]);
    // The secret authenticates until the deadline and is refused from then on: the customer has to rotate.
    const authAt = (ms: number) =>
      new CustomerKeyAuthenticator(handle.dataSource, () => new Date(ms)).authenticate(key.key);
    expect(await authAt(deadline.getTime() - 1)).toMatchObject({ ok: true });
    expect(await authAt(deadline.getTime())).toEqual({ ok: false, reason: 'rotated_out' });
    const audit = await handle.dataSource.manager.findBy(AuditLogEntity, {
      subjectId: key.id,
      action: 'key.protection_applied',
    });
    expect(audit.map((entry) => entry.actorLabel)).toEqual(['alert policy']);

    // Announced: alert.opened and key.action_applied with the action, in the alert's transaction.
    const events = await handle.dataSource.manager.find(WebhookEventEntity, { order: { createdAt: 'ASC' } });
    const fresh = events.slice(eventsBefore).filter((e) => e.customerId === rotating.id);
    expect(fresh.map((e) => e.type)).toEqual(['alert.opened', 'key.action_applied']);
    expect(fresh[1]).toMatchObject({
      customerId: rotating.id,
      payload: {
        type: 'key.action_applied',
        data: {
          action: {
            type: 'require_rotation',
            applied: { secretPrefix: key.prefix, secretValidUntil: deadline.toISOString() },
          },
          alert: { id: alert.id, keyId: key.id },
        },
      },
    });

    // Revert: the secret is without end again, exactly as before; announced once.
    await alerts.service.revertAction(alert.id, alert.actions[0].id, ADMIN);
    expect((await km.apiKeys.get(key.id)).previousSecrets).toEqual([]);
    expect(await authAt(deadline.getTime() + 86_400_000)).toMatchObject({ ok: true });
    const reverted = await alerts.service.get(alert.id);
    expect(reverted.actions[0]).toMatchObject({ status: 'reverted', revertedBy: 'ops' });
    const after = (await handle.dataSource.manager.find(WebhookEventEntity)).filter(
      (e) =>
        e.type === 'key.action_reverted' &&
        (e.payload.data as { alert: { id: string } }).alert.id === alert.id,
    );
    expect(after).toHaveLength(1);
  });

  it('opens one ops alert per network for an auth-failure burst of unknown keys, hidden from customers, and resolves it', async () => {
    const burst = SPIKE_MINUTE + 150;
    /** Rejected calls without a known key (credential stuffing) from hosts of one /24, or one other address. */
    const stuffing = async (minute: number, failures: number, ipOf: (i: number) => string) => {
      const rows = [];
      for (let i = 0; i < failures; i++) {
        const base = event('', '', minute, i);
        rows.push(
          toRawEventRow(
            {
              ...base,
              status: 401,
              units: '0',
              clientIp: ipOf(i),
              outcome: 'rejected_auth',
              billable: isBillable('rejected_auth', 401),
            },
            { topic: 'usage-events', partition: 0, offset: String(i), timestamp: minute * MINUTE },
            3_600_000,
          ),
        );
      }
      await clickhouse.client.insert({ table: 'usage_events_raw', values: rows, format: 'JSONEachRow' });
    };
    await stuffing(burst, 60, (i) => `198.51.100.${1 + (i % 30)}`);
    await stuffing(burst, 5, () => '2001:db8:7:1::9');
    const eventsBefore = await handle.dataSource.manager.count(WebhookEventEntity);
    const first = await evaluate(burst);
    expect(first).toMatchObject({ evaluated: true, opened: 1 });
    const network = (await alerts.service.list({ kind: 'auth_failure_burst' })).filter(
      (alert) => alert.network !== null,
    );
    expect(network).toHaveLength(1);
    expect(network[0]).toMatchObject({
      network: '198.51.100.0/24',
      customerId: null,
      keyId: null,
      status: 'open',
      evidence: { observed: 60, network: '198.51.100.0/24', window: { endMinute: burst } },
    });
    expect(network[0].summary).toContain('198.51.100.0/24');
    // Customers never see it: not in any customer's list, not readable with a customer's scope.
    expect((await alerts.service.list({ customerId })).some((alert) => alert.network !== null)).toBe(false);
    await expect(alerts.service.get(network[0].id, customerId)).rejects.toMatchObject({
      response: { error: { code: 'not_found' } },
    });
    // Announced without a customer: only global (ops) endpoints receive it.
    const opened = (await handle.dataSource.manager.find(WebhookEventEntity, { order: { createdAt: 'ASC' } }))
      .slice(eventsBefore)
      .filter((e) => e.type === 'alert.opened');
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({
      customerId: null,
      payload: { data: { id: network[0].id, network: '198.51.100.0/24' } },
    });

    // The burst goes on: the same alert is extended, no second one.
    await stuffing(burst + 1, 60, (i) => `198.51.100.${1 + (i % 30)}`);
    expect(await evaluate(burst + 1)).toMatchObject({ opened: 0 });
    const extended = await alerts.service.get(network[0].id);
    expect(extended).toMatchObject({ status: 'open', occurrences: 2 });

    // It stops: resolved on its own once clear for the configured time.
    let resolved = false;
    for (let minute = burst + 2; minute < burst + 2 + 20 && !resolved; minute++) {
      await evaluate(minute);
      resolved = (await alerts.service.get(network[0].id)).status === 'resolved';
    }
    expect(await alerts.service.get(network[0].id)).toMatchObject({
      status: 'resolved',
      resolvedBy: 'system',
      resolutionReason: 'condition_cleared',
    });
  });

  it('reports a key used from a country it never used, and learns countries where none were known', async () => {
    const travel = await km.customers.create(
      { name: 'Travel', email: 't@example.com', timezone: 'UTC', currency: 'EUR' },
      ADMIN,
    );
    const known = await km.apiKeys.create(travel.id, { name: 'known-countries' }, ADMIN);
    const fresh = await km.apiKeys.create(travel.id, { name: 'no-country-so-far' }, ADMIN);
    const minute = SPIKE_MINUTE + 90;
    /** `count` calls of a key in a minute from one address, with or without a country. */
    const calls = (key: string, at: number, count: number, clientIp: string, country?: string) =>
      Array.from({ length: count }, (_, i) =>
        toRawEventRow(
          { ...event(key, travel.id, at, i), clientIp, ...(country === undefined ? {} : { country }) },
          { topic: 'usage-events', partition: 0, offset: String(i), timestamp: at * MINUTE },
          3_600_000,
        ),
      );
    const rows = [];
    // Eight days ago and in the last hour: two calls a minute from one address in Germany (the first key), or
    // with no country known (the second: its gateway did not send one until now).
    for (const from of [minute - 8 * 1440, minute - 60]) {
      for (let at = from; at < from + 60; at++) {
        rows.push(...calls(known.id, at, 2, '203.0.113.7', 'DE'));
        rows.push(...calls(fresh.id, at, 2, '203.0.113.7'));
      }
    }
    // The minute: the usual calls, and for the first key three from a new network in Vietnam.
    rows.push(...calls(known.id, minute, 2, '203.0.113.7', 'DE'));
    rows.push(...calls(known.id, minute, 3, '192.0.2.9', 'VN'));
    rows.push(...calls(fresh.id, minute, 2, '203.0.113.7', 'DE'));
    await clickhouse.client.insert({ table: 'usage_events_raw', values: rows, format: 'JSONEachRow' });

    expect(await evaluate(minute)).toMatchObject({ evaluated: true });
    const alertsOf = async (id: string) =>
      (await alerts.service.list({ keyId: id })).map((alert) => [alert.kind, alert.severity, alert.evidence]);
    expect(await alertsOf(known.id)).toEqual(
      expect.arrayContaining([
        ['new_country', 'high', expect.objectContaining({ observed: 3, country: 'VN', knownCountries: 1 })],
        ['new_source_network', 'high', expect.objectContaining({ network: '192.0.2.0/24', newCountries: 1 })],
      ]),
    );
    // Its first country is learnt, not reported: the key's countries have a learning period of their own.
    expect(await alertsOf(fresh.id)).toEqual([]);
  });

  it('reports the drop of a low-rate key silent for two hours, read as active from its calls before', async () => {
    const batch = await km.customers.create(
      { name: 'Batch', email: 'b@example.com', timezone: 'UTC', currency: 'EUR' },
      ADMIN,
    );
    const quiet = await km.apiKeys.create(batch.id, { name: 'low-rate' }, ADMIN);
    const minute = SPIKE_MINUTE + 200;
    const rows = [];
    // A call a minute (a tenth of what the 30-minute drop check needs), day and night, from three hours into
    // the 15 warm-up days (the first half hour's partial sums are not at this hour) until 121 minutes ago; none
    // since: only calls older than the last two hours make the key active in the 150-minute look-back.
    for (let at = minute - 15 * 1440 + 180; at <= minute - 121; at++) {
      rows.push(
        toRawEventRow(
          event(quiet.id, batch.id, at, 0),
          { topic: 'usage-events', partition: 0, offset: String(rows.length), timestamp: at * MINUTE },
          3_600_000,
        ),
      );
    }
    await clickhouse.client.insert({ table: 'usage_events_raw', values: rows, format: 'JSONEachRow' });

    expect(await evaluate(minute)).toMatchObject({ evaluated: true });
    const found = await alerts.service.list({ keyId: quiet.id });
    expect(found.map((alert) => [alert.kind, alert.evidence.check, alert.evidence.observed])).toEqual([
      ['traffic_drop', 'low-rate', 0],
    ]);
  });

  it('runs on its own schedule: each tick evaluates the minutes due', async () => {
    nowMs = (SPIKE_MINUTE + 200) * MINUTE + 20_000;
    const due = latestDueMinute(nowMs, 15_000);
    await alerts.schedule.tick();
    const rows: { minute: string }[] = await handle.dataSource.query(
      'SELECT minute FROM alert_evaluations WHERE minute = $1',
      [due],
    );
    expect(rows).toHaveLength(1);
  });
});
