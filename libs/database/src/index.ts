export type {
  DatabaseAdapter,
  DatabaseHandle,
  DatabaseHealth,
  EntityClass,
  MigrationClass,
  OpenDatabaseOptions,
} from './database-handle';
export { openDatabase, MIGRATIONS_TABLE } from './open-database';
export { runDatabaseMigrations } from './run-migrations';
export { allEntities, CustomerEntity } from './entities';
export { AlertActionEntity, AlertEntity, AlertEvaluationEntity, AlertPolicyEntity } from './entities';
export {
  AdminTokenEntity,
  ApiKeyEntity,
  ApiKeySecretEntity,
  AuditLogEntity,
  IngestTokenEntity,
  IngestTokenSecretEntity,
  OutboxEntity,
  PortalLinkEntity,
} from './entities';
export {
  InvoiceAdjustmentEntity,
  InvoiceEntity,
  PlanEntity,
  PlanMeterPriceEntity,
  PlanPriceTierEntity,
  SubscriptionEntity,
} from './entities';
export {
  WebhookDeliveryAttemptEntity,
  WebhookDeliveryEntity,
  WebhookEndpointEntity,
  WebhookEventEntity,
} from './entities';
export { allMigrations } from './migrations';
