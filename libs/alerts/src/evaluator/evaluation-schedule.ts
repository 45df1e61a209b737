import { MINUTE_MS, type EpochMinute } from '@keymeter/domain';
import type { AlertEvaluator, MinuteEvaluation } from './alert-evaluator';

export interface EvaluationScheduleLogger {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface EvaluationScheduleOptions {
  readonly evaluator: AlertEvaluator;
  /** How often to look for minutes to evaluate (ALERTS_EVALUATION_INTERVAL_SECONDS). */
  readonly intervalMs: number;
  /** A minute is evaluated once this long has passed after its end (ALERTS_EVALUATION_DELAY_SECONDS). */
  readonly delayMs: number;
  readonly logger: EvaluationScheduleLogger;
  readonly clock?: () => number;
  /**
   * Minutes caught up after a pause or a restart at most (older ones are skipped). Default
   * `DEFAULT_MAX_CATCH_UP_MINUTES`.
   */
  readonly maxCatchUpMinutes?: number;
}

/**
 * A day: the minute tables the evaluator reads keep two days (whole daily partitions are dropped once all
 * their rows are older), so a day back is always still there, with room for a slow catch-up.
 */
export const DEFAULT_MAX_CATCH_UP_MINUTES = 1440;

/** More minutes due than this are caught up as a range (one read per chunk) rather than one by one. */
const RANGE_FROM_MINUTES = 3;

/** The newest minute that may be evaluated at `nowMs`: it ended at least `delayMs` ago. */
export function latestDueMinute(nowMs: number, delayMs: number): EpochMinute {
  return Math.floor((nowMs - delayMs) / MINUTE_MS) - 1;
}

/**
 * Runs the evaluator on its own: every `intervalMs`, each minute due since the last one evaluated (at most
 * `maxCatchUpMinutes` back), oldest first. After a start, "the last one evaluated" is the newest minute in
 * `alert_evaluations`, so the minutes missed while the billing app was down are caught up; more than a few
 * due minutes are evaluated as a range (`evaluateRange`: the same alerts as minute by minute, with a few
 * grouped reads per chunk of minutes). One run at a time; a failed minute is logged and tried again on the
 * next tick only if it was not claimed (a claimed minute is not evaluated twice).
 */
export class EvaluationSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastMinute: EpochMinute | undefined;
  private readonly clock: () => number;

  constructor(private readonly options: EvaluationScheduleOptions) {
    this.clock = options.clock ?? Date.now;
  }

  start(): void {
    if (this.options.intervalMs <= 0 || this.timer !== undefined) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Evaluates what is due now; resolves when done (also what the timer calls). */
  tick(): Promise<void> {
    this.running ??= this.runDue().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async runDue(): Promise<void> {
    const { evaluator, logger } = this.options;
    const due = latestDueMinute(this.clock(), this.options.delayMs);
    const maxBack = this.options.maxCatchUpMinutes ?? DEFAULT_MAX_CATCH_UP_MINUTES;
    if (this.lastMinute === undefined) {
      try {
        this.lastMinute = (await evaluator.latestEvaluatedMinute(due)) ?? due - 1;
      } catch (error) {
        logger.error({ err: error }, 'alert evaluation: reading the last evaluated minute failed');
        return;
      }
    }
    const first = Math.max(this.lastMinute + 1, due - maxBack + 1);
    if (due - first + 1 > RANGE_FROM_MINUTES) {
      try {
        const result = await evaluator.evaluateRange(first, due);
        logger.info({ ...result }, 'alerts caught up');
      } catch (error) {
        logger.error({ fromMinute: first, toMinute: due, err: error }, 'alert evaluation failed');
        return;
      }
      this.lastMinute = due;
      return;
    }
    for (let minute = first; minute <= due; minute++) {
      let result: MinuteEvaluation;
      try {
        result = await evaluator.evaluate(minute);
      } catch (error) {
        logger.error({ minute, err: error }, 'alert evaluation failed');
        return;
      }
      this.lastMinute = minute;
      if (
        result.evaluated &&
        (result.opened > 0 || result.resolved > 0 || result.actions > 0 || result.warmedUp > 0)
      ) {
        logger.info({ ...result }, 'alerts evaluated');
      }
    }
  }
}
