import type { EventLog, LogRecord } from '@keymeter/event-log';

/** Per partition: first offset to read (inclusive) and where to stop (exclusive). */
export interface PartitionRange {
  readonly partition: number;
  readonly from: bigint;
  readonly to: bigint;
}

/**
 * Start and end offsets of `topic` between two log times: from the first record appended at or after
 * `fromMs` (earliest retained when undefined) to the high watermark as it is now (or the first record at
 * or after `toMs`).
 */
export async function partitionRanges(
  eventLog: EventLog,
  topic: string,
  fromMs: number | undefined,
  toMs: number | undefined,
): Promise<PartitionRange[]> {
  const offsets = await eventLog.topicOffsets(topic);
  const starts =
    fromMs === undefined
      ? undefined
      : new Map((await eventLog.offsetsForTime(topic, fromMs)).map((o) => [o.partition, BigInt(o.offset)]));
  const ends =
    toMs === undefined
      ? undefined
      : new Map((await eventLog.offsetsForTime(topic, toMs)).map((o) => [o.partition, BigInt(o.offset)]));
  return offsets
    .map(({ partition, low, high }) => {
      const lowest = BigInt(low);
      const highest = BigInt(high);
      // offsetsForTime answers -1 (or the high watermark) when no record is that recent.
      const clamp = (value: bigint | undefined, fallback: bigint): bigint =>
        value === undefined || value < 0n
          ? fallback
          : value < lowest
            ? lowest
            : value > highest
              ? highest
              : value;
      return {
        partition,
        from: starts ? clamp(starts.get(partition), highest) : lowest,
        to: ends ? clamp(ends.get(partition), highest) : highest,
      };
    })
    .sort((a, b) => a.partition - b.partition);
}

/**
 * Reads each partition's [from, to) once with a throwaway consumer group (nothing committed), handing
 * records over batch by batch. The event-log port has no seek, so a partition is read from its earliest
 * retained offset and records before `from` are skipped.
 */
export async function readPartitionRanges(
  eventLog: EventLog,
  topic: string,
  ranges: readonly PartitionRange[],
  groupId: string,
  onRecords: (partition: number, records: readonly LogRecord[]) => Promise<void> | void,
  timeoutMs = 10 * 60_000,
): Promise<void> {
  const pending = new Map(ranges.filter((r) => r.to > r.from).map((r) => [r.partition, r]));
  if (pending.size === 0) return;
  let failure: Error | undefined;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const consumer = await eventLog.consumer({
    groupId,
    topics: [topic],
    fromBeginning: true,
    maxBatchRecords: 5000,
  });
  await consumer.run({
    eachBatch: async (batch) => {
      const range = pending.get(batch.partition);
      if (!range || failure !== undefined) return;
      const records = batch.records.filter((r) => {
        const offset = BigInt(r.offset);
        return offset >= range.from && offset < range.to;
      });
      try {
        if (records.length > 0) await onRecords(batch.partition, records);
      } catch (error) {
        failure = error instanceof Error ? error : new Error(JSON.stringify(error));
        finish();
        return;
      }
      if (BigInt(batch.lastOffset) + 1n >= range.to) {
        pending.delete(batch.partition);
        if (pending.size === 0) finish();
      }
    },
  });
  const timer = setTimeout(() => {
    failure ??= new Error(
      `reading ${topic}: partitions ${[...pending.keys()].join(', ')} not read within ${timeoutMs} ms`,
    );
    finish();
  }, timeoutMs);
  try {
    await done;
  } finally {
    clearTimeout(timer);
    await consumer.stop();
  }
  if (failure !== undefined) throw failure;
}
