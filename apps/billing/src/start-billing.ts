import {
  clickhouseCheck,
  databaseCheck,
  requireClickHouse,
  requireDatabase,
  requireEventLog,
  startHttpApp,
  type Infrastructure,
  type RunningHttpApp,
} from '@keymeter/platform';
import { createAlerts } from '@keymeter/alerts';
import { createBillingServices } from '@keymeter/billing';
import { createKeyManagement } from '@keymeter/keys';
import { createClickHouseLastUsedAt, createClickHouseUsageSource } from '@keymeter/usage';
import { createWebhooks } from '@keymeter/webhooks';
import { INGESTOR_GROUP_ID } from '@keymeter/ingestion';
import { BillingModule } from './billing.module';

export interface BillingStartOptions {
  /** Receives an admin token generated at first start (default: printed once to stdout). */
  readonly showAdminTokenOnce?: (plaintext: string) => void;
}

export async function startBilling(
  infra: Infrastructure,
  options: BillingStartOptions = {},
): Promise<RunningHttpApp> {
  const clickhouse = requireClickHouse(infra);
  const eventLog = requireEventLog(infra);
  const usageTopic = infra.config.topics.usageEvents.name;
  const checks = [databaseCheck(requireDatabase(infra)), clickhouseCheck(clickhouse)];
  const keys = createKeyManagement({
    dataSource: requireDatabase(infra).dataSource,
    eventLog,
    registryTopic: infra.config.topics.keyRegistry.name,
    adminToken: infra.config.adminToken,
    showAdminTokenOnce: options.showAdminTokenOnce,
    logger: infra.logger.child({ component: 'key-registry-outbox' }),
    lastUsedAt: createClickHouseLastUsedAt(clickhouse),
  });
  const billing = createBillingServices({
    dataSource: requireDatabase(infra).dataSource,
    usage: createClickHouseUsageSource(clickhouse, { topic: usageTopic }),
    finalizeGraceMs: infra.config.invoiceFinalizeGraceMs,
    lateUsageLookbackPeriods: infra.config.invoiceLateUsageLookbackPeriods,
  });
  const webhooks = createWebhooks({
    dataSource: requireDatabase(infra).dataSource,
    config: infra.config.webhooks,
    logger: infra.logger.child({ component: 'webhook-delivery' }),
  });
  const alerts = createAlerts({
    dataSource: requireDatabase(infra).dataSource,
    traffic: clickhouse,
    apiKeys: keys.apiKeys,
    settings: infra.config.alerts,
    logger: infra.logger.child({ component: 'alert-evaluator' }),
  });
  // Before listening: the admin token exists and every credential's snapshot is queued for the registry.
  await keys.start();
  let running: RunningHttpApp;
  try {
    running = await startHttpApp(
      BillingModule.register({
        checks,
        keys,
        billing,
        usage: { clickhouse, eventLog, topic: usageTopic },
        alerts,
        webhooks: webhooks.endpoints,
        dashboard: {
          pipeline: {
            eventLog,
            usageTopic,
            deadLetterTopic: infra.config.topics.usageEventsDeadLetter.name,
            ingestorGroupId: INGESTOR_GROUP_ID,
          },
        },
      }),
      {
        name: 'billing',
        host: infra.config.host,
        port: infra.config.ports.billing,
        logger: infra.logger,
        docs: {
          title: 'keymeter billing',
          description: 'Admin and customer API: keys, plans, invoices, reports, alerts',
        },
      },
    );
  } catch (error) {
    await keys.stop();
    throw error;
  }
  webhooks.worker.start();
  // Requests stop first, then webhook requests in flight are answered and recorded, then the registry
  // publisher sends what is pending and stops.
  // Every ALERTS_EVALUATION_INTERVAL_SECONDS (0: only on POST /v1/alerts/evaluate).
  alerts.schedule.start();
  return {
    ...running,
    close: async () => {
      try {
        await alerts.schedule.stop();
        await running.close();
      } finally {
        try {
          await webhooks.worker.stop();
        } finally {
          await keys.stop();
        }
      }
    },
  };
}
