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
  grace_ends: (Date | string)[] | null;
  time_zone: string;
  quota_requests_per_day: string | null;
  quota_credits_per_month: string | null;
}

/** A key's facts whatever the time, with the ends of its secrets' grace periods (epoch ms, ascending). */
export interface KeyFactTimeline {
  readonly facts: KeyFacts;
  readonly graceEndsMs: readonly number[];
}

/**
 * Facts of many keys in one query, for any time: `factsAsOf` gives them as of a moment. Keys unknown to
 * Postgres (events of an external gateway with a key id nobody issued) are absent: alerts belong to issued
 * keys.
 */
export async function readKeyFactTimelines(
  dataSource: DataSource,
  keyIds: readonly string[],
): Promise<Map<string, KeyFactTimeline>> {
  const ids = keyIds.filter((id) => UUID.test(id));
  const out = new Map<string, KeyFactTimeline>();
  if (ids.length === 0) return out;
  const rows: FactRow[] = await dataSource.query(
    `SELECT k.id, k.customer_id, k.revoked_at, c.timezone AS time_zone,
            k.quota_requests_per_day, k.quota_credits_per_month,
            (SELECT array_agg(s.valid_until ORDER BY s.valid_until) FROM api_key_secrets s
              WHERE s.key_id = k.id AND s.valid_until IS NOT NULL) AS grace_ends
       FROM api_keys k JOIN customers c ON c.id = k.customer_id
      WHERE k.id = ANY($1::uuid[])`,
    [ids],
  );
  for (const row of rows) {
    out.set(row.id, {
      facts: {
        customerId: row.customer_id,
        lifecycle: {
          revokedAtMs: row.revoked_at === null ? null : new Date(row.revoked_at).getTime(),
          rotationGraceEndedAtMs: null,
        },
        timeZone: row.time_zone,
        quotas: {
          requestsPerDay: row.quota_requests_per_day === null ? null : Number(row.quota_requests_per_day),
          // Detectors project, they never bill: a number is precise enough here.
          creditsPerMonth: row.quota_credits_per_month === null ? null : Number(row.quota_credits_per_month),
        },
      },
      graceEndsMs: (row.grace_ends ?? []).map((end) => new Date(end).getTime()),
    });
  }
  return out;
}

/** The keys' facts as of `nowMs`: `rotationGraceEndedAtMs` is the latest end of a grace period up to then. */
export function factsAsOf(
  timelines: ReadonlyMap<string, KeyFactTimeline>,
  nowMs: number,
): Map<string, KeyFacts> {
  const out = new Map<string, KeyFacts>();
  for (const [keyId, { facts, graceEndsMs }] of timelines) {
    let ended: number | null = null;
    for (const end of graceEndsMs) if (end <= nowMs) ended = end;
    out.set(
      keyId,
      ended === facts.lifecycle.rotationGraceEndedAtMs
        ? facts
        : { ...facts, lifecycle: { ...facts.lifecycle, rotationGraceEndedAtMs: ended } },
    );
  }
  return out;
}

/** Facts of many keys as of `now`, in one query (see `readKeyFactTimelines`). */
export async function readKeyFacts(
  dataSource: DataSource,
  keyIds: readonly string[],
  now: Date,
): Promise<Map<string, KeyFacts>> {
  return factsAsOf(await readKeyFactTimelines(dataSource, keyIds), now.getTime());
}
