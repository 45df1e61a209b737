import type { DataSource } from 'typeorm';
import type { WebhooksConfig } from '@keymeter/config';
import { DeliveryWorker, type WebhookWorkerLogger } from './delivery/delivery-worker';
import { createFetchWebhookSender } from './delivery/webhook-sender';
import { WebhookEndpointService } from './endpoints/webhook-endpoint.service';

export interface Webhooks {
  readonly endpoints: WebhookEndpointService;
  readonly worker: DeliveryWorker;
}

/** A claim outlives the request timeout by this much, so a slow answer is never sent twice. */
const LEASE_MARGIN_MS = 30_000;

/** The webhook endpoints service and the delivery worker (not started) over one data source. */
export function createWebhooks(options: {
  readonly dataSource: DataSource;
  readonly config: WebhooksConfig;
  readonly logger?: WebhookWorkerLogger;
}): Webhooks {
  const { dataSource, config } = options;
  return {
    endpoints: new WebhookEndpointService(dataSource),
    worker: new DeliveryWorker({
      dataSource,
      sender: createFetchWebhookSender({ timeoutMs: config.deliveryTimeoutMs }),
      intervalMs: config.deliveryIntervalMs,
      batchSize: config.deliveryBatchSize,
      leaseMs: config.deliveryTimeoutMs + LEASE_MARGIN_MS,
      logger: options.logger,
    }),
  };
}
