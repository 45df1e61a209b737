/** Progress on stderr: a redrawn line on a terminal, a line every few seconds otherwise. */
export class ProgressBar {
  private readonly startedAt = Date.now();
  private lastPrintAt = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
  ) {}

  update(done: number, force = false): void {
    const now = Date.now();
    const interval = this.out.isTTY ? 200 : 5_000;
    if (!force && now - this.lastPrintAt < interval) return;
    this.lastPrintAt = now;
    this.out.write(`${this.out.isTTY ? '\r' : ''}${this.line(done, now)}${this.out.isTTY ? '' : '\n'}`);
  }

  finish(done: number): void {
    this.update(done, true);
    if (this.out.isTTY) this.out.write('\n');
  }

  line(done: number, now = Date.now()): string {
    const seconds = Math.max((now - this.startedAt) / 1000, 0.001);
    const rate = done / seconds;
    const share = this.total === 0 ? 1 : Math.min(done / this.total, 1);
    const width = 30;
    const filled = Math.round(share * width);
    const remaining = Math.max(this.total - done, 0);
    const eta = rate > 0 ? `${Math.ceil(remaining / rate)}s` : '?';
    return `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(1)}% ${done}/${this.total} records, ${Math.round(rate)}/s, ETA ${eta}`;
  }
}
