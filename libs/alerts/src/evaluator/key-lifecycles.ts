import type { DataSource } from 'typeorm';
import type { KeyLifecycle } from '@keymeter/domain';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What Postgres knows about a key the detectors need: whose it is, and whether it was retired. */
export interface KeyFacts {
  readonly customerId: string;
  readonly lifecycle: KeyLifecycle;
  /** The customer's IANA zone: quota days and months are its calendar's. */
  readonly timeZone: string;
  readonly quotas: { readonly requestsPerDay: number | null; readonly creditsPerMonth: number | null };
}

interface FactRow {
  id: string;
  customer_id: string;
  revoked_at: Date | null;
  grace_ended_at: Date | null;
  time_zone: string;
  quota_requests_per_day: string | null;
  quota_credits_per_month: string | null;
}

/**
 * Facts of many keys in one query. Keys unknown to Postgres (events of an external gateway with a key id
 * nobody issued) are absent: alerts belong to issued keys. `rotationGraceEndedAtMs` is the latest end of a
 * rotated-out secret's grace before `now`.
 */
export async function readKeyFacts(
  dataSource: DataSource,
  keyIds: readonly string[],
  now: Date,
): Promise<Map<string, KeyFacts>> {
  const ids = keyIds.filter((id) => UUID.test(id));
  const out = new Map<string, KeyFacts>();
  if (ids.length === 0) return out;
  const rows: FactRow[] = await dataSource.query(
    `SELECT k.id, k.customer_id, k.revoked_at, c.timezone AS time_zone,
            k.quota_requests_per_day, k.quota_credits_per_month,
            (SELECT max(s.valid_until) FROM api_key_secrets s
              WHERE s.key_id = k.id AND s.valid_until IS NOT NULL AND s.valid_until <= $2) AS grace_ended_at
       FROM api_keys k JOIN customers c ON c.id = k.customer_id
      WHERE k.id = ANY($1::uuid[])`,
    [ids, now],
  );
  for (const row of rows) {
    out.set(row.id, {
      customerId: row.customer_id,
      lifecycle: {
        revokedAtMs: row.revoked_at === null ? null : new Date(row.revoked_at).getTime(),
        rotationGraceEndedAtMs: row.grace_ended_at === null ? null : new Date(row.grace_ended_at).getTime(),
      },
      timeZone: row.time_zone,
      quotas: {
        requestsPerDay: row.quota_requests_per_day === null ? null : Number(row.quota_requests_per_day),
        // Detectors project, they never bill: a number is precise enough here.
        creditsPerMonth: row.quota_credits_per_month === null ? null : Number(row.quota_credits_per_month),
      },
    });
  }
  return out;
}
