import { performance } from 'node:perf_hooks';
import { chdbEngineUse } from '@keymeter/clickhouse';

interface Sample {
  readonly atMs: number;
  readonly committed: number;
  readonly engineBusyMs: number;
  readonly loopActiveMs: number;
  readonly cpuMicros: number;
}

const BAR_WIDTH = 30;

/**
 * Samples, once per interval, events committed, how busy the chDB queue and the main thread were and the
 * process's CPU, and renders them as one line per interval with a bar of events/s: where a run stalls
 * (start-up, a lane waiting for the other, the tail) shows as a dip, which a single average hides.
 */
export class PipelineTimeline {
  private readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly committed: () => number,
    private readonly intervalMs = 1_000,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
  }

  private sample(): void {
    const cpu = process.cpuUsage();
    this.samples.push({
      atMs: performance.now(),
      committed: this.committed(),
      engineBusyMs: chdbEngineUse().busyMs,
      loopActiveMs: performance.eventLoopUtilization().active,
      cpuMicros: cpu.user + cpu.system,
    });
  }

  /** One line per interval: seconds since start, events/s (with a bar), chDB busy, main thread busy, cores. */
  render(label: string): string {
    const rows = this.samples.slice(1).map((sample, index) => {
      const before = this.samples[index];
      const ms = sample.atMs - before.atMs;
      return {
        at: (sample.atMs - this.samples[0].atMs) / 1000,
        rate: ((sample.committed - before.committed) * 1000) / ms,
        engine: (sample.engineBusyMs - before.engineBusyMs) / ms,
        loop: (sample.loopActiveMs - before.loopActiveMs) / ms,
        cores: (sample.cpuMicros - before.cpuMicros) / 1000 / ms,
      };
    });
    const peak = Math.max(1, ...rows.map((row) => row.rate));
    const pct = (share: number): string => `${Math.round(share * 100)}`.padStart(4) + ' %';
    const lines = rows.map(
      (row) =>
        `[${label}] ${row.at.toFixed(1).padStart(5)} s ${Math.round(row.rate).toString().padStart(7)}/s ` +
        `${'#'.repeat(Math.round((row.rate / peak) * BAR_WIDTH)).padEnd(BAR_WIDTH)} ` +
        `chDB ${pct(row.engine)}  main ${pct(row.loop)}  cores ${row.cores.toFixed(2)}`,
    );
    return `[${label}] timeline (committed events/s per interval; chDB queue and main thread busy; process cores)\n${lines.join('\n')}\n`;
  }
}
