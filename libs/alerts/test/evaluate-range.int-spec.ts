import type { ClickHouseHandle } from '@keymeter/clickhouse';
import type { DatabaseHandle } from '@keymeter/database';
import type { RawEventRow } from '@keymeter/ingestion';
import type { AuditActor, KeyManagement } from '@keymeter/keys';
import { createAlerts, type Alerts } from '@keymeter/alerts';
import { pushCalls, type TestCall } from './raw-call-rows';
import { openAlertsTestEnvironment, type AlertsTestEnvironment } from './alerts-test-environment';

/**
 * Catching up a range of minutes (`evaluateRange`, one read per chunk of minutes) gives the alerts that
 * evaluating the same minutes one after another (`evaluate`, the live path) gives, on the same data in chDB
 * and Postgres: spikes, a new network (from a new country, on a new route), a quota burn, a 429 burst, 5xx, a revoked and a rotated-out key, and
 * credential stuffing without a key, with alerts opening, escalating and resolving inside the range and the
 * range read in chunks that cut through them.
 */
const ADMIN: AuditActor = { type: 'admin_token', id: '00000000-0000-4000-8000-000000000001', label: 'ops' };
const MINUTE = 60_000;
const WEEK = 7 * 1440;
/** The evaluated range: three hours ending an hour ago (the evaluator's activity table keeps two days). */
const FROM = Math.floor(Date.now() / MINUTE) - 240;
const TO = FROM + 179;
const AUTO_RESOLVE_MINUTES = 5;

/**
 * A fixed-offset zone in which `minute` is at `hour` o'clock. The burner's daily quota is a day in its customer's
 * zone: with its burn starting at 02:00 there, the day has ~20 hours left whatever the hour the test runs (in UTC a
 * run late in the evening left the burn too little of the day to project an exhaustion before midnight).
 */
function zoneWhereLocalHourIs(minute: number, hour: number): string {
  const utcHour = Math.floor(minute / 60) % 24;
  let offset = (hour - utcHour + 24) % 24;
  if (offset > 14) offset -= 24;
  // IANA's Etc zones count the other way round: Etc/GMT-5 is UTC+05:00.
  return offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

let env: AlertsTestEnvironment;
let handle: DatabaseHandle;
let clickhouse: ClickHouseHandle;
let km: KeyManagement;
let nowMs = FROM * MINUTE;
const rows: RawEventRow[] = [];

function addCalls(
  keyId: string,
  customerId: string,
  minute: number,
  count: number,
  call: TestCall = {},
): void {
  pushCalls(rows, 'range', { keyId, customerId, minute, count }, call);
}

/** Steady calls over the same hours one and two weeks back, the three hours before the range, and in it. */
function usualTraffic(keyId: string, customerId: string, perMinute: number, until = TO): void {
  for (const weeksBack of [2, 1]) {
    for (let minute = FROM - weeksBack * WEEK - 180; minute <= TO - weeksBack * WEEK + 180; minute++) {
      addCalls(keyId, customerId, minute, perMinute);
    }
  }
  for (let minute = FROM - 180; minute <= until; minute++) addCalls(keyId, customerId, minute, perMinute);
}

function newAlerts(): Alerts {
  return createAlerts({
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
}

/** What a person sees of the alerts and what was announced, independent of generated ids. */
async function outcome(): Promise<{ alerts: unknown[]; events: unknown[]; minutes: unknown[] }> {
  const alerts: unknown[] = await handle.dataSource.query(
    `SELECT key_id, network, kind, severity, status, summary, evidence, occurrences, opened_at, last_seen_at,
            condition_cleared_at, resolved_at, resolved_by, resolution_reason
       FROM alerts ORDER BY key_id NULLS LAST, network, kind, opened_at`,
  );
  const events: unknown[] = await handle.dataSource.query(
    `SELECT type, payload->'data'->>'keyId' AS key_id, payload->'data'->>'network' AS network,
            payload->'data'->>'kind' AS kind, payload->'data'->>'severity' AS severity,
            payload->'data'->>'status' AS status, payload->'data'->>'lastSeenAt' AS last_seen_at
       FROM webhook_events ORDER BY 2 NULLS LAST, 3, 4, 7, 1`,
  );
  const minutes: unknown[] = await handle.dataSource.query(
    'SELECT minute, keys, findings FROM alert_evaluations ORDER BY minute',
  );
  return { alerts, events, minutes };
}

beforeAll(async () => {
  env = await openAlertsTestEnvironment('range', () => new Date(nowMs));
  ({ handle, clickhouse, km } = env);
  const customer = (name: string, timezone = 'UTC') =>
    km.customers.create({ name, email: `ops@${name}.example`, timezone, currency: 'EUR' }, ADMIN);
  const acme = (await customer('acme')).id;
  const globex = (await customer('globex', zoneWhereLocalHourIs(FROM + 60, 2))).id;
  const spiky = (await km.apiKeys.create(acme, { name: 'spiky' }, ADMIN)).id;
  const burner = (
    await km.apiKeys.create(
      globex,
      { name: 'burner', quotas: { requestsPerDay: 6_000, creditsPerMonth: null } },
      ADMIN,
    )
  ).id;
  const revoked = (await km.apiKeys.create(globex, { name: 'revoked' }, ADMIN)).id;
  const rotated = (await km.apiKeys.create(globex, { name: 'rotated' }, ADMIN)).id;
  nowMs = (FROM - 30) * MINUTE;
  await km.apiKeys.rotate(rotated, { gracePeriodSeconds: 3_600 }, ADMIN);
  nowMs = (FROM + 90) * MINUTE;
  await km.apiKeys.revoke(revoked, ADMIN);

  usualTraffic(spiky, acme, 3);
  addCalls(spiky, acme, FROM + 40, 150);
  for (let minute = FROM + 100; minute < FROM + 110; minute++) {
    addCalls(spiky, acme, minute, 20, { ip: '198.51.100.9', route: '/v1/orders', country: 'RO' });
  }
  for (let minute = FROM + 150; minute < FROM + 156; minute++) {
    // The upstream answers 503 itself (outcome forwarded), as in an outage behind the gateway.
    addCalls(spiky, acme, minute, 8, { outcome: 'forwarded', status: 503 });
  }
  usualTraffic(burner, globex, 2);
  for (let minute = FROM + 60; minute <= TO; minute++) addCalls(burner, globex, minute, 40);
  for (let minute = FROM + 20; minute < FROM + 25; minute++) {
    addCalls(burner, globex, minute, 30, { outcome: 'rate_limited', status: 429 });
  }
  usualTraffic(revoked, globex, 2, FROM + 89);
  for (let minute = FROM + 90; minute <= TO; minute++) {
    addCalls(revoked, globex, minute, 5, { outcome: 'rejected_auth', status: 401 });
  }
  usualTraffic(rotated, globex, 2, FROM + 29);
  for (let minute = FROM + 30; minute <= TO; minute++) {
    addCalls(rotated, globex, minute, 2);
    addCalls(rotated, globex, minute, 4, { outcome: 'rejected_auth', status: 401, ip: '203.0.113.50' });
  }
  for (let minute = FROM + 130; minute < FROM + 136; minute++) {
    addCalls('', '', minute, 60, { outcome: 'rejected_auth', status: 401, ip: '192.0.2.44' });
  }
  await env.insertRawRows(rows);
}, 120_000);

afterAll(async () => {
  await env?.close();
});

describe('catching up a range of minutes', () => {
  it('gives the alerts, announcements and per-minute counts of evaluating minute after minute', async () => {
    const live = newAlerts();
    for (let minute = FROM; minute <= TO; minute++) {
      nowMs = (minute + 1) * MINUTE + 15_000;
      await live.evaluator.evaluate(minute);
    }
    const minuteByMinute = await outcome();
    const kinds = new Set((minuteByMinute.alerts as { kind: string }[]).map((alert) => alert.kind));
    // Not vacuous: the data raises most kinds, and alerts both open and resolve inside the range.
    expect([...kinds].sort()).toEqual(
      expect.arrayContaining([
        'auth_failure_burst',
        'error_burst',
        'new_source_network',
        'quota_burn',
        'rate_limit_burst',
        'retired_key_use',
        'traffic_spike',
      ]),
    );
    expect(minuteByMinute.alerts).toContainEqual(expect.objectContaining({ status: 'resolved' }));
    expect(minuteByMinute.alerts).toContainEqual(expect.objectContaining({ network: '192.0.2.0/24' }));

    await handle.dataSource.query(
      'TRUNCATE webhook_deliveries, webhook_events, alert_actions, alerts, alert_evaluations CASCADE',
    );
    const caughtUp = newAlerts();
    nowMs = (TO + 1) * MINUTE + 15_000;
    const range = await caughtUp.evaluator.evaluateRange(FROM, TO, { chunkMinutes: 50 });
    expect(range).toMatchObject({ evaluated: TO - FROM + 1, skipped: 0 });
    expect(await outcome()).toEqual(minuteByMinute);

    // Where the schedule resumes after a restart: the newest minute claimed up to the one it asks about.
    expect(await caughtUp.evaluator.latestEvaluatedMinute(TO + 100)).toBe(TO);
    expect(await caughtUp.evaluator.latestEvaluatedMinute(FROM + 9)).toBe(FROM + 9);
    expect(await caughtUp.evaluator.latestEvaluatedMinute(FROM - 1)).toBeNull();

    // A range already evaluated is left alone.
    const again = await caughtUp.evaluator.evaluateRange(FROM, TO, { chunkMinutes: 50 });
    expect(again).toMatchObject({ evaluated: 0, skipped: TO - FROM + 1, opened: 0 });
  }, 600_000);
});
