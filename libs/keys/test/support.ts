import { randomBytes } from 'node:crypto';
import { decodeKeyRegistryRecord, type KeyRegistryRecordV1 } from '@keymeter/contracts';
import type { EventLog, LogConsumer } from '@keymeter/event-log';

export function kafkaBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run these tests through jest');
  return brokers.split(',').map((broker) => broker.trim());
}

export function uniqueName(label: string): string {
  return `${label}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export interface ReceivedRecord {
  readonly key: string | null;
  readonly raw: string;
  readonly record: KeyRegistryRecordV1 | undefined;
}

/** Reads a registry topic from the beginning for the whole test file, keeping every record. */
export class RegistryReader {
  readonly received: ReceivedRecord[] = [];
  private consumer: LogConsumer | undefined;

  constructor(
    private readonly log: EventLog,
    private readonly topic: string,
  ) {}

  async start(): Promise<void> {
    this.consumer = await this.log.consumer({
      groupId: uniqueName('keys-test-reader'),
      topics: [this.topic],
      fromBeginning: true,
    });
    await this.consumer.run({
      eachBatch: async (batch) => {
        for (const record of batch.records) {
          this.received.push({
            key: record.key,
            raw: record.value.toString('utf8'),
            record: decodeKeyRegistryRecord(record.value),
          });
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
  }

  /** Waits until a received record satisfies `match` (fails after 30 s) and returns the newest such one. */
  async waitFor(
    match: (record: KeyRegistryRecordV1, key: string | null) => boolean,
    what: string,
  ): Promise<KeyRegistryRecordV1> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const found = this.received.filter(
        (entry) => entry.record !== undefined && match(entry.record, entry.key),
      );
      if (found.length > 0) return found[found.length - 1].record!;
      if (Date.now() > deadline) throw new Error(`no registry record on the topic: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** A clock the test moves by hand. */
export class ManualClock {
  constructor(private nowMs: number) {}
  readonly now = (): Date => new Date(this.nowMs);
  advance(ms: number): void {
    this.nowMs += ms;
  }
}
