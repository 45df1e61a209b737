import { randomBytes } from 'node:crypto';
import { decodeKeyRegistryRecord } from '@keymeter/contracts';
import type { EventLog, LogBatch, LogConsumer } from '@keymeter/event-log';
import type { KeyRegistryView } from './key-registry-view';

export interface RegistrySubscriptionOptions {
  readonly eventLog: EventLog;
  readonly topic: string;
  readonly view: KeyRegistryView;
  /** Names this instance's consumer group; a random suffix makes it unique per start. */
  readonly instanceId: string;
  /** Start-up fails when the view has not caught up with the log after this long. Default 60 s. */
  readonly readyTimeoutMs?: number;
  readonly onSkippedRecord?: (offset: string) => void;
}

export interface RegistrySubscription {
  /** The consumer group used (never commits: every start reads the compacted topic from the beginning). */
  readonly groupId: string;
  /** Records known to be in the log but not applied yet, summed over partitions. */
  lag(): number;
  stop(): Promise<void>;
}

/**
 * Follows the key-registry topic into the view. Every gateway instance reads the whole compacted topic
 * with a group of its own (so each sees every partition) and resolves only once it has applied everything
 * that was in the log when it started: a gateway never serves on a partial registry.
 *
 * Latency of a change: the Kafka adapter long-polls with maxWaitTime 500 ms and minBytes 1 (a fetch returns
 * as soon as a record arrives); the embedded log wakes its consumers on append. Either way a revocation is
 * applied well within the 2 s bound.
 */
export async function subscribeToKeyRegistry(
  options: RegistrySubscriptionOptions,
): Promise<RegistrySubscription> {
  const { eventLog, topic, view } = options;
  const groupId = `gateway-registry-${options.instanceId}-${randomBytes(6).toString('hex')}`;
  const startOffsets = await eventLog.topicOffsets(topic);
  /** Next offset to apply per partition, and the newest high watermark seen. */
  const next = new Map<number, bigint>();
  const high = new Map<number, bigint>();
  for (const partition of startOffsets) {
    next.set(partition.partition, BigInt(partition.low));
    high.set(partition.partition, BigInt(partition.high));
  }
  const target = new Map(startOffsets.map((p) => [p.partition, BigInt(p.high)]));
  const caughtUp = (): boolean => [...target].every(([partition, end]) => (next.get(partition) ?? 0n) >= end);

  let signalReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (signalReady = resolve));
  if (caughtUp()) signalReady();

  const consumer: LogConsumer = await eventLog.consumer({ groupId, topics: [topic], fromBeginning: true });
  const onBatch = (batch: LogBatch): Promise<void> => {
    for (const record of batch.records) {
      const decoded = decodeKeyRegistryRecord(record.value);
      if (decoded === undefined) options.onSkippedRecord?.(record.offset);
      else view.apply(decoded);
    }
    next.set(batch.partition, BigInt(batch.lastOffset) + 1n);
    high.set(batch.partition, BigInt(batch.highWatermark));
    if (caughtUp()) signalReady();
    return Promise.resolve();
  };
  await consumer.run({ eachBatch: onBatch });

  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `key registry: topic ${topic} was not read up to its end within ${timeoutMs} ms; not serving on a partial registry`,
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    await consumer.stop().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }

  return {
    groupId,
    lag(): number {
      let total = 0n;
      for (const [partition, end] of high) {
        const gap = end - (next.get(partition) ?? 0n);
        if (gap > 0n) total += gap;
      }
      return Number(total);
    },
    stop: () => consumer.stop(),
  };
}
