import { HttpStatus } from '@nestjs/common';
import { In, type DataSource, type EntityManager } from 'typeorm';
import {
  CustomerEntity,
  WebhookDeliveryAttemptEntity,
  WebhookDeliveryEntity,
  WebhookEndpointEntity,
  WebhookEventEntity,
} from '@keymeter/database';
import { ApiError } from '@keymeter/platform';
import { recordWebhookEvent } from '../enqueue-webhook-event';
import { WEBHOOK_TEST_EVENT_TYPE } from '../event-types';
import { generateWebhookSecret } from '../signing/webhook-secret';
import { isUuid, parseEndpointChanges, parseNewEndpoint, parseSecretRotation } from './endpoint-input';
import {
  toDeliveryView,
  toEndpointView,
  type WebhookDeliveryView,
  type WebhookEndpointView,
  type WebhookEndpointWithSecret,
} from './webhook.views';

const DEFAULT_DELIVERY_LOG_LIMIT = 50;
const MAX_DELIVERY_LOG_LIMIT = 500;

/**
 * Webhook endpoints (admin API): create and rotate return the secret once; nothing else ever does.
 * Every change runs in one transaction, after its input is fully validated, so a rejected request
 * stores nothing.
 */
export class WebhookEndpointService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async create(body: unknown): Promise<WebhookEndpointWithSecret> {
    const input = parseNewEndpoint(body);
    return this.dataSource.transaction(async (manager) => {
      if (input.customerId !== null && !(await manager.existsBy(CustomerEntity, { id: input.customerId }))) {
        throw ApiError.validation([{ field: 'customerId', reason: 'no customer has this id' }]);
      }
      const secret = generateWebhookSecret();
      const saved = await manager.save(
        manager.create(WebhookEndpointEntity, { ...input, secret, previousSecret: null }),
      );
      return { ...toEndpointView(saved, this.clock()), secret };
    });
  }

  async list(query: { customerId?: string }): Promise<WebhookEndpointView[]> {
    const customerId = query.customerId;
    if (customerId !== undefined && !isUuid(customerId)) {
      throw ApiError.validation([{ field: 'customerId', reason: 'must be a customer id (UUID)' }]);
    }
    const endpoints = await this.dataSource.getRepository(WebhookEndpointEntity).find({
      where: customerId === undefined ? {} : { customerId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    const now = this.clock();
    return endpoints.map((endpoint) => toEndpointView(endpoint, now));
  }

  async get(id: string): Promise<WebhookEndpointView> {
    return toEndpointView(await this.find(this.dataSource.manager, id), this.clock());
  }

  async update(id: string, body: unknown): Promise<WebhookEndpointView> {
    const changes = parseEndpointChanges(body);
    return this.dataSource.transaction(async (manager) => {
      const endpoint = await this.find(manager, id, true);
      Object.assign(endpoint, changes);
      return toEndpointView(await manager.save(endpoint), this.clock());
    });
  }

  /** Deletes the endpoint with its deliveries and their attempts. */
  async remove(id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const endpoint = await this.find(manager, id, true);
      await manager.delete(WebhookEndpointEntity, { id: endpoint.id });
    });
  }

  /**
   * A new current secret; the previous one keeps signing (a second signature in the header) for
   * `graceSeconds`, so receivers can switch without dropping a request.
   */
  async rotateSecret(id: string, body: unknown): Promise<WebhookEndpointWithSecret> {
    const graceSeconds = parseSecretRotation(body);
    return this.dataSource.transaction(async (manager) => {
      const endpoint = await this.find(manager, id, true);
      const now = this.clock();
      const secret = generateWebhookSecret();
      endpoint.previousSecret = graceSeconds > 0 ? endpoint.secret : null;
      endpoint.previousSecretExpiresAt =
        graceSeconds > 0 ? new Date(now.getTime() + graceSeconds * 1000) : null;
      endpoint.secret = secret;
      return { ...toEndpointView(await manager.save(endpoint), now), secret };
    });
  }

  /** Queues a `webhook.test` event to this endpoint alone, whatever its event-type filter. */
  async sendTest(id: string): Promise<{ eventId: string; deliveryId: string }> {
    return this.dataSource.transaction(async (manager) => {
      const endpoint = await this.find(manager, id, true);
      if (!endpoint.enabled) {
        throw new ApiError(
          HttpStatus.CONFLICT,
          'endpoint_disabled',
          'The endpoint is disabled; enable it first',
        );
      }
      const now = this.clock();
      const { eventId } = await recordWebhookEvent(
        manager,
        {
          type: WEBHOOK_TEST_EVENT_TYPE,
          customerId: endpoint.customerId,
          data: { endpointId: endpoint.id, message: 'This is a test event from keymeter.' },
          occurredAt: now,
        },
        [endpoint.id],
        now,
      );
      const delivery = await manager.findOneByOrFail(WebhookDeliveryEntity, {
        eventId,
        endpointId: endpoint.id,
      });
      return { eventId, deliveryId: delivery.id };
    });
  }

  /** The endpoint's deliveries, newest first, each with its attempts. */
  async deliveries(id: string, query: { limit?: string; status?: string }): Promise<WebhookDeliveryView[]> {
    const limit = query.limit === undefined ? DEFAULT_DELIVERY_LOG_LIMIT : Number(query.limit);
    const issues = [];
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DELIVERY_LOG_LIMIT) {
      issues.push({ field: 'limit', reason: `must be a whole number from 1 to ${MAX_DELIVERY_LOG_LIMIT}` });
    }
    if (query.status !== undefined && !['pending', 'succeeded', 'failed'].includes(query.status)) {
      issues.push({ field: 'status', reason: 'must be pending, succeeded or failed' });
    }
    if (issues.length > 0) throw ApiError.validation(issues);
    const endpoint = await this.find(this.dataSource.manager, id);
    const deliveries = await this.dataSource.getRepository(WebhookDeliveryEntity).find({
      where: { endpointId: endpoint.id, ...(query.status === undefined ? {} : { status: query.status }) },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
    });
    return this.withAttempts(this.dataSource.manager, deliveries);
  }

  /** Puts a failed delivery back in the queue for one more attempt now (same `webhook-id`). */
  async retryDelivery(deliveryId: string): Promise<WebhookDeliveryView> {
    return this.dataSource.transaction(async (manager) => {
      const delivery = isUuid(deliveryId)
        ? await manager.findOne(WebhookDeliveryEntity, {
            where: { id: deliveryId },
            lock: { mode: 'pessimistic_write' },
          })
        : null;
      if (delivery === null) throw ApiError.notFound('Webhook delivery');
      if (delivery.status !== 'failed') {
        throw new ApiError(
          HttpStatus.CONFLICT,
          'delivery_not_failed',
          `Only a failed delivery can be retried; this one is ${delivery.status}`,
        );
      }
      delivery.status = 'pending';
      delivery.nextAttemptAt = this.clock();
      delivery.claimId = null;
      const saved = await manager.save(delivery);
      return (await this.withAttempts(manager, [saved]))[0];
    });
  }

  private async find(manager: EntityManager, id: string, lock = false): Promise<WebhookEndpointEntity> {
    const endpoint = isUuid(id)
      ? await manager.findOne(WebhookEndpointEntity, {
          where: { id },
          ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
        })
      : null;
    if (endpoint === null) throw ApiError.notFound('Webhook endpoint');
    return endpoint;
  }

  private async withAttempts(
    manager: EntityManager,
    deliveries: readonly WebhookDeliveryEntity[],
  ): Promise<WebhookDeliveryView[]> {
    if (deliveries.length === 0) return [];
    const ids = deliveries.map((d) => d.id);
    const [attempts, events] = await Promise.all([
      manager.find(WebhookDeliveryAttemptEntity, { where: { deliveryId: In(ids) } }),
      manager.find(WebhookEventEntity, {
        where: { id: In([...new Set(deliveries.map((d) => d.eventId))]) },
        select: { id: true, type: true },
      }),
    ]);
    const typeOf = new Map(events.map((e) => [e.id, e.type]));
    return deliveries.map((delivery) =>
      toDeliveryView(
        delivery,
        typeOf.get(delivery.eventId) ?? '',
        attempts.filter((a) => a.deliveryId === delivery.id),
      ),
    );
  }
}
