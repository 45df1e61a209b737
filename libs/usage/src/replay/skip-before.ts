import type { ConsumerHandlers, EventLog, LogConsumer } from '@keymeter/event-log';

function bound<T extends object>(target: T, property: string | symbol): unknown {
  const value: unknown = Reflect.get(target, property, target);
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
}

/**
 * The event log as seen by a consumer that starts each partition at a given offset: records before it
 * are dropped from every batch before the handler sees them (the port has no seek; the group is fresh).
 */
export function skipBefore(eventLog: EventLog, startOffsets: ReadonlyMap<number, bigint>): EventLog {
  const wrapConsumer = (consumer: LogConsumer): LogConsumer =>
    new Proxy(consumer, {
      get(inner, name): unknown {
        if (name !== 'run') return bound(inner, name);
        return (handlers: ConsumerHandlers) =>
          inner.run({
            eachBatch: async (batch) => {
              const start = startOffsets.get(batch.partition) ?? 0n;
              if (BigInt(batch.firstOffset) >= start) return handlers.eachBatch(batch);
              const records = batch.records.filter((record) => BigInt(record.offset) >= start);
              if (records.length === 0) return;
              await handlers.eachBatch({ ...batch, records, firstOffset: records[0].offset });
            },
          });
      },
    });
  return new Proxy(eventLog, {
    get(target, property): unknown {
      if (property !== 'consumer') return bound(target, property);
      return async (options: Parameters<EventLog['consumer']>[0]): Promise<LogConsumer> =>
        wrapConsumer(await target.consumer(options));
    },
  });
}
