import { Webhook } from 'standardwebhooks';
import {
  openDatabase,
  runDatabaseMigrations,
  WebhookDeliveryAttemptEntity,
  WebhookDeliveryEntity,
  type DatabaseHandle,
} from '@keymeter/database';
import { createTestDatabase, type TestDatabase } from '@keymeter/testing';
import {
  createFetchWebhookSender,
  DEFAULT_RETRY_SCHEDULE,
  DeliveryWorker,
  enqueueWebhookEvent,
  WebhookEndpointService,
  type RandomSource,
} from '../src';
import { WebhookReceiver, type ReceivedWebhook } from './support/webhook-receiver';

const HOUR = 3_600_000;

describe('webhook delivery worker on PostgreSQL', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let receiver: WebhookReceiver;
  /** The worker's clock runs with real time, shifted by `offset` to jump through the retry schedule. */
  let offset: number;
  let endpoints: WebhookEndpointService;

  const clock = () => new Date(Date.now() + offset);
  const advance = (ms: number) => {
    offset += ms;
  };
  const jumpTo = (instant: Date) => {
    offset = Math.max(offset, instant.getTime() - Date.now());
  };
  const newWorker = (
    options: { random?: RandomSource; batchSize?: number; dataSource?: DatabaseHandle } = {},
  ) =>
    new DeliveryWorker({
      dataSource: (options.dataSource ?? handle).dataSource,
      sender: createFetchWebhookSender({ timeoutMs: 5_000 }),
      intervalMs: 50,
      batchSize: options.batchSize ?? 20,
      leaseMs: 60_000,
      clock,
      random: options.random ?? (() => 0.5),
    });

  /** Verifies a received request the way a receiver does, at the time it was sent. */
  const verify = (secret: string, request: ReceivedWebhook): unknown => {
    const sentAt = Number(request.headers['webhook-timestamp']) * 1000;
    const spy = jest.spyOn(Date, 'now').mockReturnValue(sentAt);
    try {
      return new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
    } finally {
      spy.mockRestore();
    }
  };

  const enqueue = (type: string, data: Record<string, unknown> = {}) =>
    handle.dataSource.transaction((manager) =>
      enqueueWebhookEvent(manager, { type, customerId: null, data }),
    );

  const deliveryOf = async (eventId: string) =>
    handle.dataSource.getRepository(WebhookDeliveryEntity).findOneByOrFail({ eventId });

  /** Moves the clock to the delivery's next attempt and runs the worker. */
  const runNextAttempt = async (worker: DeliveryWorker, eventId: string): Promise<void> => {
    const delivery = await deliveryOf(eventId);
    jumpTo(delivery.nextAttemptAt!);
    await worker.runOnce();
  };

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
    await handle.dataSource.query('TRUNCATE webhook_events, webhook_endpoints CASCADE');
    offset = 0;
    endpoints = new WebhookEndpointService(handle.dataSource, clock);
    receiver = new WebhookReceiver();
    await receiver.start();
  });

  afterEach(async () => {
    await receiver.stop();
  });

  it('retries a receiver that is down with the same webhook-id, then delivers once when it is up', async () => {
    const endpoint = await endpoints.create({ url: `${receiver.url}/hooks` });
    await receiver.stop(); // down: connections refused
    const { eventId } = await enqueue('alert.opened', { alertId: 'a-1' });
    const worker = newWorker();

    await worker.runOnce();
    expect(await deliveryOf(eventId)).toMatchObject({ status: 'pending', attempts: 1 });

    await receiver.start();
    receiver.answer = () => 503; // up but not ready
    await runNextAttempt(worker, eventId);
    expect(await deliveryOf(eventId)).toMatchObject({ status: 'pending', attempts: 2 });

    receiver.answer = () => 204;
    await runNextAttempt(worker, eventId);
    expect(await deliveryOf(eventId)).toMatchObject({
      status: 'succeeded',
      attempts: 3,
      nextAttemptAt: null,
    });

    advance(48 * HOUR);
    expect(await worker.runOnce()).toBe(0);

    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([eventId, eventId]);
    expect(receiver.received.filter((r) => r.answered === 204)).toHaveLength(1);
    for (const request of receiver.received) {
      expect(verify(endpoint.secret, request)).toMatchObject({
        type: 'alert.opened',
        data: { alertId: 'a-1' },
      });
    }
    // The same bytes on every attempt, fields in the documented order.
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    expect(Object.keys(JSON.parse(receiver.received[0].body) as object)).toEqual([
      'type',
      'timestamp',
      'data',
    ]);
    const [delivery] = await endpoints.deliveries(endpoint.id, {});
    expect(delivery.attemptLog.map((a) => a.responseStatus)).toEqual([null, 503, 204]);
    expect(delivery.attemptLog[0].error).toMatch(/ECONNREFUSED/);
    expect(delivery.attemptLog[1].error).toBe('HTTP 503');
  });

  it('fails a delivery once the schedule is exhausted, with every attempt in the log', async () => {
    const endpoint = await endpoints.create({ url: `${receiver.url}/hooks`, eventTypes: ['alert.*'] });
    receiver.answer = () => 500;
    const { eventId } = await enqueue('alert.resolved');
    const worker = newWorker({ random: () => 1 });

    await worker.runOnce();
    for (let guard = 0; (await deliveryOf(eventId)).status === 'pending' && guard < 20; guard += 1) {
      await runNextAttempt(worker, eventId);
    }

    const delivery = await deliveryOf(eventId);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 8, nextAttemptAt: null });
    const [view] = await endpoints.deliveries(endpoint.id, {});
    expect(view.attemptLog).toHaveLength(8);
    const start = Date.parse(view.attemptLog[0].attemptedAt);
    expect(view.attemptLog.map((a) => Math.round((Date.parse(a.attemptedAt) - start) / 1000))).toEqual([
      0, 5, 305, 2105, 9305, 27305, 63305, 86400,
    ]);
    expect(view.attemptLog.every((a) => a.responseStatus === 500 && a.error === 'HTTP 500')).toBe(true);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([eventId]));

    // A failed delivery stays failed until retried by hand; a manual retry is one more attempt.
    advance(HOUR);
    expect(await worker.runOnce()).toBe(0);
    receiver.answer = () => 200;
    const retried = await endpoints.retryDelivery(delivery.id);
    expect(retried.status).toBe('pending');
    await worker.runOnce();
    expect(await deliveryOf(eventId)).toMatchObject({ status: 'succeeded', attempts: 9 });
    expect(receiver.received.at(-1)!.headers['webhook-id']).toBe(eventId);
  });

  it('signs with both secrets during the rotation grace, then with the new one only', async () => {
    const created = await endpoints.create({ url: receiver.url });
    const rotated = await endpoints.rotateSecret(created.id, { graceSeconds: 3600 });
    expect(rotated.secret).not.toBe(created.secret);
    expect(Date.parse(rotated.previousSecretExpiresAt!) - Date.now()).toBeGreaterThan(HOUR - 60_000);
    const worker = newWorker();

    await enqueue('key.action_applied');
    await worker.runOnce();
    const during = receiver.received[0];
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verify(rotated.secret, during)).toMatchObject({ type: 'key.action_applied' });
    expect(verify(created.secret, during)).toMatchObject({ type: 'key.action_applied' });

    advance(HOUR + 1000);
    await enqueue('key.action_reverted');
    await worker.runOnce();
    const after = receiver.received[1];
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verify(rotated.secret, after)).toMatchObject({ type: 'key.action_reverted' });
    expect(() => verify(created.secret, after)).toThrow();
    expect((await endpoints.get(created.id)).previousSecretExpiresAt).toBeNull();
  });

  it('never lets two workers (two instances) deliver one delivery twice', async () => {
    const second = await openDatabase({ url: database.url });
    try {
      for (let i = 0; i < 4; i += 1) await endpoints.create({ url: `${receiver.url}/e${i}` });
      const eventIds: string[] = [];
      for (let i = 0; i < 15; i += 1) eventIds.push((await enqueue('alert.updated', { i })).eventId);
      receiver.delayMs = 5;
      const a = newWorker({ batchSize: 4 });
      const b = newWorker({ batchSize: 4, dataSource: second });

      const [byA, byB] = await Promise.all([a.runOnce(), b.runOnce()]);

      expect(byA + byB).toBe(60);
      const pairs = receiver.received.map((r) => `${r.path} ${String(r.headers['webhook-id'])}`);
      expect(pairs).toHaveLength(60);
      expect(new Set(pairs).size).toBe(60);
      expect(await handle.dataSource.getRepository(WebhookDeliveryAttemptEntity).count()).toBe(60);
      expect(
        await handle.dataSource.getRepository(WebhookDeliveryEntity).countBy({ status: 'succeeded' }),
      ).toBe(60);
    } finally {
      await second.close();
    }
  });

  it('skips disabled endpoints until they are enabled again', async () => {
    const endpoint = await endpoints.create({ url: receiver.url });
    await endpoints.update(endpoint.id, { enabled: false });
    const worker = newWorker();
    // Enqueued while disabled: no delivery at all.
    await enqueue('alert.opened');
    await endpoints.update(endpoint.id, { enabled: true });
    const { eventId } = await enqueue('alert.updated');
    await endpoints.update(endpoint.id, { enabled: false });
    expect(await worker.runOnce()).toBe(0);
    await endpoints.update(endpoint.id, { enabled: true });
    expect(await worker.runOnce()).toBe(1);
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([eventId]);
  });

  it('on stop, finishes and records the requests in flight', async () => {
    await endpoints.create({ url: receiver.url });
    receiver.delayMs = 300;
    const { eventId } = await enqueue('alert.opened');
    const worker = newWorker();
    worker.start();
    while (receiver.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await worker.stop();
    expect(await deliveryOf(eventId)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('uses the documented default schedule', () => {
    expect(DEFAULT_RETRY_SCHEDULE.windowMs).toBe(24 * HOUR);
  });
});
