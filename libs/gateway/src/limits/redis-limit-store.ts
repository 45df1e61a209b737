import { randomBytes } from 'node:crypto';
import Redis, { type RedisOptions } from 'ioredis';
import { bucketParameters } from '@keymeter/domain';
import { ADMIT_SCRIPT } from './admit-script';
import {
  AllowanceLeases,
  DEFAULT_LEASE_POLICY,
  type LeaseGrant,
  type LeasePolicy,
  type LeaseRun,
} from './allowance-leases';
import { LEASE_SCRIPT } from './lease-script';
import type {
  AdmissionDecision,
  AdmissionRequest,
  DecisionDraft,
  LimitDecisionCounts,
  LimitStore,
  Settlement,
} from './limit-store';

/** Six numbers per call, calls in the order they were sent. */
type AdmitReply = number[];

interface AdmitCommand {
  /** numkeys, then 4 keys per call, then 10 arguments per call. */
  kmAdmit(...args: (string | number)[]): Promise<AdmitReply>;
  /** numkeys, then 6 keys per lease, then 20 arguments per lease; 6 numbers per lease back. */
  kmLease(...args: (string | number)[]): Promise<number[]>;
}

interface PendingAdmission {
  readonly request: AdmissionRequest;
  readonly resolve: (decision: AdmissionDecision) => void;
}

/** Calls decided by one script run at most (a busier turn of the event loop sends several). */
const MAX_CALLS_PER_SCRIPT = 256;

export interface RedisLimitStoreOptions {
  readonly url: string;
  /** A Redis command slower than this counts as a failure (and the call is let through). Default 250 ms. */
  readonly commandTimeoutMs?: number;
  /** Called for every failed Redis round trip; the store then fails open. */
  readonly onFailure?: (error: unknown) => void;
  /**
   * Allowance leases (docs/gateway.md): on by default; `false` decides every call in Redis. Partial values
   * override the default policy.
   */
  readonly leases?: Partial<LeasePolicy> | false;
  /** Clock of the lease sweeper (calls carry their own time). */
  readonly clock?: () => number;
}

/** Counters stay a little past their window end, so a late settlement still finds them. */
const WINDOW_SLACK_MS = 3_600_000;

/**
 * Limits shared by every gateway through Redis. The calls admitted in one turn of the event loop are decided
 * by one EVALSHA of {@link ADMIT_SCRIPT} (each exactly as if it ran alone, in arrival order; the per-command
 * cost of the client was a tenth of the request thread's time with one script run per call); `settle` is
 * one pipelined INCRBY per corrected counter. Keys of several API keys share a script run, so the store
 * expects one Redis server (a Redis Cluster would need one run per hash slot). When Redis cannot be reached the store fails open: the call
 * is admitted, `degraded` is set and `onFailure` reports it (billing counts every event exactly anyway, so
 * an outage costs at most some over-use, never lost revenue or a blocked customer).
 */
export class RedisLimitStore implements LimitStore {
  readonly kind = 'redis' as const;
  private readonly redis: Redis & AdmitCommand;
  private pending: PendingAdmission[] = [];
  private sendScheduled = false;
  private readonly sendPending = (): void => this.send();
  private readonly leases: AllowanceLeases | null;
  /** This store's name in the lease hashes. */
  private readonly instance = randomBytes(8).toString('hex');
  private readonly sweeper: NodeJS.Timeout | null;
  private readonly leaseRunsInFlight = new Set<Promise<void>>();
  /** Calls of keys whose lease run is in flight, by key id: decided when it answers. */
  private readonly waiting = new Map<string, PendingAdmission[]>();
  /** Calls decided by a script run in Redis (not counting calls let through because it failed). */
  private decidedInRedis = 0;
  /**
   * With leases: the call decided from a live lease, synchronously and exactly as `admit` would (undefined:
   * no live lease covers it, or a lease run for the key is in flight; nothing was counted, use `admit`).
   */
  readonly admitNow?: (request: AdmissionRequest) => AdmissionDecision | undefined;

  private constructor(
    redis: Redis,
    private readonly onFailure: (error: unknown) => void,
    leases: Partial<LeasePolicy> | false,
    private readonly clock: () => number,
  ) {
    // No fixed numberOfKeys: the first argument says how many keys (4 per call, 6 per lease) follow.
    redis.defineCommand('kmAdmit', { lua: ADMIT_SCRIPT });
    redis.defineCommand('kmLease', { lua: LEASE_SCRIPT });
    this.redis = redis as Redis & AdmitCommand;
    if (leases === false) {
      this.leases = null;
      this.sweeper = null;
    } else {
      const policy = { ...DEFAULT_LEASE_POLICY, ...leases };
      const allowance = new AllowanceLeases(policy);
      this.leases = allowance;
      this.admitNow = (request) => allowance.tryLease(request);
      this.sweeper = setInterval(
        () => this.sweep(),
        Math.min(1_000, Math.max(10, Math.floor(policy.idleMs / 2))),
      );
      this.sweeper.unref();
    }
  }

  /** Calls decided from this instance's leases, and lease runs sent (for tests and diagnostics). */
  get leaseStats(): { readonly local: number; readonly runs: number } {
    return this.leases?.stats ?? { local: 0, runs: 0 };
  }

  decisions(): LimitDecisionCounts {
    return { inProcess: 0, lease: this.leases?.stats.local ?? 0, redis: this.decidedInRedis };
  }

  /** Connects (or keeps trying in the background when Redis is down: the gateway starts and fails open). */
  static async open(options: RedisLimitStoreOptions): Promise<RedisLimitStore> {
    const redisOptions: RedisOptions = {
      lazyConnect: true,
      // No auto-pipelining: admissions are already one script run per loop turn and settlements an explicit
      // pipeline, so it only added a Pipeline object and a tick per command (ioredis 8.4-9.0 -> 8.0-8.2 % of
      // the request thread in side-by-side profiles).
      enableAutoPipelining: false,
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
    return new RedisLimitStore(redis, onFailure, options.leases ?? {}, options.clock ?? Date.now);
  }

  admit(request: AdmissionRequest): Promise<AdmissionDecision> {
    const leases = this.leases;
    if (leases !== null) {
      const local = leases.tryLocal(request);
      if (local !== undefined) return Promise.resolve(local);
      if (leases.hasDueRuns) this.schedule();
      if (leases.isBusy(request.keyId)) {
        // Redis would count the lease being granted against this very call: wait for the grant instead.
        return new Promise<AdmissionDecision>((resolve) => {
          const list = this.waiting.get(request.keyId);
          if (list === undefined) this.waiting.set(request.keyId, [{ request, resolve }]);
          else list.push({ request, resolve });
        });
      }
    }
    return new Promise<AdmissionDecision>((resolve) => {
      this.pending.push({ request, resolve });
      this.schedule();
    });
  }

  /** Calls that waited for a key's lease run: from the new lease, else one by one in Redis. */
  private release(keyId: string): void {
    const list = this.waiting.get(keyId);
    if (list === undefined) return;
    this.waiting.delete(keyId);
    const leases = this.leases as AllowanceLeases;
    for (const call of list) {
      const local = leases.retry(call.request);
      if (local !== undefined) call.resolve(local);
      else {
        this.pending.push(call);
        this.schedule();
      }
    }
  }

  /** After the current turn's I/O callbacks: every call read in this turn goes in the same script run. */
  private schedule(): void {
    if (this.sendScheduled) return;
    this.sendScheduled = true;
    setImmediate(this.sendPending);
  }

  private sweep(): void {
    if (this.leases === null) return;
    this.leases.sweep(this.clock());
    if (this.leases.hasDueRuns) this.schedule();
  }

  private send(): void {
    this.sendScheduled = false;
    const all = this.pending;
    this.pending = [];
    for (let from = 0; from < all.length; from += MAX_CALLS_PER_SCRIPT) {
      void this.decide(
        all.length <= MAX_CALLS_PER_SCRIPT ? all : all.slice(from, from + MAX_CALLS_PER_SCRIPT),
      );
    }
    // After the calls decided one by one: a block granted in this turn is not counted against them.
    if (this.leases !== null && this.leases.hasDueRuns) this.sendLeaseRuns(this.leases.dueRuns());
  }

  private async decide(calls: readonly PendingAdmission[]): Promise<void> {
    const keys: string[] = [];
    const argv: (string | number)[] = [];
    for (const { request } of calls) {
      const { keyId, nowMs, rateLimit, requestsPerDay, creditsPerMonth } = request;
      const bucket = rateLimit === null ? { perMs: 0, capacity: 0 } : bucketParameters(rateLimit);
      const tag = `km:{${keyId}}`;
      keys.push(
        `${tag}:tb`,
        `${tag}:d:${requestsPerDay?.window.startMs ?? 0}`,
        `${tag}:m:${creditsPerMonth?.window.startMs ?? 0}`,
        `${tag}:ql`,
      );
      argv.push(
        Math.floor(nowMs),
        bucket.perMs,
        bucket.capacity,
        requestsPerDay?.limit ?? -1,
        requestsPerDay?.window.endMs ?? 0,
        creditsPerMonth?.limitMicro.toString() ?? '-1',
        creditsPerMonth?.costMicro.toString() ?? '0',
        creditsPerMonth?.window.endMs ?? 0,
        requestsPerDay?.window.startMs ?? 0,
        creditsPerMonth?.window.startMs ?? 0,
      );
    }
    let reply: AdmitReply;
    try {
      reply = await this.redis.kmAdmit(keys.length, ...keys, ...argv);
    } catch (error) {
      for (const call of calls) {
        this.onFailure(error);
        call.resolve({ outcome: 'allowed', retryAfterMs: 0, degraded: true });
      }
      return;
    }
    this.decidedInRedis += calls.length;
    for (let index = 0; index < calls.length; index++) {
      calls[index].resolve(decisionOf(calls[index].request, reply, index * 6));
    }
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

  /** Renews and returns leases, at most {@link MAX_CALLS_PER_SCRIPT} per script run. */
  private sendLeaseRuns(runs: readonly LeaseRun[]): void {
    for (let from = 0; from < runs.length; from += MAX_CALLS_PER_SCRIPT) {
      const run = this.runLeases(runs.slice(from, from + MAX_CALLS_PER_SCRIPT));
      this.leaseRunsInFlight.add(run);
      void run.finally(() => this.leaseRunsInFlight.delete(run));
    }
  }

  private async runLeases(runs: readonly LeaseRun[]): Promise<void> {
    const leases = this.leases as AllowanceLeases;
    leases.stats.runs += 1;
    const keys: string[] = [];
    const argv: (string | number)[] = [];
    for (const run of runs) {
      const tag = `km:{${run.keyId}}`;
      keys.push(
        `${tag}:tb`,
        `${tag}:d:${run.reportDayStartMs}`,
        `${tag}:m:${run.reportMonthStartMs}`,
        `${tag}:d:${run.dayStartMs}`,
        `${tag}:m:${run.monthStartMs}`,
        `${tag}:ql`,
      );
      argv.push(
        Math.floor(run.nowMs),
        run.perMs,
        run.capacity,
        run.dayLimit,
        run.dayStartMs,
        run.dayEndMs,
        run.monthLimitMicro.toString(),
        run.monthStartMs,
        run.monthEndMs,
        this.instance,
        run.returnedTokens,
        run.reportedRequests,
        run.reportDayEndMs,
        run.reportedCredits.toString(),
        run.reportMonthEndMs,
        run.wantTokens,
        run.wantRequests,
        run.wantCredits.toString(),
        run.minCredits.toString(),
        Math.floor(run.redisExpiresAtMs),
      );
    }
    let reply: number[];
    try {
      reply = await this.redis.kmLease(keys.length, ...keys, ...argv);
    } catch (error) {
      this.onFailure(error);
      for (const run of runs) {
        leases.failed(run);
        this.release(run.keyId);
      }
      return;
    }
    for (let index = 0; index < runs.length; index++) {
      const at = index * 6;
      const grant: LeaseGrant = {
        tokens: reply[at],
        requests: reply[at + 1],
        credits: BigInt(reply[at + 2]),
        bucketMicro: reply[at + 3],
        requestsUsed: reply[at + 4],
        creditsUsedMicro: BigInt(reply[at + 5]),
      };
      leases.granted(runs[index], grant);
      this.release(runs[index].keyId);
    }
  }

  async close(): Promise<void> {
    if (this.sweeper !== null) clearInterval(this.sweeper);
    if (this.leases !== null && this.redis.status === 'ready') {
      // Leases in flight first (their grants must be returned too), then everything held goes back.
      await Promise.all(this.leaseRunsInFlight);
      this.leases.returnAll(this.clock());
      if (this.leases.hasDueRuns) this.sendLeaseRuns(this.leases.dueRuns());
      await Promise.all(this.leaseRunsInFlight);
    }
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => undefined);
    // Also stops a reconnect loop to a Redis that never answered.
    this.redis.disconnect();
  }
}

/** The decision for one call from its six numbers in the script's reply. */
function decisionOf(request: AdmissionRequest, reply: AdmitReply, at: number): AdmissionDecision {
  const code = reply[at];
  // Built field by field rather than with conditional spreads: this runs on every call.
  const decision: DecisionDraft = {
    outcome: code === 0 ? 'allowed' : code === 1 ? 'rate_limited' : 'quota_exceeded',
    retryAfterMs: reply[at + 1],
  };
  if (request.rateLimit !== null) decision.bucket = { remaining: reply[at + 2], resetMs: reply[at + 3] };
  if (request.requestsPerDay !== null && code !== 1) decision.requestsUsed = reply[at + 4];
  if (request.creditsPerMonth !== null && code !== 1) decision.creditsUsedMicro = BigInt(reply[at + 5]);
  return decision;
}
