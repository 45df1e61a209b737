import Redis, { type RedisOptions } from 'ioredis';
import { bucketParameters } from '@keymeter/domain';
import { ADMIT_SCRIPT } from './admit-script';
import type { AdmissionDecision, AdmissionRequest, LimitStore, Settlement } from './limit-store';

type AdmitReply = [number, number, number, number, number, number];

interface AdmitCommand {
  kmAdmit(...args: (string | number)[]): Promise<AdmitReply>;
}

export interface RedisLimitStoreOptions {
  readonly url: string;
  /** A Redis command slower than this counts as a failure (and the call is let through). Default 250 ms. */
  readonly commandTimeoutMs?: number;
  /** Called for every failed Redis round trip; the store then fails open. */
  readonly onFailure?: (error: unknown) => void;
}

/** Counters stay a little past their window end, so a late settlement still finds them. */
const WINDOW_SLACK_MS = 3_600_000;

/**
 * Limits shared by every gateway through Redis. `admit` is one EVALSHA of {@link ADMIT_SCRIPT}; `settle` is
 * one pipelined INCRBY per corrected counter. When Redis cannot be reached the store fails open: the call
 * is admitted, `degraded` is set and `onFailure` reports it (billing counts every event exactly anyway, so
 * an outage costs at most some over-use, never lost revenue or a blocked customer).
 */
export class RedisLimitStore implements LimitStore {
  readonly kind = 'redis' as const;
  private readonly redis: Redis & AdmitCommand;

  private constructor(
    redis: Redis,
    private readonly onFailure: (error: unknown) => void,
  ) {
    redis.defineCommand('kmAdmit', { numberOfKeys: 3, lua: ADMIT_SCRIPT });
    this.redis = redis as Redis & AdmitCommand;
  }

  /** Connects (or keeps trying in the background when Redis is down: the gateway starts and fails open). */
  static async open(options: RedisLimitStoreOptions): Promise<RedisLimitStore> {
    const redisOptions: RedisOptions = {
      lazyConnect: true,
      // Commands issued in the same tick by concurrent calls go out in one write.
      enableAutoPipelining: true,
      // Fail fast instead of queueing while disconnected: a call must never wait for Redis to return.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 250,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    };
    const redis = new Redis(options.url, redisOptions);
    const onFailure = options.onFailure ?? ((): void => undefined);
    redis.on('error', () => undefined);
    await redis.connect().catch(onFailure);
    return new RedisLimitStore(redis, onFailure);
  }

  async admit(request: AdmissionRequest): Promise<AdmissionDecision> {
    const { keyId, nowMs, rateLimit, requestsPerDay, creditsPerMonth } = request;
    const bucket = rateLimit === null ? { perMs: 0, capacity: 0 } : bucketParameters(rateLimit);
    const tag = `km:{${keyId}}`;
    let reply: AdmitReply;
    try {
      reply = await this.redis.kmAdmit(
        `${tag}:tb`,
        `${tag}:d:${requestsPerDay?.window.startMs ?? 0}`,
        `${tag}:m:${creditsPerMonth?.window.startMs ?? 0}`,
        Math.floor(nowMs),
        bucket.perMs,
        bucket.capacity,
        requestsPerDay?.limit ?? -1,
        requestsPerDay?.window.endMs ?? 0,
        creditsPerMonth?.limitMicro.toString() ?? '-1',
        creditsPerMonth?.costMicro.toString() ?? '0',
        creditsPerMonth?.window.endMs ?? 0,
      );
    } catch (error) {
      this.onFailure(error);
      return { outcome: 'allowed', retryAfterMs: 0, degraded: true };
    }
    const [code, retryAfterMs, remaining, resetMs, requestsUsed, creditsUsed] = reply;
    // Built field by field rather than with conditional spreads: this runs on every call.
    const decision: {
      -readonly [K in keyof AdmissionDecision]: AdmissionDecision[K];
    } = {
      outcome: code === 0 ? 'allowed' : code === 1 ? 'rate_limited' : 'quota_exceeded',
      retryAfterMs,
    };
    if (rateLimit !== null) decision.bucket = { remaining, resetMs };
    if (requestsPerDay !== null && code !== 1) decision.requestsUsed = requestsUsed;
    if (creditsPerMonth !== null && code !== 1) decision.creditsUsedMicro = BigInt(creditsUsed);
    return decision;
  }

  settle(settlement: Settlement): void {
    const tag = `km:{${settlement.keyId}}`;
    const pipeline = this.redis.pipeline();
    let commands = 0;
    if (settlement.requests !== null && settlement.requests.delta !== 0) {
      const key = `${tag}:d:${settlement.requests.window.startMs}`;
      pipeline.incrby(key, settlement.requests.delta);
      pipeline.pexpireat(key, settlement.requests.window.endMs + WINDOW_SLACK_MS);
      commands += 1;
    }
    if (settlement.credits !== null && settlement.credits.deltaMicro !== 0n) {
      const key = `${tag}:m:${settlement.credits.window.startMs}`;
      pipeline.incrby(key, settlement.credits.deltaMicro.toString());
      pipeline.pexpireat(key, settlement.credits.window.endMs + WINDOW_SLACK_MS);
      commands += 1;
    }
    if (commands > 0) pipeline.exec().catch(this.onFailure);
  }

  async close(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => undefined);
    // Also stops a reconnect loop to a Redis that never answered.
    this.redis.disconnect();
  }
}
