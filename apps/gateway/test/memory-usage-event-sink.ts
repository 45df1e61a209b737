import type { UsageEventV1 } from '@keymeter/contracts';
import type { UsageEventSink, UsageEventSinkStats } from '@keymeter/event-sink';

/** The gateway's event port held in memory, so tests read back exactly what the gateway emitted. */
export class MemoryUsageEventSink implements UsageEventSink {
  readonly events: UsageEventV1[] = [];

  emit(event: UsageEventV1): void {
    this.events.push(event);
  }

  emitDurably(events: readonly UsageEventV1[]): Promise<void> {
    this.events.push(...events);
    return Promise.resolve();
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  stats(): UsageEventSinkStats {
    // Built apart from the return so it fits the stats shape with or without the spool's extra counters.
    const stats = {
      pending: 0,
      spoolBytes: 0,
      spooledEvents: 0,
      produced: this.events.length,
      producerErrors: 0,
      dropped: 0,
    };
    return stats;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Waits (polling) for an event matching `predicate`; fails after `timeoutMs`. */
  async waitFor(predicate: (event: UsageEventV1) => boolean, timeoutMs = 5_000): Promise<UsageEventV1> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error('no matching usage event was emitted');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
