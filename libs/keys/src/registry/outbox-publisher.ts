import { In, IsNull, LessThan, type DataSource } from 'typeorm';
import { encodeKeyRegistryRecord, type KeyRegistryRecordV1 } from '@keymeter/contracts';
import { OutboxEntity } from '@keymeter/database';
import type { EventLog, LogProducer, OutgoingMessage } from '@keymeter/event-log';

export interface OutboxPublisherLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface OutboxPublisherOptions {
  readonly dataSource: DataSource;
  readonly eventLog: EventLog;
  readonly logger?: OutboxPublisherLogger;
  /** Fallback poll when no commit kicked the loop (e.g. rows written by another instance). Default 500 ms. */
  readonly pollIntervalMs?: number;
  /** Wait after a failed send before trying again. Default 1000 ms. */
  readonly retryDelayMs?: number;
  /** Rows per send. Default 500. */
  readonly batchSize?: number;
  /** Sent rows older than this are deleted at start. Default 7 days. */
  readonly keepSentMs?: number;
}

const DEFAULTS = { pollIntervalMs: 500, retryDelayMs: 1_000, batchSize: 500, keepSentMs: 7 * 86_400_000 };

/**
 * Sends pending outbox rows to the event log in id order and marks them sent. Runs as a loop that a commit
 * wakes at once (`kick()`), with a short poll as a fallback. Delivery is at least once: a crash between the
 * send and the mark sends a row again, which is harmless for full snapshots (consumers keep the highest
 * revision). Several billing instances may each send a row; same argument.
 */
export class OutboxPublisher {
  private readonly settings: typeof DEFAULTS;
  private producer: LogProducer | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private kicked = false;
  private wake: (() => void) | undefined;
  /** Serialises sends: the loop and `flush()` never send the same rows twice at once. */
  private sending: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: OutboxPublisherOptions) {
    this.settings = {
      pollIntervalMs: options.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
      retryDelayMs: options.retryDelayMs ?? DEFAULTS.retryDelayMs,
      batchSize: options.batchSize ?? DEFAULTS.batchSize,
      keepSentMs: options.keepSentMs ?? DEFAULTS.keepSentMs,
    };
  }

  async start(): Promise<void> {
    if (this.loop !== undefined) return;
    this.stopped = false;
    this.producer = await this.options.eventLog.producer();
    await this.options.dataSource
      .getRepository(OutboxEntity)
      .delete({ sentAt: LessThan(new Date(Date.now() - this.settings.keepSentMs)) });
    this.loop = this.run();
  }

  /** Wakes the loop now: called after every commit that queued a row. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /** Sends everything pending now; throws if the event log refuses. */
  async flush(): Promise<void> {
    while ((await this.publishBatch()) > 0) {
      // keep going until nothing is pending
    }
  }

  /** Stops the loop after a last attempt to send what is pending, and closes the producer. */
  async stop(): Promise<void> {
    if (this.loop === undefined) return;
    this.stopped = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    try {
      await this.flush();
    } catch (error) {
      // Left pending in the outbox: the next start sends it.
      this.options.logger?.warn(
        { err: describe(error) },
        'key registry outbox: could not send before stopping',
      );
    }
    await this.producer?.close();
    this.producer = undefined;
  }

  /** Number of rows not yet sent. */
  async pendingCount(): Promise<number> {
    return this.options.dataSource.getRepository(OutboxEntity).countBy({ sentAt: IsNull() });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.kicked = false;
      let sent: number;
      try {
        sent = await this.publishBatch();
      } catch (error) {
        this.options.logger?.warn({ err: describe(error) }, 'key registry outbox: send failed, will retry');
        await this.sleep(this.settings.retryDelayMs);
        continue;
      }
      if (sent < this.settings.batchSize && !this.kicked) await this.sleep(this.settings.pollIntervalMs);
    }
  }

  private publishBatch(): Promise<number> {
    const next = this.sending.then(() => this.sendPending());
    this.sending = next.catch(() => undefined);
    return next;
  }

  private async sendPending(): Promise<number> {
    const producer = this.producer;
    if (producer === undefined) throw new Error('key registry outbox: the publisher is not started');
    const repository = this.options.dataSource.getRepository(OutboxEntity);
    const rows = await repository.find({
      where: { sentAt: IsNull() },
      order: { id: 'ASC' },
      take: this.settings.batchSize,
    });
    if (rows.length === 0) return 0;
    // Consecutive rows of one topic go in one send, so the order of rows is the order on each partition.
    for (const run of topicRuns(rows)) {
      const messages: OutgoingMessage[] = run.map((row) => ({
        key: row.recordKey,
        value: encodeKeyRegistryRecord(row.payload as unknown as KeyRegistryRecordV1),
      }));
      await producer.send(run[0].topic, messages);
    }
    await repository.update({ id: In(rows.map((row) => row.id)) }, { sentAt: new Date() });
    return rows.length;
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped || this.kicked) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

function topicRuns(rows: readonly OutboxEntity[]): OutboxEntity[][] {
  const runs: OutboxEntity[][] = [];
  for (const row of rows) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[0].topic === row.topic) last.push(row);
    else runs.push([row]);
  }
  return runs;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
