/**
 * An open-loop load at a fixed rate, for latency at a given fraction of saturation: request i is due at
 * start + i / rate, the due requests are sent every millisecond over a pool of keep-alive connections, and each
 * latency is counted from when the request was due, not from when it went out (so a stall of the target, or of
 * this process, that delays the requests behind it is counted in full for every one of them, as wrk2 does).
 *
 * Why not autocannon's `overallRate` for this: autocannon gives each connection a per-second share and sends it
 * back to back as soon as the second starts, then waits for the next second, so "half of saturation" is
 * saturation for about half of each second; and it corrects for coordinated omission with an expected interval
 * rounded up to 1 ms, which adds synthetic samples to every latency above 1 ms. Its figures at a fixed rate
 * measure queueing under bursts, in whole milliseconds.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export interface PacedLoadOptions {
  /** Origin and path, e.g. http://127.0.0.1:8080/v1/quotes/AAPL. */
  readonly url: string;
  readonly headers: Record<string, string>;
  /** Requests per second. */
  readonly rate: number;
  readonly durationS: number;
  /** Keep-alive connections at most; a request due while all are busy waits (and its wait is counted). */
  readonly connections: number;
}

export interface PacedLoadResult {
  readonly sent: number;
  readonly answered: number;
  /** Requests per second answered over the run. */
  readonly rate: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Latency from the due time to the end of the answer, ms, at these percentiles. */
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

const TICK_MS = 1;

export async function pacedLoad(options: PacedLoadOptions): Promise<PacedLoadResult> {
  const target = new URL(options.url);
  const pool = new Pool(target.origin, { connections: options.connections, pipelining: 1 });
  const path = `${target.pathname}${target.search}`;
  const total = Math.floor(options.rate * options.durationS);
  const latencies = new Float64Array(total);
  let sent = 0;
  let answered = 0;
  let non2xx = 0;
  let errors = 0;
  const intervalMs = 1000 / options.rate;

  const send = (dueMs: number): Promise<void> =>
    pool
      .request({ method: 'GET', path, headers: options.headers })
      .then(async (response) => {
        await response.body.dump();
        if (response.statusCode < 200 || response.statusCode >= 300) non2xx += 1;
        latencies[answered++] = performance.now() - dueMs;
      })
      .catch(() => {
        errors += 1;
      });

  const inFlight = new Set<Promise<void>>();
  const startMs = performance.now();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const dueCount = Math.min(total, Math.floor((performance.now() - startMs) / intervalMs) + 1);
      while (sent < dueCount) {
        const request = send(startMs + sent * intervalMs);
        inFlight.add(request);
        void request.finally(() => inFlight.delete(request));
        sent += 1;
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, TICK_MS);
    tick();
  });
  await Promise.all(inFlight);
  const elapsedS = (performance.now() - startMs) / 1000;
  await pool.close();

  const sorted = latencies.subarray(0, answered).sort();
  const at = (fraction: number): number =>
    sorted.length === 0
      ? Number.NaN
      : sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
  return {
    sent,
    answered,
    rate: answered / elapsedS,
    non2xx,
    errors,
    p50Ms: at(0.5),
    p90Ms: at(0.9),
    p99Ms: at(0.99),
    p999Ms: at(0.999),
    maxMs: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1],
  };
}
