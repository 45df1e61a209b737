import type { EventLog, EventLogHealth } from '@keymeter/event-log';

export interface PipelineHealthOptions {
  readonly eventLog: EventLog;
  readonly usageTopic: string;
  readonly deadLetterTopic: string;
  /** The ingestor's consumer group, whose committed offsets measure the lag. */
  readonly ingestorGroupId: string;
}

export interface PipelineHealth {
  readonly usageTopic: string;
  readonly consumerGroup: string;
  readonly eventLog: EventLogHealth;
  /** Events in the topic the ingestor has not committed yet, all partitions. */
  readonly consumerLag: number;
  readonly partitions: readonly {
    readonly partition: number;
    readonly high: string;
    readonly committed: string | null;
    readonly lag: number;
  }[];
  /** Events held in the dead-letter topic (invalid events, with the reason in a header). */
  readonly deadLetter: { readonly topic: string; readonly events: number };
}

/**
 * The ingestion pipeline as the event log sees it: the same lag the ingestor reports on /metrics
 * (high watermark minus the group's committed offset, per partition) and the dead-letter backlog. Read
 * from the log itself, so billing reports it whether the ingestor runs in this process or elsewhere.
 */
export async function readPipelineHealth(options: PipelineHealthOptions): Promise<PipelineHealth> {
  const { eventLog, usageTopic, deadLetterTopic, ingestorGroupId } = options;
  const [health, offsets, committed, deadLetters] = await Promise.all([
    eventLog.health(),
    eventLog.topicOffsets(usageTopic),
    eventLog.committedOffsets(ingestorGroupId, usageTopic),
    eventLog.topicOffsets(deadLetterTopic).catch(() => []),
  ]);
  const committedBy = new Map(committed.map((entry) => [entry.partition, BigInt(entry.offset)]));
  const partitions = offsets.map(({ partition, low, high }) => {
    const done = committedBy.get(partition);
    const from = done === undefined || done < 0n ? BigInt(low) : done;
    const lag = Number(BigInt(high) - from);
    return {
      partition,
      high,
      committed: done === undefined || done < 0n ? null : done.toString(),
      lag: Math.max(0, lag),
    };
  });
  return {
    usageTopic,
    consumerGroup: ingestorGroupId,
    eventLog: health,
    consumerLag: partitions.reduce((sum, partition) => sum + partition.lag, 0),
    partitions,
    deadLetter: {
      topic: deadLetterTopic,
      events: deadLetters.reduce((sum, { low, high }) => sum + Number(BigInt(high) - BigInt(low)), 0),
    },
  };
}
