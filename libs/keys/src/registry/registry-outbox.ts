import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { registryRecordKey, type KeyRegistryRecordV1 } from '@keymeter/contracts';
import {
  ApiKeyEntity,
  ApiKeySecretEntity,
  CustomerEntity,
  IngestTokenEntity,
  IngestTokenSecretEntity,
  OutboxEntity,
} from '@keymeter/database';
import { apiKeySnapshot, ingestTokenSnapshot } from './snapshots';

/**
 * Writes key registry snapshots into the outbox, through the caller's transaction manager: the snapshot is
 * queued exactly when the change it describes commits. The publisher sends it afterwards.
 */
export class RegistryOutbox {
  constructor(private readonly topic: string) {}

  /** Queues the current snapshot of an API key (read through `manager`, so it sees the uncommitted change). */
  async enqueueApiKey(manager: EntityManager, keyId: string, now: Date): Promise<KeyRegistryRecordV1> {
    const key = await manager.findOneByOrFail(ApiKeyEntity, { id: keyId });
    const customer = await manager.findOneByOrFail(CustomerEntity, { id: key.customerId });
    const secrets = await manager.findBy(ApiKeySecretEntity, { keyId });
    return this.enqueue(manager, apiKeySnapshot(key, secrets, customer.timezone, now));
  }

  async enqueueIngestToken(manager: EntityManager, tokenId: string, now: Date): Promise<KeyRegistryRecordV1> {
    const token = await manager.findOneByOrFail(IngestTokenEntity, { id: tokenId });
    const secrets = await manager.findBy(IngestTokenSecretEntity, { tokenId });
    return this.enqueue(manager, ingestTokenSnapshot(token, secrets, now));
  }

  /**
   * Queues the snapshot of every credential: run at start-up so the compacted topic converges on the
   * database even if an earlier process died between a commit and its publication, and so rotated-out
   * secrets past their retention drop out. Returns how many were queued.
   */
  async enqueueAll(manager: EntityManager, now: Date): Promise<number> {
    const timeZones = new Map(
      (await manager.find(CustomerEntity, { select: { id: true, timezone: true } })).map((customer) => [
        customer.id,
        customer.timezone,
      ]),
    );
    const keySecrets = groupBy(await manager.find(ApiKeySecretEntity), (secret) => secret.keyId);
    const tokenSecrets = groupBy(await manager.find(IngestTokenSecretEntity), (secret) => secret.tokenId);
    const records: KeyRegistryRecordV1[] = [];
    for (const key of await manager.find(ApiKeyEntity, { order: { createdAt: 'ASC' } })) {
      records.push(apiKeySnapshot(key, keySecrets.get(key.id) ?? [], timeZones.get(key.customerId)!, now));
    }
    for (const token of await manager.find(IngestTokenEntity, { order: { createdAt: 'ASC' } })) {
      records.push(ingestTokenSnapshot(token, tokenSecrets.get(token.id) ?? [], now));
    }
    for (let start = 0; start < records.length; start += INSERT_CHUNK) {
      await manager.insert(
        OutboxEntity,
        records.slice(start, start + INSERT_CHUNK).map((record) => this.outboxRow(record)),
      );
    }
    return records.length;
  }

  private async enqueue(manager: EntityManager, record: KeyRegistryRecordV1): Promise<KeyRegistryRecordV1> {
    await manager.insert(OutboxEntity, this.outboxRow(record));
    return record;
  }

  private outboxRow(record: KeyRegistryRecordV1): QueryDeepPartialEntity<OutboxEntity> {
    return {
      topic: this.topic,
      recordKey: registryRecordKey(record),
      // jsonb: TypeORM's deep-partial type cannot express an open record.
      payload: record as unknown as QueryDeepPartialEntity<Record<string, unknown>>,
    };
  }
}

const INSERT_CHUNK = 500;

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  }
  return groups;
}
