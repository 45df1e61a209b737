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
