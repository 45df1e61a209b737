import type { RawEventRow } from '@keymeter/ingestion';

export const BATCH_EVENTS = 300;
/** Every tenth event is a failed login (the auth-failure table counts those). */
export const FAILED_LOGIN_EVERY = 10;
const DAY_MS = 86_400_000;

/**
 * Batch `batch` of the writer: events on today and tomorrow (UTC), so every batch has two days and, at a month's
 * end, two months; within the evaluator tables' two days.
 */
export function batchRows(batch: number, today = Math.floor(Date.now() / DAY_MS)): RawEventRow[] {
  return Array.from({ length: BATCH_EVENTS }, (_, index): RawEventRow => {
    const n = batch * BATCH_EVENTS + index;
    const at = new Date((today + (n % 2)) * DAY_MS + (n % 600) * 1000).toISOString();
    const failedLogin = n % FAILED_LOGIN_EVERY === 0;
    return {
      event_id: `01KM${String(n).padStart(22, '0')}`,
      occurred_at: `${at.slice(0, 10)} ${at.slice(11, 23)}`,
      gateway_id: 'gw-1',
      key_id: `key_${n % 7}`,
      customer_id: `cus_${n % 3}`,
      method: 'GET',
      route: `/v1/r${n % 4}`,
      status: failedLogin ? 401 : 200,
      latency_ms: 5,
      request_bytes: 10,
      response_bytes: 20,
      units: '1',
      client_ip: `10.0.0.${n % 9}`,
      user_agent: 'landing-kill',
      outcome: failedLogin ? 'rejected_auth' : 'forwarded',
      billable: failedLogin ? 0 : 1,
      late: 0,
      source_topic: 'usage-events',
      source_partition: 0,
      source_offset: String(n),
      country: 'DE',
    };
  });
}
