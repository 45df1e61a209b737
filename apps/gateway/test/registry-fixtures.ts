import { randomBytes } from 'node:crypto';
import {
  encodeKeyRegistryRecord,
  registryRecordKey,
  type ApiKeySnapshotV1,
  type KeyRegistryRecordV1,
} from '@keymeter/contracts';
import { generateApiKey } from '@keymeter/domain';
import type { LogProducer } from '@keymeter/event-log';

export interface TestKey {
  readonly plaintext: string;
  snapshot: ApiKeySnapshotV1;
}

let sequence = 0;
const run = randomBytes(4).toString('hex');

/** A new active key (unique id per test run, so Redis counters of earlier runs never apply). */
export function newKey(customerId: string, changes: Partial<ApiKeySnapshotV1> = {}): TestKey {
  const generated = generateApiKey('live', randomBytes);
  sequence += 1;
  return {
    plaintext: generated.plaintext,
    snapshot: {
      v: 1,
      kind: 'api_key',
      keyId: `key_${run}_${sequence}`,
      customerId,
      timeZone: 'Europe/Paris',
      environment: 'live',
      name: `test key ${sequence}`,
      prefix: generated.prefix,
      secrets: [{ hash: generated.hash, validUntil: null }],
      status: 'active',
      expiresAt: null,
      scopes: [{ methods: ['*'], pattern: '*' }],
      rateLimit: null,
      quotas: { requestsPerDay: null, creditsPerMonth: null },
      revision: 1,
      updatedAt: new Date().toISOString(),
      ...changes,
    },
  };
}

/** The key's next revision with `changes`, as billing would publish it. */
export function revise(key: TestKey, changes: Partial<ApiKeySnapshotV1>): ApiKeySnapshotV1 {
  key.snapshot = {
    ...key.snapshot,
    ...changes,
    revision: key.snapshot.revision + 1,
    updatedAt: new Date().toISOString(),
  };
  return key.snapshot;
}

export async function publish(
  producer: LogProducer,
  topic: string,
  records: readonly KeyRegistryRecordV1[],
): Promise<void> {
  await producer.send(
    topic,
    records.map((record) => ({ key: registryRecordKey(record), value: encodeKeyRegistryRecord(record) })),
  );
}
