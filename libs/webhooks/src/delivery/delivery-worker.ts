import type { DataSource } from 'typeorm';
import { webhookHeaders } from '../signing/sign-webhook';
import { DeliveryStore, type ClaimedDelivery } from './delivery-store';
import {
  DEFAULT_RETRY_SCHEDULE,
  nextAttemptAt,
  type RandomSource,
  type RetrySchedule,
} from './retry-schedule';
import type { WebhookSender } from './webhook-sender';

/** The current instant; injected so tests can move time through the retry schedule. */
export type WebhookClock = () => Date;

/** What the worker writes to the log: ids and outcomes only, never a URL's query, a body or a secret. */
export interface WebhookWorkerLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface DeliveryWorkerOptions {
  readonly dataSource: DataSource;
  readonly sender: WebhookSender;
  /** Pause between polls when nothing was due. */
  readonly intervalMs: number;
  /** Deliveries claimed (and sent concurrently) per poll. */
  readonly batchSize: number;
  /** How long a claim holds a delivery; longer than the sender's timeout. */
  readonly leaseMs: number;
  readonly schedule?: RetrySchedule;
  readonly clock?: WebhookClock;
  readonly random?: RandomSource;
  readonly logger?: WebhookWorkerLogger;
}

/**
 * Sends due deliveries: claim a batch, POST each signed with the endpoint's secrets, record the attempt
 * and either settle the delivery or schedule the next attempt. Safe to run in several processes at once
 * (see DeliveryStore). `runOnce` processes everything due now (tests drive it with a moved clock);
 * `start` polls until `stop`, which waits for the requests in flight and records them.
 */
export class DeliveryWorker {
  private readonly store: DeliveryStore;
  private readonly schedule: RetrySchedule;
  private readonly clock: WebhookClock;
  private readonly random: RandomSource;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.store = new DeliveryStore(options.dataSource);
    this.schedule = options.schedule ?? DEFAULT_RETRY_SCHEDULE;
    this.clock = options.clock ?? (() => new Date());
    this.random = options.random ?? Math.random;
  }

  start(): void {
    this.stopping = false;
    this.schedulePoll(0);
  }

  /** Stops polling; resolves once the batch in flight is sent and recorded. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Claims and sends batches until nothing is due; returns how many attempts were made. */
  async runOnce(): Promise<number> {
    let attempts = 0;
    for (;;) {
      const claimed = await this.store.claimDue(this.clock(), this.options.batchSize, this.options.leaseMs);
      if (claimed.length === 0) return attempts;
      await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
      attempts += claimed.length;
      if (this.stopping) return attempts;
    }
  }

  private schedulePoll(delayMs: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .catch((error: unknown) => {
          this.options.logger?.error({ err: describe(error) }, 'webhook delivery poll failed');
        })
        .then(() => {
          this.running = undefined;
          this.schedulePoll(this.options.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const body = serializePayload(delivery.payload);
    const attemptedAt = this.clock();
    const headers = webhookHeaders({
      id: delivery.eventId,
      sentAt: attemptedAt,
      body,
      secrets: delivery.secrets,
    });
    const started = performance.now();
    const outcome = await this.options.sender.send(delivery.url, headers, body);
    const durationMs = performance.now() - started;
    const succeeded = outcome.kind === 'answered' && outcome.status >= 200 && outcome.status < 300;
    const retryAt = succeeded
      ? null
      : nextAttemptAt(
          this.schedule,
          delivery.attemptsMade + 1,
          delivery.firstAttemptAt ?? attemptedAt,
          attemptedAt,
          this.random,
        );
    const settled = await this.store.settle(delivery, {
      attemptedAt,
      durationMs,
      responseStatus: outcome.kind === 'answered' ? outcome.status : null,
      error: succeeded ? null : outcome.kind === 'answered' ? `HTTP ${outcome.status}` : outcome.error,
      succeeded,
      retryAt,
    });
    const fields = {
      deliveryId: delivery.deliveryId,
      eventId: delivery.eventId,
      endpointId: delivery.endpointId,
      attempt: delivery.attemptsMade + 1,
      status: outcome.kind === 'answered' ? outcome.status : null,
    };
    if (!settled) this.options.logger?.warn(fields, 'webhook delivery claim lost; attempt not recorded');
    else if (!succeeded && retryAt === null)
      this.options.logger?.warn(fields, 'webhook delivery failed for good');
  }
}

/**
 * The body: `type`, `timestamp`, `data` in that order (jsonb stores keys in its own order). The same
 * stored payload gives the same bytes on every attempt.
 */
function serializePayload(payload: Record<string, unknown>): string {
  const { type, timestamp, data, ...rest } = payload;
  return JSON.stringify({ type, timestamp, data, ...rest });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
