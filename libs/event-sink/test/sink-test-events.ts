import { randomBytes } from 'node:crypto';
import { decodeUsageEvent, newEventId, type UsageEventV1 } from '@keymeter/contracts';
import type { EventLog, LogRecord } from '@keymeter/event-log';

/** A forwarded call of `keyId`; `seq` (in meta) numbers the key's events so order can be checked. */
export function testEvent(keyId: string, seq: number, overrides: Partial<UsageEventV1> = {}): UsageEventV1 {
  return {
    v: 1,
    id: newEventId(Date.now(), (count) => randomBytes(count)),
    occurredAt: new Date().toISOString(),
    gatewayId: 'gw-test',
    keyId,
    customerId: `cus-${keyId}`,
    method: 'GET',
    route: '/v1/quotes/:symbol',
    status: 200,
    latencyMs: 3,
    requestBytes: 120,
    responseBytes: 512,
    units: '1',
    clientIp: '203.0.113.7',
    userAgent: 'sink-test',
    outcome: 'forwarded',
    billable: true,
    meta: { seq: String(seq) },
    ...overrides,
  };
}

/** Decodes records read back from the log, failing on anything that is not a valid UsageEvent. */
export function decodeAll(records: readonly LogRecord[]): { key: string | null; event: UsageEventV1 }[] {
  return records.map((record) => {
    const decoded = decodeUsageEvent(record.value);
    if (!decoded.ok) throw new Error(`offset ${record.offset}: ${JSON.stringify(decoded.errors)}`);
    return { key: record.key, event: decoded.event };
  });
}

/**
 * Checks that the records hold every expected event exactly once, under its key id, and that each key's
 * events appear in the order they were emitted (meta.seq increasing within a partition).
 */
export function expectExactlyOnceInKeyOrder(
  records: readonly LogRecord[],
  expected: readonly UsageEventV1[],
): void {
  const decoded = decodeAll(records);
  const seen = new Map<string, number>();
  for (const { event } of decoded) seen.set(event.id, (seen.get(event.id) ?? 0) + 1);
  const duplicates = [...seen].filter(([, count]) => count > 1);
  expect(duplicates).toEqual([]);
  expect(new Set(seen.keys())).toEqual(new Set(expected.map((event) => event.id)));
  for (const { key, event } of decoded) expect(key).toBe(event.keyId);
  const byKey = new Map<string, number[]>();
  for (const record of [...records].sort((a, b) => Number(a.offset) - Number(b.offset))) {
    const { event } = decodeAll([record])[0];
    const list = byKey.get(event.keyId) ?? [];
    list.push(Number(event.meta?.seq));
    byKey.set(event.keyId, list);
  }
  for (const [key, seqs] of byKey) {
    const sorted = [...seqs].sort((a, b) => a - b);
    expect({ key, seqs }).toEqual({ key, seqs: sorted });
  }
}

/** Reads every record of the topic (up to its high watermarks at call time) with a fresh group. */
export async function readWholeTopic(log: EventLog, topic: string): Promise<LogRecord[]> {
  const offsets = await log.topicOffsets(topic);
  const total = offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
  const records: LogRecord[] = [];
  if (total === 0) return records;
  const consumer = await log.consumer({
    groupId: `read-${topic}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
    topics: [topic],
    fromBeginning: true,
  });
  let done: () => void = () => undefined;
  const complete = new Promise<void>((resolve) => (done = resolve));
  await consumer.run({
    eachBatch: async (batch) => {
      records.push(...batch.records);
      if (records.length >= total) done();
    },
  });
  const timeout = setTimeout(done, 60_000);
  await complete;
  clearTimeout(timeout);
  await consumer.stop();
  if (records.length !== total) throw new Error(`read ${records.length} of ${total} records of ${topic}`);
  return records;
}
