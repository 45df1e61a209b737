import uPlot from 'uplot';

export type Meter = 'requests' | 'credits' | 'egress_bytes';

export interface ChartPoint {
  /** Bucket start, ISO. */
  readonly start: string;
  readonly value: string;
}

const COLOURS: Readonly<Record<Meter, string>> = {
  requests: '#2563eb',
  credits: '#16a34a',
  egress_bytes: '#9333ea',
};

const HEIGHT = 260;

/**
 * One meter's usage per bucket as bars, with the time axis and cursor in the chosen time zone (uPlot's
 * tzDate). Resizes with its container, so it fits a phone as well as a laptop.
 */
export class UsageChart {
  private plot: uPlot | undefined;
  private readonly observer: ResizeObserver;

  constructor(private readonly container: HTMLElement) {
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(container);
  }

  render(meter: Meter, points: readonly ChartPoint[], timeZone: string): void {
    this.plot?.destroy();
    const xs = points.map((point) => Date.parse(point.start) / 1000);
    const ys = points.map((point) => Number(point.value));
    const options: uPlot.Options = {
      width: this.width(),
      height: HEIGHT,
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), timeZone),
      legend: { show: true },
      cursor: { points: { show: false } },
      scales: { x: { time: true }, y: { range: (_self, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [{}, { size: 64 }],
      series: [
        {},
        {
          label: meter,
          stroke: COLOURS[meter],
          fill: `${COLOURS[meter]}55`,
          width: 1,
          paths: uPlot.paths.bars!({ size: [0.8, 64] }),
          points: { show: false },
        },
      ],
    };
    this.plot = new uPlot(options, [xs, ys], this.container);
    this.container.dataset.points = String(points.length);
    this.container.dataset.meter = meter;
  }

  destroy(): void {
    this.observer.disconnect();
    this.plot?.destroy();
  }

  private width(): number {
    return Math.max(240, this.container.clientWidth);
  }

  private resize(): void {
    if (this.plot && Math.abs(this.plot.width - this.width()) > 1) {
      this.plot.setSize({ width: this.width(), height: HEIGHT });
    }
  }
}
