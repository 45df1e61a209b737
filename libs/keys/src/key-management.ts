import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { RandomBytes } from '@keymeter/domain';
import type { EventLog } from '@keymeter/event-log';
import { ApiKeyService } from './api-keys/api-key.service';
import { AuditLogService } from './audit/audit-log.service';
import { AdminTokenService, type AdminTokenBootstrap } from './auth/admin-tokens';
import { CustomerKeyAuthenticator } from './auth/customer-key-authenticator';
import { systemClock, type Clock } from './clock';
import { CustomerService } from './customers/customer.service';
import { IngestTokenService } from './ingest-tokens/ingest-token.service';
import { NO_LAST_USED_AT, type LastUsedAtSource } from './last-used';
import { PortalLinkService } from './portal-links/portal-link.service';
import { OutboxPublisher, type OutboxPublisherLogger } from './registry/outbox-publisher';
import { RegistryOutbox } from './registry/registry-outbox';

export interface KeyManagementOptions {
  readonly dataSource: DataSource;
  readonly eventLog: EventLog;
  /** The compacted key registry topic (config.topics.keyRegistry.name). */
  readonly registryTopic: string;
  /** ADMIN_TOKEN (config.adminToken). */
  readonly adminToken?: string;
  /** Receives a generated admin token once; default prints `admin token (shown once): …` to stdout. */
  readonly showAdminTokenOnce?: (plaintext: string) => void;
  readonly logger?: OutboxPublisherLogger;
  readonly clock?: Clock;
  readonly randomBytes?: RandomBytes;
  /** Source of keys' `lastUsedAt`; default: none (null). */
  readonly lastUsedAt?: LastUsedAtSource;
  /** Publisher fallback poll interval; default 500 ms. */
  readonly publisherPollIntervalMs?: number;
}

export interface KeyManagement {
  readonly customers: CustomerService;
  readonly apiKeys: ApiKeyService;
  readonly ingestTokens: IngestTokenService;
  readonly adminTokens: AdminTokenService;
  readonly customerKeys: CustomerKeyAuthenticator;
  /** Short-lived dashboard links for one customer (read-only customer API identity). */
  readonly portalLinks: PortalLinkService;
  readonly audit: AuditLogService;
  readonly publisher: OutboxPublisher;
  /**
   * Bootstraps the admin token, queues the snapshot of every credential (so the compacted topic converges
   * after any crash) and starts the publisher.
   */
  start(): Promise<{ readonly adminToken: AdminTokenBootstrap; readonly republished: number }>;
  /** Sends what is pending and stops the publisher. */
  stop(): Promise<void>;
}

const cryptoBytes: RandomBytes = (size) => new Uint8Array(cryptoRandomBytes(size));

function printAdminToken(plaintext: string): void {
  process.stdout.write(`admin token (shown once): ${plaintext}\n`);
}

/** Builds the key management services over one database and event log. */
export function createKeyManagement(options: KeyManagementOptions): KeyManagement {
  const clock = options.clock ?? systemClock;
  const randomBytes = options.randomBytes ?? cryptoBytes;
  const { dataSource } = options;
  const registry = new RegistryOutbox(options.registryTopic);
  const publisher = new OutboxPublisher({
    dataSource,
    eventLog: options.eventLog,
    logger: options.logger,
    pollIntervalMs: options.publisherPollIntervalMs,
  });
  const onCommitted = (): void => publisher.kick();
  const adminTokens = new AdminTokenService({ dataSource, randomBytes, clock });
  return {
    customers: new CustomerService(dataSource, clock),
    apiKeys: new ApiKeyService({
      dataSource,
      registry,
      onCommitted,
      randomBytes,
      clock,
      lastUsedAt: options.lastUsedAt ?? NO_LAST_USED_AT,
    }),
    ingestTokens: new IngestTokenService({ dataSource, registry, onCommitted, randomBytes, clock }),
    adminTokens,
    customerKeys: new CustomerKeyAuthenticator(dataSource, clock),
    portalLinks: new PortalLinkService({ dataSource, randomBytes, clock }),
    audit: new AuditLogService(dataSource),
    publisher,
    async start() {
      const adminToken = await adminTokens.bootstrap(
        options.adminToken,
        options.showAdminTokenOnce ?? printAdminToken,
      );
      const republished = await dataSource.transaction((manager) => registry.enqueueAll(manager, clock()));
      await publisher.start();
      publisher.kick();
      return { adminToken, republished };
    },
    stop: () => publisher.stop(),
  };
}
