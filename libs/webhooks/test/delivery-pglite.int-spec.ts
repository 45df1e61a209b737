import { openDatabase, runDatabaseMigrations, type DatabaseHandle } from '@keymeter/database';
import { Webhook } from 'standardwebhooks';
import {
  createFetchWebhookSender,
  DeliveryWorker,
  enqueueWebhookEvent,
  WebhookEndpointService,
} from '../src';
import { WebhookReceiver } from './support/webhook-receiver';

// The embedded default (`npm start` with no DATABASE_URL): PGlite behind a one-connection socket. The
// claim (UPDATE over rows locked FOR UPDATE SKIP LOCKED) and settle statements must run there too.
describe('webhook delivery on embedded PGlite', () => {
  let handle: DatabaseHandle;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    handle = await openDatabase({ pgliteDir: 'memory://', pglitePort: 0 });
    await runDatabaseMigrations(handle);
    receiver = new WebhookReceiver();
    await receiver.start();
  });

  afterAll(async () => {
    await receiver?.stop();
    await handle?.close();
  });

  it('records, claims, signs and settles a delivery', async () => {
    const endpoints = new WebhookEndpointService(handle.dataSource);
    const endpoint = await endpoints.create({ url: `${receiver.url}/ops` });
    const { eventId } = await handle.dataSource.transaction((manager) =>
      enqueueWebhookEvent(manager, { type: 'alert.opened', customerId: null, data: { n: 1 } }),
    );
    const worker = new DeliveryWorker({
      dataSource: handle.dataSource,
      sender: createFetchWebhookSender({ timeoutMs: 5000 }),
      intervalMs: 50,
      batchSize: 10,
      leaseMs: 60_000,
    });

    expect(await worker.runOnce()).toBe(1);

    const [request] = receiver.received;
    expect(request.headers['webhook-id']).toBe(eventId);
    expect(
      new Webhook(endpoint.secret).verify(request.body, request.headers as Record<string, string>),
    ).toEqual(expect.objectContaining({ type: 'alert.opened', data: { n: 1 } }));
    const [delivery] = await endpoints.deliveries(endpoint.id, {});
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1 });
  });
});
