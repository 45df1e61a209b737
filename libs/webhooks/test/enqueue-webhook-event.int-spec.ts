import {
  CustomerEntity,
  openDatabase,
  runDatabaseMigrations,
  WebhookDeliveryEntity,
  WebhookEndpointEntity,
  WebhookEventEntity,
  type DatabaseHandle,
} from '@keymeter/database';
import { createTestDatabase, type TestDatabase } from '@keymeter/testing';
import { enqueueWebhookEvent } from '../src';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('enqueueWebhookEvent on PostgreSQL', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let acme: string;
  let globex: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    handle = await openDatabase({ url: database.url });
    await runDatabaseMigrations(handle);
  });

  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  beforeEach(async () => {
    await handle.dataSource.query('TRUNCATE webhook_events, webhook_endpoints, customers CASCADE');
    const customers = handle.dataSource.getRepository(CustomerEntity);
    [acme, globex] = (
      await customers.save([
        customers.create({ name: 'Acme', email: 'ops@acme.test', timezone: 'UTC', currency: 'USD' }),
        customers.create({ name: 'Globex', email: 'ops@globex.test', timezone: 'UTC', currency: 'USD' }),
      ])
    ).map((c) => c.id);
  });

  async function endpoint(
    description: string,
    customerId: string | null,
    eventTypes: string[],
    enabled = true,
  ) {
    const saved = await handle.dataSource.getRepository(WebhookEndpointEntity).save({
      url: `https://example.test/${description}`,
      description,
      customerId,
      eventTypes,
      enabled,
      secret: SECRET,
    });
    return saved.id;
  }

  async function receivers(eventId: string): Promise<string[]> {
    const deliveries = await handle.dataSource
      .getRepository(WebhookDeliveryEntity)
      .find({ where: { eventId }, relations: { endpoint: true } });
    return deliveries.map((d) => d.endpoint!.description).sort();
  }

  it("delivers to the customer's endpoints and the global ones, by type filter, never to another customer's", async () => {
    await endpoint('acme-all', acme, []);
    await endpoint('acme-alerts', acme, ['alert.*']);
    await endpoint('acme-resolved-only', acme, ['alert.resolved']);
    await endpoint('acme-disabled', acme, [], false);
    await endpoint('globex-all', globex, []);
    await endpoint('ops-all', null, []);
    await endpoint('ops-keys', null, ['key.action_applied', 'key.action_reverted']);

    const { eventId } = await handle.dataSource.transaction((manager) =>
      enqueueWebhookEvent(manager, { type: 'alert.opened', customerId: acme, data: { alertId: 'a1' } }),
    );

    expect(eventId).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(await receivers(eventId)).toEqual(['acme-alerts', 'acme-all', 'ops-all']);
    const event = await handle.dataSource.getRepository(WebhookEventEntity).findOneByOrFail({ id: eventId });
    expect(event).toMatchObject({ type: 'alert.opened', customerId: acme });
    expect(event.payload).toMatchObject({ type: 'alert.opened', data: { alertId: 'a1' } });

    const keyEvent = await handle.dataSource.transaction((manager) =>
      enqueueWebhookEvent(manager, { type: 'key.action_applied', customerId: globex, data: {} }),
    );
    expect(await receivers(keyEvent.eventId)).toEqual(['globex-all', 'ops-all', 'ops-keys']);

    const globalEvent = await handle.dataSource.transaction((manager) =>
      enqueueWebhookEvent(manager, { type: 'alert.opened', customerId: null, data: {} }),
    );
    expect(await receivers(globalEvent.eventId)).toEqual(['ops-all']);
  });

  it('records nothing when the caller rolls back', async () => {
    await endpoint('ops-all', null, []);
    await expect(
      handle.dataSource.transaction(async (manager) => {
        await enqueueWebhookEvent(manager, { type: 'alert.opened', customerId: acme, data: {} });
        throw new Error('the alert change failed');
      }),
    ).rejects.toThrow('the alert change failed');
    expect(await handle.dataSource.getRepository(WebhookEventEntity).count()).toBe(0);
    expect(await handle.dataSource.getRepository(WebhookDeliveryEntity).count()).toBe(0);
  });

  it('records the event with no delivery when no endpoint matches, and uses occurredAt as the timestamp', async () => {
    const occurredAt = new Date('2026-11-20T10:00:00.000Z');
    const { eventId } = await handle.dataSource.transaction((manager) =>
      enqueueWebhookEvent(manager, { type: 'alert.resolved', customerId: acme, data: {}, occurredAt }),
    );
    expect(await receivers(eventId)).toEqual([]);
    const event = await handle.dataSource.getRepository(WebhookEventEntity).findOneByOrFail({ id: eventId });
    expect(event.payload.timestamp).toBe('2026-11-20T10:00:00.000Z');
  });

  it('rejects a malformed event type', async () => {
    await expect(
      handle.dataSource.transaction((manager) =>
        enqueueWebhookEvent(manager, { type: 'Alert Opened', customerId: null, data: {} }),
      ),
    ).rejects.toThrow('webhook event type');
  });
});
