import type { EntityManager } from 'typeorm';
import { WebhookDeliveryEntity, WebhookEndpointEntity, WebhookEventEntity } from '@keymeter/database';
import { isEventType, matchesEventTypes } from './event-types';
import { newMessageId } from './message-id';
import { buildWebhookPayload } from './webhook-payload';

export interface WebhookEventInput {
  /** e.g. `alert.opened`; dot-separated lower-case words. */
  readonly type: string;
  /** The customer the event concerns (its endpoints and global ones receive it); null: global only. */
  readonly customerId: string | null;
  /** JSON-serialisable; never a secret. */
  readonly data: Record<string, unknown>;
  /** Defaults to now. */
  readonly occurredAt?: Date;
}

/**
 * Records a webhook event in the caller's transaction and one pending delivery for each enabled
 * endpoint that should receive it: the customer's endpoints and the global ones (customer_id null),
 * each filtered by its event types. Nothing is sent here: the delivery worker sends after commit, so a
 * rolled-back change announces nothing. Returns the event id (the `webhook-id` header).
 */
export async function enqueueWebhookEvent(
  manager: EntityManager,
  input: WebhookEventInput,
): Promise<{ eventId: string }> {
  if (!isEventType(input.type)) {
    throw new Error(`webhook event type "${input.type}" is not dot-separated lower-case words`);
  }
  const endpoints = await manager
    .createQueryBuilder(WebhookEndpointEntity, 'e')
    .where('e.enabled = true')
    .andWhere(
      input.customerId === null
        ? 'e.customer_id IS NULL'
        : '(e.customer_id IS NULL OR e.customer_id = :customerId)',
      {
        customerId: input.customerId,
      },
    )
    .getMany();
  const receiving = endpoints.filter((endpoint) => matchesEventTypes(endpoint.eventTypes, input.type));
  return recordWebhookEvent(
    manager,
    input,
    receiving.map((endpoint) => endpoint.id),
  );
}

/** Records the event and a pending delivery to each of the given endpoints (all, whatever their filter). */
export async function recordWebhookEvent(
  manager: EntityManager,
  input: WebhookEventInput,
  endpointIds: readonly string[],
  now: Date = new Date(),
): Promise<{ eventId: string }> {
  const occurredAt = input.occurredAt ?? now;
  const eventId = newMessageId(now);
  await manager.insert(WebhookEventEntity, {
    id: eventId,
    type: input.type,
    customerId: input.customerId,
    payload: { ...buildWebhookPayload(input.type, occurredAt, input.data) },
  });
  if (endpointIds.length > 0) {
    await manager.insert(
      WebhookDeliveryEntity,
      endpointIds.map((endpointId) => ({ eventId, endpointId, status: 'pending', nextAttemptAt: now })),
    );
  }
  return { eventId };
}
