import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { parseUsageEvent, type UsageEventV1 } from '@keymeter/contracts';
import { loadConfig, type AppConfig } from '@keymeter/config';
import type { LogProducer } from '@keymeter/event-log';
import {
  createLogger,
  openInfrastructure,
  type Infrastructure,
  type RunningHttpApp,
} from '@keymeter/platform';
import { startGateway } from '../src/start-gateway';
import { MemoryUsageEventSink } from './memory-usage-event-sink';
import { newKey, publish, revise, type TestKey } from './registry-fixtures';
import { TestUpstream } from './test-upstream';

const REDIS_URL = 'redis://127.0.0.1:6379';
const run = randomBytes(4).toString('hex');

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly error?: { code: string; message: string };
}

async function call(
  base: string,
  path: string,
  options: { key?: string; via?: 'x-api-key' | 'bearer'; method?: string; body?: string | Buffer } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { 'user-agent': 'gateway-e2e/1.0' };
  if (options.key !== undefined) {
    if (options.via === 'bearer') headers.authorization = `Bearer ${options.key}`;
    else headers['x-api-key'] = options.key;
  }
  const response = await fetch(base + path, { method: options.method ?? 'GET', headers, body: options.body });
  const text = await response.text();
  let error: Reply['error'];
  if (response.headers.get('content-type')?.startsWith('application/json') === true) {
    const parsed = JSON.parse(text) as { error?: { code: string; message: string } };
    error = parsed.error;
  }
  return { status: response.status, headers: response.headers, text, error };
}

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `probe` every 50 ms until it returns true, for at most `withinMs`. */
async function becomesTrue(probe: () => Promise<boolean>, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() <= deadline) {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function configFor(dir: string, routesFile: string, overrides: Record<string, string> = {}): AppConfig {
  const base = loadConfig({
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    REDIS_URL,
    GATEWAY_ROUTES_FILE: routesFile,
    KEYMETER_DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    GATEWAY_PORT: '0',
    ...overrides,
  });
  return {
    ...base,
    topics: {
      ...base.topics,
      usageEvents: { ...base.topics.usageEvents, name: `usage-events-gw-test-${run}`, partitions: 1 },
      keyRegistry: { ...base.topics.keyRegistry, name: `key-registry-gw-test-${run}` },
    },
  };
}

describe('gateway (real Kafka registry, real Redis, real upstream)', () => {
  const upstream = new TestUpstream();
  let dir: string;
  let config: AppConfig;
  let infra: Infrastructure;
  let producer: LogProducer;
  let gatewayA: RunningHttpApp;
  let gatewayB: RunningHttpApp;
  const sinkA = new MemoryUsageEventSink();
  const sinkB = new MemoryUsageEventSink();
  let a: string;
  let b: string;

  const customerOne = `cus_one_${run}`;
  const customerTwo = `cus_two_${run}`;
  const keyOne = newKey(customerOne);
  const keyTwo = newKey(customerTwo);
  const readOnly = newKey(customerOne, { scopes: [{ methods: ['GET', 'HEAD'], pattern: '*' }] });
  const expired = newKey(customerOne, { expiresAt: '2020-01-01T00:00:00.000Z' });
  const suspended = newKey(customerOne, { status: 'suspended' });
  const revokedAtStart = newKey(customerOne, { status: 'revoked' });

  const topic = (): string => config.topics.keyRegistry.name;
  const allEvents = (): UsageEventV1[] => [...sinkA.events, ...sinkB.events];
  const eventsOf = (key: TestKey): UsageEventV1[] =>
    allEvents().filter((e) => e.keyId === key.snapshot.keyId);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keymeter-gateway-e2e-'));
    const origin = await upstream.start();
    const closedPort = await freePort();
    const routesFile = join(dir, 'routes.json');
    writeFileSync(
      routesFile,
      JSON.stringify([
        {
          id: 'quotes',
          method: 'GET',
          pattern: '/v1/quotes/:symbol',
          upstream: origin,
          creditsPerCall: '0.5',
        },
        { id: 'orders', method: 'POST', pattern: '/v1/orders', upstream: origin, creditsPerCall: '1' },
        { id: 'big', method: '*', pattern: '/v1/big', upstream: origin, creditsPerCall: '0' },
        { id: 'stream', method: 'GET', pattern: '/v1/stream', upstream: origin, creditsPerCall: '0' },
        { id: 'broken', method: 'GET', pattern: '/v1/broken', upstream: origin, creditsPerCall: '1' },
        { id: 'echo', method: 'POST', pattern: '/v1/echo', upstream: origin, creditsPerCall: '0' },
        { id: 'hang', method: 'GET', pattern: '/v1/hang', upstream: origin, creditsPerCall: '1' },
        { id: 'reset', method: 'GET', pattern: '/v1/reset', upstream: origin, creditsPerCall: '1' },
        {
          id: 'down',
          method: 'GET',
          pattern: '/v1/down',
          upstream: `http://127.0.0.1:${closedPort}`,
          creditsPerCall: '1',
        },
      ]),
    );
    config = configFor(dir, routesFile);
    infra = await openInfrastructure(config, createLogger('silent'), { eventLog: true });
    producer = await (infra.eventLog as NonNullable<Infrastructure['eventLog']>).producer();
    // Published before the gateways start: they must read them all before serving.
    await publish(
      producer,
      topic(),
      [keyOne, keyTwo, readOnly, expired, suspended, revokedAtStart].map((key) => key.snapshot),
    );
    gatewayA = await startGateway(infra, { sink: sinkA, gatewayId: 'gw-a', port: 0 });
    gatewayB = await startGateway(infra, { sink: sinkB, gatewayId: 'gw-b', port: 0 });
    a = gatewayA.url;
    b = gatewayB.url;
  });

  afterAll(async () => {
    await gatewayA?.close();
    await gatewayB?.close();
    await producer?.close();
    await infra?.close();
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    // Every event the gateways emitted is a valid UsageEvent v1.
    for (const event of allEvents()) {
      const parsed = parseUsageEvent(event);
      expect(parsed.ok ? [] : parsed.errors).toEqual([]);
    }
  });

  it('forwards a call with a valid key, strips the key, sets X-Forwarded-*, and emits a billable event', async () => {
    const reply = await call(a, '/v1/quotes/AAPL?x=1', { key: keyOne.plaintext });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toEqual({ symbol: 'AAPL', price: 101.5 });
    const bearer = await call(b, '/v1/quotes/MSFT', { key: keyOne.plaintext, via: 'bearer' });
    expect(bearer.status).toBe(200);

    const seen = upstream.seen.filter(
      (r) => r.url.startsWith('/v1/quotes/AAPL') || r.url === '/v1/quotes/MSFT',
    );
    expect(seen).toHaveLength(2);
    for (const request of seen) {
      expect(request.headers['x-api-key']).toBeUndefined();
      expect(request.headers.authorization).toBeUndefined();
      expect(JSON.stringify(request.headers)).not.toContain(keyOne.plaintext);
      expect(request.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(request.headers['x-forwarded-proto']).toBe('http');
    }
    const event = await sinkA.waitFor((e) => e.keyId === keyOne.snapshot.keyId && e.status === 200);
    expect(event).toMatchObject({
      gatewayId: 'gw-a',
      customerId: customerOne,
      method: 'GET',
      route: '/v1/quotes/:symbol',
      outcome: 'forwarded',
      billable: true,
      units: '0.5',
      clientIp: '127.0.0.1',
      userAgent: 'gateway-e2e/1.0',
      requestBytes: 0,
      responseBytes: Buffer.byteLength(reply.text),
    });
    expect(JSON.stringify(allEvents())).not.toContain(keyOne.plaintext);
  });

  it.each([
    ['no key', undefined, 'missing_api_key'],
    ['a malformed key', 'not-a-key', 'malformed_api_key'],
    ['a key with a wrong checksum', 'checksum', 'invalid_api_key_checksum'],
    ['a forged key with a valid checksum but an unknown id', 'forged', 'invalid_api_key'],
  ])('answers %s with 401 and an unidentified rejected_auth event', async (_label, kind, code) => {
    const key =
      kind === 'checksum'
        ? keyOne.plaintext.slice(0, -1) + (keyOne.plaintext.endsWith('A') ? 'B' : 'A')
        : kind === 'forged'
          ? newKey(customerOne).plaintext
          : kind;
    const before = upstream.seen.length;
    const mark = sinkA.events.length;
    const reply = await call(a, '/v1/quotes/AUTH', { key });
    expect(reply.status).toBe(401);
    expect(reply.error?.code).toBe(code);
    expect(reply.headers.get('www-authenticate')).toContain('Bearer');
    expect(upstream.seen.length).toBe(before);
    const event = await sinkA.waitFor(
      (e) => sinkA.events.indexOf(e) >= mark && e.outcome === 'rejected_auth',
    );
    expect(event).toMatchObject({ keyId: '', customerId: '', status: 401, route: '*', billable: false });
  });

  it.each([
    ['expired', expired, 'api_key_expired'],
    ['suspended', suspended, 'api_key_suspended'],
    ['revoked', revokedAtStart, 'api_key_revoked'],
  ])('answers a key that is %s with 401 and an event that names the key', async (_label, key, code) => {
    const reply = await call(b, '/v1/quotes/IBM', { key: key.plaintext });
    expect(reply.status).toBe(401);
    expect(reply.error?.code).toBe(code);
    const event = await sinkB.waitFor((e) => e.keyId === key.snapshot.keyId);
    expect(event).toMatchObject({
      customerId: customerOne,
      outcome: 'rejected_auth',
      status: 401,
      billable: false,
    });
  });

  it("records a call with another customer's key against that customer only", async () => {
    const reply = await call(a, '/v1/quotes/TWO', { key: keyTwo.plaintext });
    expect(reply.status).toBe(200);
    const event = await sinkA.waitFor((e) => e.keyId === keyTwo.snapshot.keyId);
    expect(event.customerId).toBe(customerTwo);
    expect(
      allEvents().filter((e) => e.customerId === customerOne && e.keyId === keyTwo.snapshot.keyId),
    ).toEqual([]);
  });

  it('refuses a read-only key a POST with 403 and lets it GET', async () => {
    const post = await call(a, '/v1/orders', { key: readOnly.plaintext, method: 'POST', body: '{"qty":1}' });
    expect(post.status).toBe(403);
    expect(post.error?.code).toBe('insufficient_scope');
    const event = await sinkA.waitFor((e) => e.keyId === readOnly.snapshot.keyId && e.method === 'POST');
    expect(event).toMatchObject({
      outcome: 'rejected_scope',
      status: 403,
      route: '/v1/orders',
      billable: false,
    });
    expect((await call(a, '/v1/quotes/RO', { key: readOnly.plaintext })).status).toBe(200);
  });

  it('answers 404 when no route matches, recorded with route *', async () => {
    const reply = await call(b, '/v2/unknown/path', { key: keyOne.plaintext });
    expect(reply.status).toBe(404);
    expect(reply.error?.code).toBe('route_not_found');
    const event = await sinkB.waitFor((e) => e.keyId === keyOne.snapshot.keyId && e.status === 404);
    expect(event).toMatchObject({ route: '*', outcome: 'rejected_scope', billable: false });
  });

  it('answers 502 when the upstream is unreachable and does not bill the call', async () => {
    const reply = await call(a, '/v1/down', { key: keyOne.plaintext });
    expect(reply.status).toBe(502);
    expect(reply.error?.code).toBe('upstream_unreachable');
    const event = await sinkA.waitFor((e) => e.keyId === keyOne.snapshot.keyId && e.route === '/v1/down');
    expect(event).toMatchObject({ outcome: 'upstream_error', status: 502, billable: false });
  });

  it('relays an upstream 5xx as forwarded but not billable', async () => {
    const reply = await call(a, '/v1/broken', { key: keyOne.plaintext });
    expect(reply.status).toBe(503);
    const event = await sinkA.waitFor((e) => e.keyId === keyOne.snapshot.keyId && e.route === '/v1/broken');
    expect(event).toMatchObject({ outcome: 'forwarded', status: 503, billable: false });
  });

  it('takes the units from X-Usage-Units and does not pass the header to the client', async () => {
    const reply = await call(b, '/v1/quotes/UNITS?units=2.50', { key: keyTwo.plaintext });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('x-usage-units')).toBeNull();
    const event = await sinkB.waitFor((e) => e.keyId === keyTwo.snapshot.keyId && e.units !== '0.5');
    expect(event.units).toBe('2.5');
    const invalid = await call(b, '/v1/quotes/BAD?units=-1', { key: keyTwo.plaintext });
    expect(invalid.status).toBe(200);
    await sinkB.waitFor(
      (e) =>
        e.keyId === keyTwo.snapshot.keyId &&
        e.responseBytes === Buffer.byteLength(invalid.text) &&
        e.units === '0.5',
    );
  });

  it('streams large bodies both ways and counts their bytes exactly', async () => {
    const size = 8 * 1024 * 1024 + 123;
    const reply = await fetch(`${a}/v1/big?bytes=${size}`, { headers: { 'x-api-key': keyOne.plaintext } });
    expect((await reply.arrayBuffer()).byteLength).toBe(size);
    const down = await sinkA.waitFor(
      (e) => e.keyId === keyOne.snapshot.keyId && e.route === '/v1/big' && e.method === 'GET',
    );
    expect(down.responseBytes).toBe(size);

    const body = Buffer.alloc(3 * 1024 * 1024 + 7, 1);
    const post = await fetch(`${a}/v1/big`, {
      method: 'POST',
      headers: { 'x-api-key': keyOne.plaintext },
      body,
    });
    await post.arrayBuffer();
    const up = await sinkA.waitFor(
      (e) => e.keyId === keyOne.snapshot.keyId && e.route === '/v1/big' && e.method === 'POST',
    );
    expect(up.requestBytes).toBe(body.length);
    expect(upstream.seen.find((r) => r.method === 'POST' && r.url === '/v1/big')?.bodyBytes).toBe(
      body.length,
    );
  });

  it('passes the first bytes of a response on before the upstream has finished it', async () => {
    const received = await new Promise<{ first: string; all: string }>((resolve, reject) => {
      http
        .get(`${b}/v1/stream`, { headers: { 'x-api-key': keyOne.plaintext } }, (res) => {
          let all = '';
          res.setEncoding('utf8');
          res.once('data', (chunk: string) => {
            // The upstream holds the rest back until the client has seen the first chunk.
            all += chunk;
            const first = chunk;
            upstream.releaseStream();
            res.on('data', (more: string) => (all += more));
            res.on('end', () => resolve({ first, all }));
          });
          res.on('error', reject);
        })
        .on('error', reject);
    });
    expect(received.first).toBe('first chunk\n');
    expect(received.all).toBe('first chunk\nlast chunk\n');
  });

  it('streams a chunked upload of unknown length back while it is still being sent, byte for byte', async () => {
    // 6 MiB + 5 in 97 chunks, sent without Content-Length; the upstream echoes the body as it arrives.
    const chunks = Array.from({ length: 97 }, (_, i) => randomBytes(i === 96 ? 5 : 64 * 1024 + 1024));
    const sent = Buffer.concat(chunks);
    const received = await new Promise<Buffer>((resolve, reject) => {
      const request = http.request(
        `${b}/v1/echo`,
        {
          method: 'POST',
          headers: { 'x-api-key': keyOne.plaintext, 'content-type': 'application/octet-stream' },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (chunk: Buffer) => parts.push(chunk));
          res.on('end', () => resolve(Buffer.concat(parts)));
          res.on('error', reject);
        },
      );
      request.on('error', reject);
      Readable.from(chunks).pipe(request);
    });
    expect(received.length).toBe(sent.length);
    expect(createHash('sha256').update(received).digest('hex')).toBe(
      createHash('sha256').update(sent).digest('hex'),
    );
    const event = await sinkB.waitFor((e) => e.keyId === keyOne.snapshot.keyId && e.route === '/v1/echo');
    expect(event).toMatchObject({
      status: 200,
      outcome: 'forwarded',
      requestBytes: sent.length,
      responseBytes: sent.length,
    });
  });

  it('cuts the client connection when the upstream resets mid-body, and records the bytes relayed', async () => {
    const outcome = await new Promise<{ status: number; bytes: number; complete: boolean }>((resolve) => {
      http
        .get(`${a}/v1/reset`, { headers: { 'x-api-key': keyOne.plaintext } }, (res) => {
          let bytes = 0;
          res.on('data', (chunk: Buffer) => (bytes += chunk.length));
          res.on('close', () => resolve({ status: res.statusCode ?? 0, bytes, complete: res.complete }));
          res.on('error', () => undefined);
        })
        .on('error', () => resolve({ status: 0, bytes: 0, complete: false }));
    });
    expect(outcome.status).toBe(200);
    expect(outcome.complete).toBe(false);
    expect(outcome.bytes).toBeLessThan(1024 * 1024);
    const event = await sinkA.waitFor((e) => e.keyId === keyOne.snapshot.keyId && e.route === '/v1/reset');
    expect(event).toMatchObject({ status: 200, outcome: 'forwarded' });
    expect(event.responseBytes).toBe(outcome.bytes);
  });

  it('answers 504 when the upstream stays silent past the timeout, and closes the upstream request', async () => {
    const sink = new MemoryUsageEventSink();
    const gateway = await startGateway(infra, {
      sink,
      gatewayId: 'gw-timeout',
      port: 0,
      upstreamTimeoutMs: 300,
    });
    try {
      const closedBefore = upstream.closedHangs;
      const reply = await call(gateway.url, '/v1/hang', { key: keyOne.plaintext });
      expect(reply.status).toBe(504);
      expect(reply.error?.code).toBe('upstream_timeout');
      const event = await sink.waitFor((e) => e.route === '/v1/hang');
      expect(event).toMatchObject({ status: 504, outcome: 'upstream_error', billable: false });
      expect(await becomesTrue(() => Promise.resolve(upstream.closedHangs > closedBefore), 5_000)).toBe(true);
    } finally {
      await gateway.close();
    }
  });

  it('aborts the upstream request when the client leaves before the answer, recorded as 499', async () => {
    const hangsBefore = upstream.hangs;
    const closedBefore = upstream.closedHangs;
    const request = http.get(`${a}/v1/hang`, { headers: { 'x-api-key': keyOne.plaintext } });
    request.on('error', () => undefined);
    // Leave once the upstream has the request.
    expect(await becomesTrue(() => Promise.resolve(upstream.hangs > hangsBefore), 5_000)).toBe(true);
    request.destroy();
    expect(await becomesTrue(() => Promise.resolve(upstream.closedHangs > closedBefore), 5_000)).toBe(true);
    const event = await sinkA.waitFor(
      (e) => e.keyId === keyOne.snapshot.keyId && e.route === '/v1/hang' && e.status === 499,
    );
    expect(event).toMatchObject({ outcome: 'forwarded', billable: true, responseBytes: 0 });
  });

  it('aborts the upstream request when the client leaves in the middle of its upload', async () => {
    const brokenBefore = upstream.brokenUploads;
    const request = http.request(`${a}/v1/big`, {
      method: 'POST',
      headers: { 'x-api-key': keyOne.plaintext, 'content-length': String(4 * 1024 * 1024) },
    });
    request.on('error', () => undefined);
    request.write(Buffer.alloc(256 * 1024, 9));
    const isThisCall = (e: UsageEventV1): boolean =>
      e.keyId === keyOne.snapshot.keyId && e.route === '/v1/big' && e.status === 499;
    // Give the first bytes time to reach the upstream, then leave.
    await new Promise((resolve) => setTimeout(resolve, 200));
    request.destroy();
    const event = await sinkA.waitFor(isThisCall);
    expect(event.method).toBe('POST');
    expect(event.requestBytes).toBeLessThan(4 * 1024 * 1024);
    expect(await becomesTrue(() => Promise.resolve(upstream.brokenUploads > brokenBefore), 5_000)).toBe(true);
  });

  it('applies a revocation on both gateways within 2 s', async () => {
    const key = newKey(customerOne);
    await publish(producer, topic(), [key.snapshot]);
    expect(
      await becomesTrue(
        async () => (await call(a, '/v1/quotes/R', { key: key.plaintext })).status === 200,
        5_000,
      ),
    ).toBe(true);
    expect(
      await becomesTrue(
        async () => (await call(b, '/v1/quotes/R', { key: key.plaintext })).status === 200,
        5_000,
      ),
    ).toBe(true);

    await publish(producer, topic(), [revise(key, { status: 'revoked' })]);
    const revoked = async (base: string): Promise<boolean> => {
      const reply = await call(base, '/v1/quotes/R', { key: key.plaintext });
      return reply.status === 401 && reply.error?.code === 'api_key_revoked';
    };
    const [onA, onB] = await Promise.all([
      becomesTrue(() => revoked(a), 2_000),
      becomesTrue(() => revoked(b), 2_000),
    ]);
    expect([onA, onB]).toEqual([true, true]);
  });

  it('ignores a snapshot older than the one held', async () => {
    const key = newKey(customerOne);
    await publish(producer, topic(), [revise(key, { status: 'revoked' })]);
    const stale = { ...key.snapshot, status: 'active' as const, revision: 1 };
    await publish(producer, topic(), [stale]);
    const marker = newKey(customerOne);
    await publish(producer, topic(), [marker.snapshot]);
    // Once the later marker key works, the stale snapshot before it has been read too.
    expect(
      await becomesTrue(
        async () => (await call(a, '/v1/quotes/M', { key: marker.plaintext })).status === 200,
        5_000,
      ),
    ).toBe(true);
    expect((await call(a, '/v1/quotes/M', { key: key.plaintext })).error?.code).toBe('api_key_revoked');
  });

  it('keeps a rotated-out secret working until its grace ends, then refuses it within 2 s', async () => {
    const key = newKey(customerOne);
    await publish(producer, topic(), [key.snapshot]);
    expect(
      await becomesTrue(
        async () => (await call(a, '/v1/quotes/G', { key: key.plaintext })).status === 200,
        5_000,
      ),
    ).toBe(true);

    const rotated = newKey(customerOne);
    const graceEndsAt = Date.now() + 1_500;
    await publish(producer, topic(), [
      revise(key, {
        secrets: [
          { hash: rotated.snapshot.secrets[0].hash, validUntil: null },
          { hash: key.snapshot.secrets[0].hash, validUntil: new Date(graceEndsAt).toISOString() },
        ],
      }),
    ]);
    expect(
      await becomesTrue(
        async () => (await call(b, '/v1/quotes/G', { key: rotated.plaintext })).status === 200,
        2_000,
      ),
    ).toBe(true);
    expect((await call(b, '/v1/quotes/G', { key: key.plaintext })).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, graceEndsAt - Date.now())));
    const rotatedOut = async (base: string): Promise<boolean> =>
      (await call(base, '/v1/quotes/G', { key: key.plaintext })).error?.code === 'api_key_rotated_out';
    expect(await becomesTrue(() => rotatedOut(a), 2_000)).toBe(true);
    expect(await becomesTrue(() => rotatedOut(b), 2_000)).toBe(true);
    const event = await sinkA.waitFor((e) => e.keyId === key.snapshot.keyId && e.status === 401);
    expect(event.outcome).toBe('rejected_auth');
    expect((await call(a, '/v1/quotes/G', { key: rotated.plaintext })).status).toBe(200);
  });

  it('enforces a burst of 5 across two gateways sharing Redis: of 10 concurrent calls exactly 5 pass', async () => {
    const key = newKey(customerOne, { rateLimit: { rate: 0.001, burst: 5 } });
    await publish(producer, topic(), [key.snapshot]);
    // Wait until both gateways know the key, without spending its tokens: an unknown key answers invalid_api_key.
    const known = async (base: string): Promise<boolean> =>
      (await call(base, '/v2/nothing', { key: key.plaintext })).status === 404;
    expect(await becomesTrue(() => known(a), 5_000)).toBe(true);
    expect(await becomesTrue(() => known(b), 5_000)).toBe(true);

    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call(i % 2 === 0 ? a : b, `/v1/quotes/RL${i}`, { key: key.plaintext }),
      ),
    );
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429, 429, 429]);
    for (const refused of replies.filter((r) => r.status === 429)) {
      expect(refused.error?.code).toBe('rate_limited');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.headers.get('ratelimit-limit')).toBe('5');
      expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    }
    const passed = replies.filter((r) => r.status === 200);
    expect(passed.every((r) => r.headers.get('ratelimit-policy')?.includes('5;w=5000') === true)).toBe(true);
    await becomesTrue(
      () => Promise.resolve(eventsOf(key).filter((e) => e.route !== '*').length === 10),
      2_000,
    );
    const outcomes = eventsOf(key)
      .filter((e) => e.route !== '*')
      .map((e) => e.outcome)
      .sort();
    expect(outcomes).toEqual([...Array(5).fill('forwarded'), ...Array(5).fill('rate_limited')]);
  });

  it('enforces a daily request quota across both gateways and counts only billable calls', async () => {
    const key = newKey(customerTwo, { quotas: { requestsPerDay: 3, creditsPerMonth: null } });
    await publish(producer, topic(), [key.snapshot]);
    const known = async (base: string): Promise<boolean> =>
      (await call(base, '/v2/nothing', { key: key.plaintext })).status === 404;
    expect(await becomesTrue(() => known(a), 5_000)).toBe(true);
    expect(await becomesTrue(() => known(b), 5_000)).toBe(true);

    // A failed upstream call is not billable and gives its request back.
    expect((await call(a, '/v1/down', { key: key.plaintext })).status).toBe(502);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the refund is sent after the response
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1)
      statuses.push((await call(i % 2 === 0 ? b : a, `/v1/quotes/Q${i}`, { key: key.plaintext })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await call(b, '/v1/quotes/Q5', { key: key.plaintext });
    expect(refused.error?.code).toBe('quota_exceeded');
    expect(refused.headers.get('ratelimit-policy')).toContain('3;w=');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    // Retry-After points at the end of the customer's day (Europe/Paris), at most 25 hours away.
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(25 * 3600);
    await sinkB.waitFor((e) => e.keyId === key.snapshot.keyId && e.outcome === 'quota_exceeded');
  });

  it('holds a daily quota exactly across both gateways while they decide a busy key from allowance leases', async () => {
    const limit = 400;
    const key = newKey(customerTwo, {
      rateLimit: { rate: 100_000, burst: 100_000 },
      quotas: { requestsPerDay: limit, creditsPerMonth: null },
    });
    await publish(producer, topic(), [key.snapshot]);
    const known = async (base: string): Promise<boolean> =>
      (await call(base, '/v2/nothing', { key: key.plaintext })).status === 404;
    expect(await becomesTrue(() => known(a), 5_000)).toBe(true);
    expect(await becomesTrue(() => known(b), 5_000)).toBe(true);

    // Waves of 30 concurrent calls on each gateway: enough traffic for blocks of the key's allowance (at most
    // 1/16 of the quota each), more calls in total than the quota.
    let admitted = 0;
    for (let wave = 0; wave < 10; wave += 1) {
      const replies = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          call(i % 2 === 0 ? a : b, `/v1/quotes/L${wave}x${i}`, { key: key.plaintext }),
        ),
      );
      for (const reply of replies) {
        if (reply.status === 200) {
          admitted += 1;
          const remaining = Number(reply.headers.get('ratelimit-remaining'));
          expect(remaining).toBeGreaterThanOrEqual(0);
          expect(remaining).toBeLessThan(limit);
          expect(reply.headers.get('ratelimit-policy')).toContain(`${limit};w=`);
        } else {
          expect(reply.status).toBe(429);
          expect(reply.error?.code).toBe('quota_exceeded');
          expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
        }
      }
      // Leases reserve their units in Redis: the gateways together never pass the quota.
      expect(admitted).toBeLessThanOrEqual(limit);
    }
    // Once the leases are given back (idle 100 ms) or expired (600 ms), what is left is there for either gateway.
    await new Promise((resolve) => setTimeout(resolve, 700));
    let refused: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < limit && refused === undefined; i += 1) {
      const reply = await call(i % 2 === 0 ? a : b, `/v1/quotes/T${i}`, { key: key.plaintext });
      if (reply.status === 200) admitted += 1;
      else refused = reply;
    }
    expect(admitted).toBe(limit);
    expect(refused?.error?.code).toBe('quota_exceeded');
    expect(refused?.headers.get('ratelimit-remaining')).toBe('0');
    // The quota itself is used up: Retry-After is the end of the customer's day, not a lease's life.
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(1);
  });

  it('checks monthly credits with the route cost and charges the units the upstream reports', async () => {
    const key = newKey(customerTwo, { quotas: { requestsPerDay: null, creditsPerMonth: '3' } });
    await publish(producer, topic(), [key.snapshot]);
    const known = async (base: string): Promise<boolean> =>
      (await call(base, '/v2/nothing', { key: key.plaintext })).status === 404;
    expect(await becomesTrue(() => known(a), 5_000)).toBe(true);
    expect(await becomesTrue(() => known(b), 5_000)).toBe(true);

    // The route cost 0.5 is reserved; the upstream then reports 2 units: 2 of 3 credits used. The correction
    // is sent after the response, so give it a moment before the next call.
    expect((await call(a, '/v1/quotes/C1?units=2', { key: key.plaintext })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // 2 + 0.5 ≤ 3: allowed; the upstream reports 1: 3 used.
    expect((await call(b, '/v1/quotes/C2?units=1', { key: key.plaintext })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // 3 + 0.5 > 3: refused.
    const refused = await call(a, '/v1/quotes/C3', { key: key.plaintext });
    expect(refused.status).toBe(429);
    expect(refused.error?.code).toBe('quota_exceeded');
    expect(refused.headers.get('ratelimit-policy')).toContain('comment="credits per month"');
  });

  it('serves Prometheus metrics at /metrics and health at /health through the same port', async () => {
    const metrics = await call(a, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/keymeter_gateway_requests_total\{outcome="forwarded"\} [1-9]/);
    expect(metrics.text).toMatch(/keymeter_gateway_requests_total\{outcome="rejected_auth"\} [1-9]/);
    expect(metrics.text).toContain('keymeter_gateway_request_duration_seconds_bucket');
    expect(metrics.text).toMatch(/keymeter_gateway_events_emitted_total [1-9]/);
    expect(metrics.text).toContain('keymeter_gateway_sink_pending_events 0');
    expect(metrics.text).toContain('keymeter_gateway_sink_spool_bytes 0');
    expect(metrics.text).toMatch(/keymeter_gateway_registry_credentials [1-9]/);
    expect(metrics.text).toContain('keymeter_gateway_registry_lag_records 0');
    // Limits in Redis: the busy key's calls were decided from leases, the small limits' calls by script runs.
    expect(metrics.text).toMatch(/keymeter_gateway_limit_decisions_total\{source="lease"\} [1-9]/);
    expect(metrics.text).toMatch(/keymeter_gateway_limit_decisions_total\{source="redis"\} [1-9]/);
    expect(metrics.text).not.toContain('keymeter_gateway_limit_decisions_total{source="in_process"}');
    expect((await call(b, '/health')).status).toBe(200);
  });

  it('lets calls through when Redis is unreachable (fail-open) and counts the failures', async () => {
    const downConfig = configFor(dir, config.gatewayRoutesFile as string, {
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    });
    const sink = new MemoryUsageEventSink();
    const key = newKey(customerOne, { rateLimit: { rate: 0.001, burst: 1 } });
    await publish(producer, topic(), [key.snapshot]);
    const gateway = await startGateway(
      { ...infra, config: downConfig },
      { sink, gatewayId: 'gw-no-redis', port: 0 },
    );
    try {
      const statuses = [];
      for (let i = 0; i < 3; i += 1)
        statuses.push((await call(gateway.url, '/v1/quotes/F', { key: key.plaintext })).status);
      expect(statuses).toEqual([200, 200, 200]);
      expect((await call(gateway.url, '/metrics')).text).toMatch(
        /keymeter_gateway_limit_store_failures_total [3-9]/,
      );
    } finally {
      await gateway.close();
    }
  });

  it('refuses to start on a bad routes file, naming the file and the field', async () => {
    const badFile = join(dir, 'bad-routes.json');
    writeFileSync(
      badFile,
      JSON.stringify([
        { id: 'x', method: 'FETCH', pattern: '/v1/x', upstream: 'http://127.0.0.1:1', creditsPerCall: '1' },
      ]),
    );
    const badConfig = { ...config, gatewayRoutesFile: badFile };
    await expect(
      startGateway({ ...infra, config: badConfig }, { sink: new MemoryUsageEventSink(), port: 0 }),
    ).rejects.toThrow(
      new RegExp(`${badFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.*routes\\[0\\]\\.method`),
    );
  });
});
