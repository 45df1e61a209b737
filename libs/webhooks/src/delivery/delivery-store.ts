import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { WebhookDeliveryAttemptEntity } from '@keymeter/database';

/** A delivery a worker holds the claim of, with what it needs to send it. */
export interface ClaimedDelivery {
  readonly deliveryId: string;
  readonly claimId: string;
  readonly eventId: string;
  readonly payload: Record<string, unknown>;
  readonly endpointId: string;
  readonly url: string;
  /** The current secret, then the previous one while its grace period lasts. */
  readonly secrets: readonly string[];
  /** Attempts made before this one. */
  readonly attemptsMade: number;
  readonly firstAttemptAt: Date | null;
}

export interface AttemptRecord {
  readonly attemptedAt: Date;
  readonly durationMs: number;
  readonly responseStatus: number | null;
  readonly error: string | null;
  readonly succeeded: boolean;
  /** When to try again; null with `succeeded: false` means failed for good. */
  readonly retryAt: Date | null;
}

const MAX_ERROR_LENGTH = 500;

interface ClaimRow {
  id: string;
  event_id: string;
  endpoint_id: string;
  attempts: number;
  first_attempt_at: Date | null;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  payload: Record<string, unknown>;
}

/**
 * Claims and settles deliveries. A claim moves `next_attempt_at` to the end of a lease (longer than a
 * request can take) and sets a fresh `claim_id`, in one statement over rows locked `FOR UPDATE SKIP
 * LOCKED`: two workers (two billing instances) never claim the same delivery, and no transaction stays
 * open while the request is in flight. A worker that dies mid-send leaves the delivery to be claimed
 * again when the lease ends (same `webhook-id`; receivers deduplicate).
 */
export class DeliveryStore {
  constructor(private readonly dataSource: DataSource) {}

  async claimDue(now: Date, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const claimId = randomUUID();
    const rows = await this.dataSource.query<ClaimRow[]>(
      `WITH due AS (
         SELECT d.id FROM webhook_deliveries d
         JOIN webhook_endpoints e ON e.id = d.endpoint_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND e.enabled
         ORDER BY d.next_attempt_at
         LIMIT $2
         FOR UPDATE OF d SKIP LOCKED
       ), claimed AS (
         UPDATE webhook_deliveries d SET next_attempt_at = $3, claim_id = $4
         FROM due WHERE d.id = due.id
         RETURNING d.id, d.event_id, d.endpoint_id, d.attempts, d.first_attempt_at
       )
       SELECT c.*, e.url, e.secret, e.previous_secret, e.previous_secret_expires_at, ev.payload
       FROM claimed c
       JOIN webhook_endpoints e ON e.id = c.endpoint_id
       JOIN webhook_events ev ON ev.id = c.event_id`,
      [now, limit, new Date(now.getTime() + leaseMs), claimId],
    );
    return rows.map((row) => ({
      deliveryId: row.id,
      claimId,
      eventId: row.event_id,
      payload: row.payload,
      endpointId: row.endpoint_id,
      url: row.url,
      secrets:
        row.previous_secret !== null &&
        row.previous_secret_expires_at !== null &&
        row.previous_secret_expires_at > now
          ? [row.secret, row.previous_secret]
          : [row.secret],
      attemptsMade: row.attempts,
      firstAttemptAt: row.first_attempt_at,
    }));
  }

  /** Records the attempt and the delivery's new state; false when the claim was lost (nothing written). */
  async settle(claim: ClaimedDelivery, attempt: AttemptRecord): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const status = attempt.succeeded ? 'succeeded' : attempt.retryAt === null ? 'failed' : 'pending';
      const updated = await manager.query<[Array<{ attempts: number }>, number]>(
        `UPDATE webhook_deliveries
         SET status = $3, attempts = attempts + 1, next_attempt_at = $4, claim_id = NULL,
             first_attempt_at = COALESCE(first_attempt_at, $5), last_attempt_at = $5, updated_at = now()
         WHERE id = $1 AND claim_id = $2
         RETURNING attempts`,
        [
          claim.deliveryId,
          claim.claimId,
          status,
          status === 'pending' ? attempt.retryAt : null,
          attempt.attemptedAt,
        ],
      );
      const row = updated[0][0];
      if (row === undefined) return false;
      await manager.insert(WebhookDeliveryAttemptEntity, {
        deliveryId: claim.deliveryId,
        attemptNumber: row.attempts,
        attemptedAt: attempt.attemptedAt,
        responseStatus: attempt.responseStatus,
        durationMs: Math.max(0, Math.round(attempt.durationMs)),
        error: attempt.error === null ? null : attempt.error.slice(0, MAX_ERROR_LENGTH),
      });
      return true;
    });
  }
}
