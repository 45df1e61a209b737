// The middleware inside a real Express app over HTTP: one UsageEvent per call, route templates,
// byte counts and outcomes, delivered through a real sink to the (embedded) event log.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { decodeUsageEvent, type UsageEventV1 } from '@keymeter/contracts';
import { createEmbeddedEventLog, type EventLog } from '@keymeter/event-log';
import { createUsageEventSink, type UsageEventSink } from '@keymeter/event-sink';
import { readWholeTopic } from '../../event-sink/test/sink-test-events';
import { createUsageMiddleware } from '../src';

jest.setTimeout(60_000);

describe('usage middleware in an Express app', () => {
  let dir: string;
  let log: EventLog;
  let sink: UsageEventSink;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keymeter-middleware-'));
    log = createEmbeddedEventLog({ dataDir: join(dir, 'log'), warn: () => undefined });
    await log.ensureTopics([{ name: 'usage-events', partitions: 1 }]);
    sink = await createUsageEventSink({
      eventLog: log,
      topic: 'usage-events',
      spoolDir: join(dir, 'spool'),
      maxSpoolBytes: 1024 * 1024,
    });
    const app = express();
    app.use(
      createUsageMiddleware({
        sink,
        gatewayId: 'quotes-api',
        identify: (req) => {
          const key = req.headers['x-api-key'];
          return key === 'good' ? { keyId: 'key_1', customerId: 'cus_1' } : undefined;
        },
      }),
    );
    app.use((req, res, next) => {
      if (req.headers['x-api-key'] !== 'good') res.status(401).json({ error: 'no key' });
      else next();
    });
    const quotes = express.Router();
    quotes.get('/:symbol', (req, res) => {
      res.setHeader('X-Usage-Units', '2.5');
      res.json({ symbol: req.params.symbol, price: 101.5 });
    });
    quotes.post('/:symbol/orders', express.text(), (req, res) => {
      res.status(201).send(`ordered ${String(req.body)}`);
    });
    app.use('/v1/quotes', quotes);
    app.get('/boom', () => {
      throw new Error('boom');
    });
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await sink?.close();
    await log?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('emits one event per call with the route template, bytes, units and outcome', async () => {
    const quote = await fetch(`${baseUrl}/v1/quotes/AAPL`, {
      headers: { 'x-api-key': 'good', 'user-agent': 'mw-test' },
    });
    const quoteBody = await quote.text();
    const order = await fetch(`${baseUrl}/v1/quotes/MSFT/orders`, {
      method: 'POST',
      headers: { 'x-api-key': 'good', 'content-type': 'text/plain' },
      body: '10 shares',
    });
    const orderBody = await order.text();
    const unauthorized = await fetch(`${baseUrl}/v1/quotes/AAPL`, { headers: { 'x-api-key': 'bad' } });
    await unauthorized.text();
    const failed = await fetch(`${baseUrl}/boom`, { headers: { 'x-api-key': 'good' } });
    await failed.text();
    const unknown = await fetch(`${baseUrl}/nowhere`, { headers: { 'x-api-key': 'good' } });
    await unknown.text();

    await new Promise((resolve) => setTimeout(resolve, 50));
    await sink.flush();
    const events = (await readWholeTopic(log, 'usage-events')).map((record) => {
      const decoded = decodeUsageEvent(record.value);
      if (!decoded.ok) throw new Error(JSON.stringify(decoded.errors));
      return decoded.event;
    });
    const byRoute = (method: string, route: string): UsageEventV1 | undefined =>
      events.find((event) => event.method === method && event.route === route && event.status !== 401);
    expect(events).toHaveLength(5);
    expect(byRoute('GET', '/v1/quotes/:symbol')).toMatchObject({
      gatewayId: 'quotes-api',
      keyId: 'key_1',
      customerId: 'cus_1',
      status: 200,
      units: '2.5',
      outcome: 'forwarded',
      billable: true,
      responseBytes: Buffer.byteLength(quoteBody),
      clientIp: '127.0.0.1',
      userAgent: 'mw-test',
    });
    expect(byRoute('POST', '/v1/quotes/:symbol/orders')).toMatchObject({
      status: 201,
      units: '1',
      requestBytes: Buffer.byteLength('10 shares'),
      responseBytes: Buffer.byteLength(orderBody),
    });
    expect(events.find((event) => event.status === 401)).toMatchObject({
      keyId: '',
      customerId: '',
      route: '*',
      outcome: 'rejected_auth',
      billable: false,
      units: '0',
    });
    expect(byRoute('GET', '/boom')).toMatchObject({
      status: 500,
      outcome: 'upstream_error',
      billable: false,
    });
    expect(events.find((event) => event.status === 404)).toMatchObject({ route: '*', outcome: 'forwarded' });
  });
});
