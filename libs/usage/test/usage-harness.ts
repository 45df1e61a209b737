import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openClickHouse, runClickHouseMigrations, type ClickHouseHandle } from '@keymeter/clickhouse';
import {
  encodeUsageEvent,
  isBillable,
  newEventId,
  type UsageEventV1,
  type UsageOutcome,
} from '@keymeter/contracts';
import { createKafkaEventLog, type EventLog } from '@keymeter/event-log';
import { ClickHouseIngestStore, IngestionEngine } from '@keymeter/ingestion';

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function openTestKafka(clientId = 'keymeter-usage-test'): EventLog {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run these tests through jest');
  return createKafkaEventLog({
    brokers: brokers.split(',').map((b) => b.trim()),
    clientId,
    logSink: () => undefined,
    consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 },
  });
}

export interface EventSpec {
  readonly customerId: string;
  readonly keyId: string;
  readonly at: string;
  readonly route?: string;
  readonly outcome?: UsageOutcome;
  readonly status?: number;
  readonly units?: string;
  readonly responseBytes?: number;
}

export function usageEvent(spec: EventSpec): UsageEventV1 {
  const outcome = spec.outcome ?? 'forwarded';
  const status = spec.status ?? (outcome === 'forwarded' ? 200 : 429);
  const occurredMs = Date.parse(spec.at);
  return {
    v: 1,
    id: newEventId(occurredMs, (n) => randomBytes(n)),
    occurredAt: new Date(occurredMs).toISOString(),
    gatewayId: 'gw-usage-test',
    keyId: spec.keyId,
    customerId: spec.customerId,
    method: 'GET',
    route: spec.route ?? '/v1/quotes/:symbol',
    status,
    latencyMs: 12,
    requestBytes: 100,
    responseBytes: spec.responseBytes ?? 1000,
    units: spec.units ?? '1',
    clientIp: '203.0.113.7',
    userAgent: 'usage-test/1.0',
    outcome,
    billable: isBillable(outcome, status),
  };
}

export async function produceEvents(
  log: EventLog,
  topic: string,
  events: readonly UsageEventV1[],
): Promise<void> {
  const producer = await log.producer();
  try {
    await producer.send(
      topic,
      events.map((event) => ({ key: event.keyId, value: encodeUsageEvent(event) })),
    );
  } finally {
    await producer.close();
  }
}

/** A chDB directory with the usage schema migrated into a fresh database. */
export async function openTestClickHouse(
  prefix: string,
): Promise<{ handle: ClickHouseHandle; dir: string; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const handle = await openClickHouse({ chdbPath: dir, database: 'keymeter' });
  await runClickHouseMigrations(handle);
  return {
    handle,
    dir,
    cleanup: async () => {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sum of (high watermark - committed offset) over the partitions of a group. */
export async function uncommitted(log: EventLog, topic: string, groupId: string): Promise<number> {
  const [offsets, committed] = await Promise.all([
    log.topicOffsets(topic),
    log.committedOffsets(groupId, topic),
  ]);
  const done = new Map(committed.map((c) => [c.partition, BigInt(c.offset)]));
  return offsets.reduce((sum, o) => {
    const at = done.get(o.partition) ?? -1n;
    return sum + Number(BigInt(o.high) - (at < 0n ? BigInt(o.low) : at));
  }, 0);
}

/** Runs the ingestion engine (the ingestor's code path) until the group has committed the whole topic. */
export async function ingestAll(
  log: EventLog,
  handle: ClickHouseHandle,
  topic: string,
  deadLetterTopic: string,
  groupId: string,
): Promise<void> {
  const engine = new IngestionEngine({
    eventLog: log,
    store: new ClickHouseIngestStore(handle.client),
    topic,
    groupId,
    deadLetterTopic,
    maxBatchEvents: 500,
    maxBatchWaitMs: 100,
    lateGraceMs: 3_600_000,
  });
  await engine.start();
  try {
    await waitFor(
      `${topic} ingested by ${groupId}`,
      async () => (await uncommitted(log, topic, groupId)) === 0,
    );
  } finally {
    await engine.stop();
  }
}
