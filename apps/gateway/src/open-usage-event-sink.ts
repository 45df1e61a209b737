import { join } from 'node:path';
import {
  createThreadedUsageEventSink,
  createUsageEventSink,
  type UsageEventSink,
} from '@keymeter/event-sink';
import type { EventLog } from '@keymeter/event-log';
import type { Infrastructure } from '@keymeter/platform';

/** Bound on the on-disk spool while the event log is unreachable. */
const MAX_SPOOL_BYTES = 1024 * 1024 * 1024;
/**
 * A partial batch waits up to 50 ms for more events: at a few thousand calls per second that makes produce
 * requests of ~100 events instead of ~10, and each request costs kafkajs encoding and gzip work on the
 * gateway's core. 50 ms is nothing against the ingestion pipeline's seconds.
 */
const LINGER_MS = 50;

/**
 * The gateway's usage-event sink: batched into the usage-events topic, spooled under the data dir on outages.
 * On Kafka the producer and the spool run on a worker thread (`createThreadedUsageEventSink`): kafkajs's
 * request encoding, CRC and gzip were a tenth of the request thread's time. The embedded log stays on this
 * thread: it is one process-wide file log (its directory is locked by the instance the gateway already uses).
 */
export function openUsageEventSink(
  infra: Infrastructure,
  eventLog: EventLog,
  gatewayId: string,
): Promise<UsageEventSink> {
  const { config } = infra;
  const common = {
    topic: config.topics.usageEvents.name,
    spoolDir: join(config.dataDir, 'gateway-spool', gatewayId),
    maxSpoolBytes: MAX_SPOOL_BYTES,
    lingerMs: LINGER_MS,
    logger: infra.logger.child({ app: 'gateway', part: 'event-sink' }),
  };
  if (config.eventLog.adapter === 'kafka') {
    return createThreadedUsageEventSink({
      ...common,
      kafka: { brokers: config.eventLog.brokers, clientId: config.eventLog.clientId },
    });
  }
  return createUsageEventSink({ ...common, eventLog });
}
