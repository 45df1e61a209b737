import { randomBytes } from 'node:crypto';
import { isBillable, newEventId, type UsageEventV1, type UsageOutcome } from '@keymeter/contracts';
import { toRawEventRow, type RawEventRow } from '@keymeter/ingestion';

const MINUTE = 60_000;

/** What sets a test call apart from the default (forwarded, 200, one network, one route, one country). */
export interface TestCall {
  readonly outcome?: UsageOutcome;
  readonly status?: number;
  readonly ip?: string;
  readonly route?: string;
  readonly country?: string;
}

/**
 * Appends `count` calls of a key spread over one minute to `rows`, as the ingestor would store them (offsets
 * continue the rows'), for the alerts' integration tests to insert into `usage_events_raw`.
 */
export function pushCalls(
  rows: RawEventRow[],
  source: string,
  at: {
    readonly keyId: string;
    readonly customerId: string;
    readonly minute: number;
    readonly count: number;
  },
  call: TestCall = {},
): void {
  const { keyId, customerId, minute, count } = at;
  const outcome = call.outcome ?? 'forwarded';
  const status = call.status ?? 200;
  for (let index = 0; index < count; index++) {
    const occurredMs = minute * MINUTE + Math.floor((index * MINUTE) / Math.max(count, 1));
    const event: UsageEventV1 = {
      v: 1,
      id: newEventId(occurredMs, (n) => randomBytes(n)),
      occurredAt: new Date(occurredMs).toISOString(),
      gatewayId: `gw-${source}-test`,
      keyId,
      customerId,
      method: 'GET',
      route: call.route ?? '/v1/quotes/:symbol',
      status,
      latencyMs: 5,
      requestBytes: 100,
      responseBytes: 500,
      units: isBillable(outcome, status) ? '1' : '0',
      clientIp: call.ip ?? '203.0.113.7',
      userAgent: `${source}-test/1.0`,
      outcome,
      billable: isBillable(outcome, status),
      country: call.country ?? 'US',
    };
    rows.push(
      toRawEventRow(
        event,
        { topic: 'usage-events', partition: 0, offset: String(rows.length), timestamp: occurredMs },
        3_600_000,
      ),
    );
  }
}
