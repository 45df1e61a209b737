import type {
  WebhookDeliveryAttemptEntity,
  WebhookDeliveryEntity,
  WebhookEndpointEntity,
} from '@keymeter/database';

/** An endpoint as the API shows it: never its secrets. */
export interface WebhookEndpointView {
  readonly id: string;
  readonly customerId: string | null;
  readonly url: string;
  readonly description: string;
  readonly eventTypes: string[];
  readonly enabled: boolean;
  /** Until when the rotated-out secret still signs; null when no rotation is in its grace period. */
  readonly previousSecretExpiresAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Returned once, on create and on rotation. */
export interface WebhookEndpointWithSecret extends WebhookEndpointView {
  readonly secret: string;
}

export interface WebhookAttemptView {
  readonly attemptNumber: number;
  readonly attemptedAt: string;
  readonly responseStatus: number | null;
  readonly durationMs: number;
  readonly error: string | null;
}

export interface WebhookDeliveryView {
  readonly id: string;
  readonly endpointId: string;
  /** The `webhook-id` header, the same on every attempt. */
  readonly eventId: string;
  readonly eventType: string;
  readonly status: string;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastAttemptAt: string | null;
  readonly createdAt: string;
  readonly attemptLog: WebhookAttemptView[];
}

export function toEndpointView(endpoint: WebhookEndpointEntity, now: Date): WebhookEndpointView {
  const expires = endpoint.previousSecretExpiresAt;
  return {
    id: endpoint.id,
    customerId: endpoint.customerId,
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: endpoint.eventTypes,
    enabled: endpoint.enabled,
    previousSecretExpiresAt: expires !== null && expires > now ? expires.toISOString() : null,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}

export function toDeliveryView(
  delivery: WebhookDeliveryEntity,
  eventType: string,
  attempts: readonly WebhookDeliveryAttemptEntity[],
): WebhookDeliveryView {
  return {
    id: delivery.id,
    endpointId: delivery.endpointId,
    eventId: delivery.eventId,
    eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    nextAttemptAt: delivery.status === 'pending' ? (delivery.nextAttemptAt?.toISOString() ?? null) : null,
    lastAttemptAt: delivery.lastAttemptAt?.toISOString() ?? null,
    createdAt: delivery.createdAt.toISOString(),
    attemptLog: [...attempts]
      .sort((a, b) => a.attemptNumber - b.attemptNumber)
      .map((a) => ({
        attemptNumber: a.attemptNumber,
        attemptedAt: a.attemptedAt.toISOString(),
        responseStatus: a.responseStatus,
        durationMs: a.durationMs,
        error: a.error,
      })),
  };
}
