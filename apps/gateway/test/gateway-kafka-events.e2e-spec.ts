// The gateway with its own event sink on Kafka (producer and spool on a worker thread): every call,
// forwarded or rejected, is one event in the usage-events topic, read back and compared field by field.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { decodeUsageEvent, type UsageEventV1 } from '@keymeter/contracts';
import { loadConfig, type AppConfig } from '@keymeter/config';
import type { LogRecord } from '@keymeter/event-log';
import { createLogger, openInfrastructure, requireEventLog, type Infrastructure } from '@keymeter/platform';
import { startGateway } from '../src/start-gateway';
import { newKey, publish } from './registry-fixtures';
import { TestUpstream } from './test-upstream';

const run = randomBytes(4).toString('hex');

async function readTopic(infra: Infrastructure, topic: string, expected: number): Promise<LogRecord[]> {
  const eventLog = requireEventLog(infra);
  const consumer = await eventLog.consumer({
    groupId: `read-${topic}`,
    topics: [topic],
    fromBeginning: true,
  });
  const records: LogRecord[] = [];
  let done: () => void = () => undefined;
  const complete = new Promise<void>((resolve) => (done = resolve));
  const timeout = setTimeout(done, 30_000);
  await consumer.run({
    eachBatch: async (batch) => {
      records.push(...batch.records);
      if (records.length >= expected) done();
    },
  });
  await complete;
  clearTimeout(timeout);
  await consumer.stop();
  return records;
}

describe('gateway events into Kafka through its own sink', () => {
  const upstream = new TestUpstream();
  let dir: string;
  let infra: Infrastructure;
  let config: AppConfig;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keymeter-gateway-kafka-events-'));
    const origin = await upstream.start();
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
      ]),
    );
    const base = loadConfig({
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      GATEWAY_ROUTES_FILE: routesFile,
      KEYMETER_DATA_DIR: dir,
      LOG_LEVEL: 'silent',
      GATEWAY_PORT: '0',
      GATEWAY_ID: 'gw-kafka-events',
    });
    config = {
      ...base,
      topics: {
        ...base.topics,
        usageEvents: { ...base.topics.usageEvents, name: `usage-events-gw-sink-${run}`, partitions: 2 },
        keyRegistry: { ...base.topics.keyRegistry, name: `key-registry-gw-sink-${run}` },
      },
    };
    infra = await openInfrastructure(config, createLogger('silent'), { eventLog: true });
  });

  afterAll(async () => {
    await infra?.close();
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('produces one event per call, rejected calls marked, exactly as the gateway built them', async () => {
    const key = newKey(`cus_sink_${run}`);
    const producer = await requireEventLog(infra).producer();
    await publish(producer, config.topics.keyRegistry.name, [key.snapshot]);
    await producer.close();
    const gateway = await startGateway(infra);
    const statuses: number[] = [];
    try {
      for (let index = 0; index < 30; index++) {
        const response = await fetch(`${gateway.url}/v1/quotes/S${index}`, {
          // The CDN's country header (GATEWAY_COUNTRY_HEADER, CF-IPCountry by default); XX is its "unknown".
          headers: {
            'x-api-key': key.plaintext,
            'user-agent': 'sink-e2e',
            'cf-ipcountry': index % 2 === 0 ? 'de' : 'XX',
          },
        });
        await response.text();
        statuses.push(response.status);
      }
      const rejected = await fetch(`${gateway.url}/v1/quotes/NOPE`, {
        headers: { 'user-agent': 'sink-e2e', 'CF-IPCountry': 'BR' },
      });
      await rejected.text();
      statuses.push(rejected.status);
    } finally {
      // Close flushes the sink: everything emitted is in the topic afterwards.
      await gateway.close();
    }
    expect(statuses).toEqual([...Array<number>(30).fill(200), 401]);

    const records = await readTopic(infra, config.topics.usageEvents.name, 31);
    expect(records).toHaveLength(31);
    const events = records.map((record) => {
      const decoded = decodeUsageEvent(record.value);
      if (!decoded.ok) throw new Error(JSON.stringify(decoded.errors));
      expect(record.key).toBe(decoded.event.keyId === '' ? 'unidentified' : decoded.event.keyId);
      return decoded.event;
    });
    expect(new Set(events.map((event) => event.id)).size).toBe(31);
    const forwarded = events.filter((event) => event.keyId === key.snapshot.keyId);
    expect(forwarded).toHaveLength(30);
    // One key, one partition: the topic holds its events in call order (the calls were sequential).
    const times = forwarded.map((event) => event.occurredAt);
    expect(times).toEqual([...times].sort());
    expect(forwarded[0]).toMatchObject<Partial<UsageEventV1>>({
      v: 1,
      gatewayId: 'gw-kafka-events',
      customerId: key.snapshot.customerId,
      method: 'GET',
      route: '/v1/quotes/:symbol',
      status: 200,
      units: '0.5',
      outcome: 'forwarded',
      billable: true,
      userAgent: 'sink-e2e',
    });
    // The country header reached the events: two letters upper-cased, none for the CDN's "unknown".
    expect(forwarded.map((event) => event.country)).toEqual(
      forwarded.map((_, index) => (index % 2 === 0 ? 'DE' : undefined)),
    );
    const unidentified = events.filter((event) => event.keyId === '');
    expect(unidentified).toEqual([
      expect.objectContaining({
        status: 401,
        outcome: 'rejected_auth',
        billable: false,
        route: '*',
        country: 'BR',
      }),
    ]);
  });
});
