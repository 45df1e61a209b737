/** Where progress goes: a stream that may be a terminal (process.stderr by default). */
export type ProgressStream = Pick<NodeJS.WritableStream, 'write'> & { readonly isTTY?: boolean };

export interface ProgressOptions {
  readonly stream?: ProgressStream;
  /** What is counted, shown after the counts ("records", "calls"); default "items". */
  readonly unit?: string;
  /** Milliseconds clock; injectable for tests. */
  readonly now?: () => number;
  /** Least time between two redraws on a terminal; default 100 ms. */
  readonly redrawMs?: number;
  /** Least time between two plain lines when not a terminal (CI, a pipe, a log file); default 5 s. */
  readonly lineMs?: number;
}

export interface Progress {
  /**
   * Reports `done` of `total` (`total` undefined when the end is not known). `detail` is appended to the
   * line, e.g. counts by outcome. Cheap to call often: output is throttled.
   */
  update(done: number, total?: number, detail?: string): void;
  /** Draws the final state and ends the bar; `message` (if any) follows on its own line. */
  finish(message?: string): void;
}

export interface ProgressLine {
  readonly label: string;
  readonly done: number;
  readonly total: number | undefined;
  readonly elapsedMs: number;
  readonly unit: string;
  readonly detail?: string;
}

const BAR_WIDTH = 30;

/** Whole numbers with thousands separators, so counts stay readable at a glance. */
function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/**
 * One progress line: `label [#####.....] 50% 500/1,000 records, 120/s, ETA 5s · detail`. Without a total:
 * `label 500 records, 120/s, 4s · detail`. The rate is the average since the start.
 */
export function renderProgressLine(line: ProgressLine): string {
  const seconds = Math.max(line.elapsedMs / 1000, 0.001);
  const rate = line.done / seconds;
  const rateText = `${rate >= 10 || rate === 0 ? count(rate) : rate.toFixed(1)}/s`;
  const suffix = line.detail === undefined || line.detail === '' ? '' : ` · ${line.detail}`;
  if (line.total === undefined) {
    return `${line.label} ${count(line.done)} ${line.unit}, ${rateText}, ${duration(seconds)}${suffix}`;
  }
  const share = line.total <= 0 ? 1 : Math.min(Math.max(line.done / line.total, 0), 1);
  const filled = Math.round(share * BAR_WIDTH);
  const remaining = Math.max(line.total - line.done, 0);
  const eta = remaining === 0 ? 'done' : rate > 0 ? `ETA ${duration(remaining / rate)}` : 'ETA ?';
  return (
    `${line.label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${Math.floor(share * 100)}% ` +
    `${count(line.done)}/${count(line.total)} ${line.unit}, ${rateText}, ${eta}${suffix}`
  );
}

/**
 * The progress display of every long command (invoice run, report export, replay, reconcile, the demo's
 * traffic). On a terminal one line is redrawn in place; elsewhere (CI, pipes, log files) a plain line is
 * written at the first update, then at most every `lineMs`, and at the end — so logs get a heartbeat
 * without a flood of carriage returns.
 */
export function createProgress(label: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const now = options.now ?? Date.now;
  const interval = tty ? (options.redrawMs ?? 100) : (options.lineMs ?? 5_000);
  const unit = options.unit ?? 'items';
  const startedAt = now();
  let lastWriteAt: number | undefined;
  let last: { done: number; total: number | undefined; detail: string | undefined } = {
    done: 0,
    total: undefined,
    detail: undefined,
  };
  let finished = false;

  const draw = (at: number): void => {
    const text = renderProgressLine({ label, unit, elapsedMs: at - startedAt, ...last });
    // Clear to the end of line on a terminal: a shorter line must not leave the tail of a longer one.
    stream.write(tty ? `\r${text}\x1b[K` : `${text}\n`);
    lastWriteAt = at;
  };

  return {
    update(done, total, detail) {
      if (finished) return;
      last = { done, total, detail };
      const at = now();
      if (lastWriteAt !== undefined && at - lastWriteAt < interval) return;
      draw(at);
    },
    finish(message) {
      if (finished) return;
      finished = true;
      draw(now());
      if (tty) stream.write('\n');
      if (message !== undefined) stream.write(`${message}\n`);
    },
  };
}
