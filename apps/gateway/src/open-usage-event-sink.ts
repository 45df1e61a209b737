import { join } from 'node:path';
import { createUsageEventSink, type UsageEventSink } from '@keymeter/event-sink';
import type { EventLog } from '@keymeter/event-log';
import type { Infrastructure } from '@keymeter/platform';

/** Bound on the on-disk spool while the event log is unreachable. */
const MAX_SPOOL_BYTES = 1024 * 1024 * 1024;

/** The gateway's usage-event sink: batched into the usage-events topic, spooled under the data dir on outages. */
export function openUsageEventSink(
  infra: Infrastructure,
  eventLog: EventLog,
  gatewayId: string,
): Promise<UsageEventSink> {
  return createUsageEventSink({
    eventLog,
    topic: infra.config.topics.usageEvents.name,
    spoolDir: join(infra.config.dataDir, 'gateway-spool', gatewayId),
    maxSpoolBytes: MAX_SPOOL_BYTES,
    logger: infra.logger.child({ app: 'gateway', part: 'event-sink' }),
  });
}
