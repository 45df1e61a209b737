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
  /** Minutes caught up after a pause at most (older ones are skipped). */
  readonly maxCatchUpMinutes?: number;
}

/** The newest minute that may be evaluated at `nowMs`: it ended at least `delayMs` ago. */
export function latestDueMinute(nowMs: number, delayMs: number): EpochMinute {
  return Math.floor((nowMs - delayMs) / MINUTE_MS) - 1;
}

/**
 * Runs the evaluator on its own: every `intervalMs`, each minute due since the last one it evaluated (at most
 * `maxCatchUpMinutes` back), oldest first. One run at a time; a failed minute is logged and tried again on the
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
    const due = latestDueMinute(this.clock(), this.options.delayMs);
    const maxBack = this.options.maxCatchUpMinutes ?? 60;
    const first = Math.max(this.lastMinute === undefined ? due : this.lastMinute + 1, due - maxBack + 1);
    for (let minute = first; minute <= due; minute++) {
      let result: MinuteEvaluation;
      try {
        result = await this.options.evaluator.evaluate(minute);
      } catch (error) {
        this.options.logger.error({ minute, err: error }, 'alert evaluation failed');
        return;
      }
      this.lastMinute = minute;
      if (
        result.evaluated &&
        (result.opened > 0 || result.resolved > 0 || result.actions > 0 || result.warmedUp > 0)
      ) {
        this.options.logger.info({ ...result }, 'alerts evaluated');
      }
    }
  }
}
