export { createKeyManagement, type KeyManagement, type KeyManagementOptions } from './key-management';
export { systemClock, type Clock } from './clock';
export { NO_LAST_USED_AT, type LastUsedAtSource } from './last-used';
export {
  CustomerService,
  parseNewCustomer,
  toCustomerView,
  type CustomerView,
  type NewCustomer,
} from './customers/customer.service';
export {
  ApiKeyService,
  type ApiKeyServiceDeps,
  type KeyProtectionChange,
  type KeyProtectionState,
} from './api-keys/api-key.service';
export {
  DEFAULT_KEY_SCOPES,
  DEFAULT_ROTATION_GRACE_SECONDS,
  MAX_ROTATION_GRACE_SECONDS,
  parseApiKeyChanges,
  parseNewApiKey,
  parseRotation,
  type ApiKeyChanges,
  type NewApiKey,
} from './api-keys/api-key-input';
export {
  toApiKeyView,
  type ApiKeyStatusView,
  type ApiKeyView,
  type ApiKeyWithSecret,
} from './api-keys/api-key.views';
export {
  IngestTokenService,
  type IngestTokenView,
  type IngestTokenWithSecret,
} from './ingest-tokens/ingest-token.service';
export {
  AdminTokenService,
  adminActor,
  CONFIGURED_ADMIN_TOKEN_LABEL,
  GENERATED_ADMIN_TOKEN_LABEL,
  type AdminIdentity,
  type AdminTokenBootstrap,
} from './auth/admin-tokens';
export {
  CustomerKeyAuthenticator,
  type AuthenticatedCustomer,
  type CustomerKeyAuthentication,
  type CustomerKeyRejection,
} from './auth/customer-key-authenticator';
export {
  looksLikePortalToken,
  PortalLinkService,
  type PortalLinkAuthentication,
  type PortalLinkRejection,
  type PortalLinkView,
  type PortalLinkWithToken,
} from './portal-links/portal-link.service';
export {
  DEFAULT_PORTAL_LINK_TTL_SECONDS,
  MAX_PORTAL_LINK_TTL_SECONDS,
  MIN_PORTAL_LINK_TTL_SECONDS,
  parsePortalLinkRequest,
} from './portal-links/portal-link-input';
export {
  writeAuditEntry,
  type AuditAction,
  type AuditActor,
  type AuditEntryView,
  type AuditSubjectType,
} from './audit/audit-log';
export { AUDIT_SUBJECT_TYPES, AuditLogService } from './audit/audit-log.service';
export {
  OutboxPublisher,
  type OutboxPublisherOptions,
  type OutboxPublisherLogger,
} from './registry/outbox-publisher';
export { RegistryOutbox } from './registry/registry-outbox';
export {
  ROTATED_SECRET_RETENTION_MS,
  apiKeySnapshot,
  ingestTokenSnapshot,
  registrySecrets,
} from './registry/snapshots';
export {
  TOKEN_SCAN_PATTERN,
  generateToken,
  parseToken,
  tokenDisplayPrefix,
  type GeneratedToken,
  type ParsedToken,
  type TokenKind,
} from '@keymeter/domain';
