import type { LogRecord } from '@keymeter/event-log';
import { PreparedRecords, type PreparedBatch } from './prepared-records';

/** A planned range of one partition: first..last offsets, inclusive. */
export interface PlannedRange {
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
}

export interface BatchCut {
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
  /** How many buffered records it takes, from the oldest. */
  readonly count: number;
  /** True when the range comes from a recorded plan (it must not be planned again). */
  readonly replanned: boolean;
}

export interface CutRules {
  readonly maxBatchEvents: number;
  readonly maxBatchWaitMs: number;
  /**
   * While the log already holds more records of the partition than are buffered (a backlog: catching up
   * after a restart or an outage, or the store slower than the producers), a partial batch waits up to
   * this long instead of maxBatchWaitMs for them to fill it. Default: maxBatchWaitMs (no difference).
   */
  readonly maxBacklogWaitMs?: number;
}

/**
 * The records of one partition received but not yet inserted (prepared as they arrive: `PreparedRecords`), and
 * the plans recorded for ranges at or after them. Decides where batches end:
 * - a range that was planned before (by this process before a crash, or another member before a
 *   rebalance) is re-formed exactly, so its re-insert carries the same deduplication token;
 * - otherwise a batch closes at `maxBatchEvents` records, or when its oldest record has waited
 *   `maxBatchWaitMs` (`maxBacklogWaitMs` while the log holds more records than are buffered, so that
 *   under a backlog batches fill up instead of closing small), and never runs into the next planned range.
 * Pure: time comes in as an argument.
 */
export class PartitionBuffer {
  private readonly records: PreparedRecords;
  private plans: PlannedRange[] = [];
  private oldestArrivalMs = 0;
  /** Next offset to be written to the log, as of the latest delivery (undefined when not known). */
  private logEndOffset: bigint | undefined;

  /** `lateGraceMs`: events reaching the log more than this after they occurred are flagged late. */
  constructor(lateGraceMs: number) {
    this.records = new PreparedRecords(lateGraceMs);
  }

  get size(): number {
    return this.records.size;
  }

  /** Offset of the first buffered record, or undefined when empty. */
  get firstOffset(): bigint | undefined {
    return this.records.size === 0 ? undefined : this.records.offsetAt(0);
  }

  /** Replaces the known plans (after loading them for a new position). */
  setPlans(plans: readonly PlannedRange[]): void {
    this.plans = earliestPerFirstOffset(plans);
  }

  addPlan(plan: PlannedRange): void {
    this.setPlans([...this.plans, plan]);
  }

  /** The known plan starting at `offset`, if any. */
  planAt(offset: bigint): PlannedRange | undefined {
    return this.plans.find((plan) => plan.firstOffset === offset);
  }

  /** `logEndOffset`: the partition's high watermark when the records were fetched, if known. */
  append(records: readonly LogRecord[], nowMs: number, logEndOffset?: bigint): void {
    if (logEndOffset !== undefined) this.logEndOffset = logEndOffset;
    if (records.length === 0) return;
    if (this.records.size === 0) this.oldestArrivalMs = nowMs;
    for (const record of records) this.records.append(record);
  }

  clear(): void {
    this.records.clear();
    this.plans = [];
    this.logEndOffset = undefined;
  }

  /** True when nothing after `lastOffset` is buffered or, as of the latest delivery, in the log. */
  isCaughtUpAfter(lastOffset: bigint): boolean {
    if (this.records.size > 0 && this.lastBufferedOffset() > lastOffset) return false;
    return this.logEndOffset !== undefined && this.logEndOffset <= lastOffset + 1n;
  }

  /** When the oldest buffered record is due by time, epoch ms (undefined when empty). */
  dueAtMs(rules: CutRules): number | undefined {
    return this.records.size === 0 ? undefined : this.oldestArrivalMs + this.waitMs(rules);
  }

  /** How long a partial batch waits: longer while more records are already in the log. */
  private waitMs(rules: CutRules): number {
    const backlog =
      this.logEndOffset !== undefined &&
      this.records.size > 0 &&
      this.logEndOffset > this.lastBufferedOffset() + 1n;
    return backlog ? Math.max(rules.maxBatchWaitMs, rules.maxBacklogWaitMs ?? 0) : rules.maxBatchWaitMs;
  }

  /** The next batch to insert, or undefined when none is complete yet. `force` closes a partial batch. */
  nextCut(rules: CutRules, nowMs: number, force = false): BatchCut | undefined {
    if (this.records.size === 0) return undefined;
    const first = this.records.offsetAt(0);
    this.plans = this.plans.filter((plan) => plan.lastOffset >= first);
    const planned = this.plans.find((plan) => plan.firstOffset === first);
    if (planned) {
      const count = this.countThrough(planned.lastOffset);
      const complete = count < this.records.size || this.lastBufferedOffset() === planned.lastOffset;
      if (!complete) return undefined;
      return this.cut(count, planned.lastOffset, true);
    }
    // Never overlap a later plan: stop right before it.
    const nextPlan = this.plans
      .filter((plan) => plan.firstOffset > first)
      .reduce<PlannedRange | undefined>((a, b) => (a && a.firstOffset < b.firstOffset ? a : b), undefined);
    const limit = nextPlan === undefined ? this.records.size : this.countThrough(nextPlan.firstOffset - 1n);
    const full = limit >= rules.maxBatchEvents;
    const blocked = nextPlan !== undefined && limit < this.records.size;
    const due = force || blocked || nowMs - this.oldestArrivalMs >= this.waitMs(rules);
    if (!full && !due) return undefined;
    const count = Math.min(limit, rules.maxBatchEvents);
    if (count === 0) return undefined;
    return this.cut(count, this.records.offsetAt(count - 1), false);
  }

  private cut(count: number, lastOffset: bigint, replanned: boolean): BatchCut {
    return { firstOffset: this.records.offsetAt(0), lastOffset, count, replanned };
  }

  /** A cut's records as a batch: its body, ids, dead letters (the cut must be the latest one, not consumed). */
  prepared(cut: BatchCut): PreparedBatch {
    if (this.records.size < cut.count || this.records.offsetAt(0) !== cut.firstOffset) {
      throw new Error(`the batch from offset ${cut.firstOffset} is not at the head of the buffer`);
    }
    return this.records.batch(cut.count);
  }

  /** Drops a cut's records once it was inserted and committed. */
  consumed(cut: BatchCut, nowMs: number): void {
    this.records.drop(cut.count);
    this.plans = this.plans.filter((plan) => plan.lastOffset > cut.lastOffset);
    // The rest starts a new wait: under load this keeps batches full instead of flushing a small
    // remainder at once; at worst a record waits two windows.
    if (this.records.size > 0) this.oldestArrivalMs = nowMs;
  }

  /**
   * How many buffered records have an offset <= `offset`. Offsets ascend (with gaps where the log has
   * none), so a binary search finds it: a planned batch of 50,000 records otherwise parsed 50,000 offsets
   * each time the next cut was looked for.
   */
  private countThrough(offset: bigint): number {
    let low = 0;
    let high = this.records.size;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.records.offsetAt(middle) <= offset) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private lastBufferedOffset(): bigint {
    return this.records.offsetAt(this.records.size - 1);
  }
}

/** Of plans sharing a first offset, the first recorded one counts (the list comes in recording order). */
function earliestPerFirstOffset(plans: readonly PlannedRange[]): PlannedRange[] {
  const byFirst = new Map<bigint, PlannedRange>();
  for (const plan of plans) if (!byFirst.has(plan.firstOffset)) byFirst.set(plan.firstOffset, plan);
  return [...byFirst.values()].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
}
