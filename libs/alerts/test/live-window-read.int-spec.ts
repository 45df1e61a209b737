import type { ClickHouseHandle } from '@keymeter/clickhouse';
import type { UsageOutcome } from '@keymeter/contracts';
import type { DatabaseHandle } from '@keymeter/database';
import type { RawEventRow } from '@keymeter/ingestion';
import type { AuditActor, KeyManagement } from '@keymeter/keys';
import { ClickHouseKeyTrafficSource, createAlerts, type KeyTrafficSource } from '@keymeter/alerts';
import { pushCalls } from './raw-call-rows';
import { openAlertsTestEnvironment, type AlertsTestEnvironment } from './alerts-test-environment';

/**
 * The live path reads the look-back's older minutes with their calls only (`activeKeys` with `countsFrom`).
 * The folds of a baseline need every counter of the minutes they add, so when the evaluator skipped half an hour
 * or more while it kept its baselines, it reads those minutes again in full. This evaluates the same minutes,
 * with two such gaps holding 429s, 5xx and 401s, once with full reads of the whole look-back (what the evaluator
 * read before) and once as it reads now: the same alerts, evidence and announcements.
 */
const ADMIN: AuditActor = { type: 'admin_token', id: '00000000-0000-4000-8000-000000000001', label: 'ops' };
const MINUTE = 60_000;
const WEEK = 7 * 1440;
/** The first evaluated minute: five hours ago (the evaluator's activity table keeps two days). */
const FROM = Math.floor(Date.now() / MINUTE) - 300;
/** Evaluated minute by minute, with two gaps: FROM + 21 … FROM + 69 and FROM + 101 … FROM + 178. */
const EVALUATED = [
  ...Array.from({ length: 21 }, (_, index) => FROM + index),
  ...Array.from({ length: 31 }, (_, index) => FROM + 70 + index),
  ...Array.from({ length: 12 }, (_, index) => FROM + 179 + index),
];
const LAST = FROM + 190;
const AUTO_RESOLVE_MINUTES = 5;

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
  outcome: UsageOutcome = 'forwarded',
  status = 200,
): void {
  pushCalls(rows, 'window', { keyId, customerId, minute, count }, { outcome, status });
}

/** 429s, upstream 503s and 401s on top of the usual calls: what the background rates fold. */
function failures(keyId: string, customerId: string, from: number, to: number): void {
  for (let minute = from; minute <= to; minute++) {
    addCalls(keyId, customerId, minute, 8, 'rate_limited', 429);
    addCalls(keyId, customerId, minute, 3, 'forwarded', 503);
    addCalls(keyId, customerId, minute, 4, 'rejected_auth', 401);
  }
}

/**
 * The ClickHouse source, recording each `activeKeys` read; `full` drops `countsFrom`, so every minute of the
 * look-back comes with all its counts.
 */
function recorded(full: boolean, reads: [number, number, number | undefined][]): KeyTrafficSource {
  const source = new ClickHouseKeyTrafficSource(clickhouse);
  return {
    activeKeys: (from, to, countsFrom) => {
      reads.push([from, to, countsFrom]);
      return source.activeKeys(from, to, full ? undefined : countsFrom);
    },
    minuteSources: (minute) => source.minuteSources(minute),
    history: (keys, from, to) => source.history(keys, from, to),
    quotaUse: (keys, through) => source.quotaUse(keys, through),
    authFailuresByIp: (minute) => source.authFailuresByIp(minute),
    sourcesOverRange: (from, to) => source.sourcesOverRange(from, to),
    authFailuresOverRange: (from, to) => source.authFailuresOverRange(from, to),
    sourceHistory: (keys, from, to) => source.sourceHistory(keys, from, to),
  };
}

/** Evaluates the minutes of `EVALUATED` one by one on a fresh evaluator (fresh baselines). */
async function evaluateAll(traffic: KeyTrafficSource): Promise<void> {
  const alerts = createAlerts({
    dataSource: handle.dataSource,
    traffic,
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
  for (const minute of EVALUATED) {
    nowMs = (minute + 1) * MINUTE + 15_000;
    expect(await alerts.evaluator.evaluate(minute)).toMatchObject({ evaluated: true });
  }
}

/** What a person sees of the alerts and what was announced, independent of generated ids. */
async function outcome(): Promise<{ alerts: unknown[]; events: unknown[]; minutes: unknown[] }> {
  const alerts: unknown[] = await handle.dataSource.query(
    `SELECT key_id, kind, severity, status, summary, evidence, occurrences, opened_at, last_seen_at,
            condition_cleared_at, resolved_at, resolution_reason
       FROM alerts ORDER BY key_id, kind, opened_at`,
  );
  const events: unknown[] = await handle.dataSource.query(
    `SELECT type, payload->'data'->>'keyId' AS key_id, payload->'data'->>'kind' AS kind,
            payload->'data'->>'severity' AS severity, payload->'data'->>'status' AS status,
            payload->'data'->>'lastSeenAt' AS last_seen_at
       FROM webhook_events ORDER BY 2, 3, 6, 1`,
  );
  const minutes: unknown[] = await handle.dataSource.query(
    'SELECT minute, keys, findings FROM alert_evaluations ORDER BY minute',
  );
  return { alerts, events, minutes };
}

beforeAll(async () => {
  env = await openAlertsTestEnvironment('window', () => new Date(nowMs));
  ({ handle, clickhouse, km } = env);
  const acme = (
    await km.customers.create(
      { name: 'acme', email: 'ops@acme.example', timezone: 'UTC', currency: 'EUR' },
      ADMIN,
    )
  ).id;
  const flaky = (await km.apiKeys.create(acme, { name: 'flaky' }, ADMIN)).id;
  const steady = (await km.apiKeys.create(acme, { name: 'steady' }, ADMIN)).id;

  for (const [keyId, perMinute] of [
    [flaky, 6],
    [steady, 4],
  ] as const) {
    for (const weeksBack of [2, 1]) {
      for (let minute = FROM - weeksBack * WEEK - 180; minute <= LAST - weeksBack * WEEK + 180; minute++) {
        addCalls(keyId, acme, minute, perMinute);
      }
    }
    for (let minute = FROM - 180; minute <= LAST; minute++) addCalls(keyId, acme, minute, perMinute);
  }
  // In both gaps, in the minutes the live read returns with their calls only.
  failures(flaky, acme, FROM + 22, FROM + 39);
  failures(flaky, acme, FROM + 105, FROM + 140);
  // After each gap, bursts judged against the background those minutes fold into.
  for (const minute of [FROM + 75, FROM + 183]) {
    addCalls(flaky, acme, minute, 40, 'rate_limited', 429);
    addCalls(flaky, acme, minute + 3, 25, 'rejected_auth', 401);
    addCalls(flaky, acme, minute + 6, 12, 'forwarded', 503);
  }
  await env.insertRawRows(rows);
}, 120_000);

afterAll(async () => {
  await env?.close();
});

describe('the live look-back read with calls only for its older minutes', () => {
  it('gives the alerts of reading every minute in full, also after minutes the evaluator skipped', async () => {
    const fullReads: [number, number, number | undefined][] = [];
    await evaluateAll(recorded(true, fullReads));
    const full = await outcome();
    // Not vacuous: bursts after both gaps, whose evidence holds the background the skipped minutes folded
    // (an alert opens at the end of the minute that raised it).
    const found = (full.alerts as { kind: string; opened_at: Date }[]).map((alert) => [
      alert.kind,
      alert.opened_at.getTime() / MINUTE - 1 - FROM,
    ]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['rate_limit_burst', 75],
        ['auth_failure_burst', 78],
        ['error_burst', 81],
        ['rate_limit_burst', 183],
        ['auth_failure_burst', 186],
        ['error_burst', 189],
      ]),
    );

    await handle.dataSource.query(
      'TRUNCATE webhook_deliveries, webhook_events, alert_actions, alerts, alert_evaluations CASCADE',
    );
    const reads: [number, number, number | undefined][] = [];
    await evaluateAll(recorded(false, reads));
    expect(await outcome()).toEqual(full);

    // Every minute read its older minutes with calls only; the minute after each gap read again in full the
    // minutes its folds needed (from the baseline's last minute + 1 to the minute before `countsFrom`).
    const live = reads.filter(([, , countsFrom]) => countsFrom !== undefined);
    expect(live).toHaveLength(EVALUATED.length);
    for (const [from, to, countsFrom] of live) {
      expect([to - from + 1, to - countsFrom! + 1]).toEqual([150, 30]);
    }
    expect(reads.filter(([, , countsFrom]) => countsFrom === undefined)).toEqual([
      [FROM + 21, FROM + 40, undefined],
      [FROM + 101, FROM + 149, undefined],
    ]);
  }, 600_000);
});
