import { AdminTokenEntity } from './admin-token.entity';
import { ApiKeySecretEntity } from './api-key-secret.entity';
import { ApiKeyEntity } from './api-key.entity';
import { AlertActionEntity } from './alert-action.entity';
import { AlertEvaluationEntity } from './alert-evaluation.entity';
import { AlertPolicyEntity } from './alert-policy.entity';
import { AlertEntity } from './alert.entity';
import { AuditLogEntity } from './audit-log.entity';
import { CustomerEntity } from './customer.entity';
import { IngestTokenSecretEntity } from './ingest-token-secret.entity';
import { IngestTokenEntity } from './ingest-token.entity';
import { OutboxEntity } from './outbox.entity';
import { PortalLinkEntity } from './portal-link.entity';
import { InvoiceAdjustmentEntity } from './invoice-adjustment.entity';
import { InvoiceEntity } from './invoice.entity';
import { PlanMeterPriceEntity } from './plan-meter-price.entity';
import { PlanPriceTierEntity } from './plan-price-tier.entity';
import { PlanEntity } from './plan.entity';
import { SubscriptionEntity } from './subscription.entity';
import { WebhookDeliveryAttemptEntity } from './webhook-delivery-attempt.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';
import { WebhookEventEntity } from './webhook-event.entity';

export { CustomerEntity };
export { AlertActionEntity, AlertEntity, AlertEvaluationEntity, AlertPolicyEntity };
export {
  AdminTokenEntity,
  ApiKeyEntity,
  ApiKeySecretEntity,
  AuditLogEntity,
  IngestTokenEntity,
  IngestTokenSecretEntity,
  OutboxEntity,
  PortalLinkEntity,
};
export {
  InvoiceAdjustmentEntity,
  InvoiceEntity,
  PlanEntity,
  PlanMeterPriceEntity,
  PlanPriceTierEntity,
  SubscriptionEntity,
};
export { WebhookDeliveryAttemptEntity, WebhookDeliveryEntity, WebhookEndpointEntity, WebhookEventEntity };

/** Every entity of the billing schema. Add new entities here. */
export const allEntities = [
  CustomerEntity,
  ApiKeyEntity,
  ApiKeySecretEntity,
  IngestTokenEntity,
  IngestTokenSecretEntity,
  AdminTokenEntity,
  AuditLogEntity,
  OutboxEntity,
  PlanEntity,
  PlanMeterPriceEntity,
  PlanPriceTierEntity,
  SubscriptionEntity,
  InvoiceEntity,
  InvoiceAdjustmentEntity,
  WebhookEndpointEntity,
  WebhookEventEntity,
  WebhookDeliveryEntity,
  WebhookDeliveryAttemptEntity,
  AlertEntity,
  AlertPolicyEntity,
  AlertActionEntity,
  AlertEvaluationEntity,
  PortalLinkEntity,
] as const;
