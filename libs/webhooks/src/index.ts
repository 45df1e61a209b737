export { enqueueWebhookEvent, recordWebhookEvent, type WebhookEventInput } from './enqueue-webhook-event';
export {
  isEventType,
  isEventTypeFilter,
  matchesEventTypes,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_TEST_EVENT_TYPE,
} from './event-types';
export { newMessageId } from './message-id';
export { buildWebhookPayload, type WebhookPayload } from './webhook-payload';
export { signWebhook, webhookHeaders, type WebhookHeaders } from './signing/sign-webhook';
export { generateWebhookSecret, webhookSecretKey, WEBHOOK_SECRET_PREFIX } from './signing/webhook-secret';
export {
  DeliveryWorker,
  type DeliveryWorkerOptions,
  type WebhookClock,
  type WebhookWorkerLogger,
} from './delivery/delivery-worker';
export { DeliveryStore, type AttemptRecord, type ClaimedDelivery } from './delivery/delivery-store';
export {
  DEFAULT_RETRY_SCHEDULE,
  nextAttemptAt,
  type RandomSource,
  type RetrySchedule,
} from './delivery/retry-schedule';
export { createFetchWebhookSender, type SendOutcome, type WebhookSender } from './delivery/webhook-sender';
export { WebhookEndpointService } from './endpoints/webhook-endpoint.service';
export {
  DEFAULT_SECRET_GRACE_SECONDS,
  MAX_SECRET_GRACE_SECONDS,
  parseEndpointChanges,
  parseNewEndpoint,
  parseSecretRotation,
  type EndpointChanges,
  type NewEndpoint,
} from './endpoints/endpoint-input';
export {
  toDeliveryView,
  toEndpointView,
  type WebhookAttemptView,
  type WebhookDeliveryView,
  type WebhookEndpointView,
  type WebhookEndpointWithSecret,
} from './endpoints/webhook.views';
export { createWebhooks, type Webhooks } from './create-webhooks';
