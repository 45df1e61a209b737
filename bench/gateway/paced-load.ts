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
 *
 * Why raw sockets rather than an HTTP client: the load shares the two cores with what it measures, so its own
 * cost per request and its own garbage are part of every target's tail. A request here is one write of bytes
 * built once; an answer is read by finding the end of its head and counting its body (Content-Length or chunked),
 * with no objects per request beyond the socket's chunks. It runs in a process of its own (see gateway.bench.ts)
 * and reports its own event-loop stalls, so a stall of the load is told apart from one of the target.
 *
 * Several targets can share one measurement in time slices (`sliceMs`): the due requests of each slice
 * go to one target, the next slice's to the next, round robin, each at the full rate while its slice lasts. Then
 * every target meets the same drift of the machine (a slower minute, another process's burst) within a second, which
 * back-to-back measurements seconds apart do not give on a shared two-core machine.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { HttpAnswerReader } from './http-answer-reader';

export interface PacedTarget {
  /** Origin and path, e.g. http://127.0.0.1:8080/v1/quotes/AAPL. */
  readonly url: string;
  readonly headers: Record<string, string>;
}

export interface PacedLoadOptions {
  /** One target, or several sharing the measurement in round-robin slices of `sliceMs`. */
  readonly targets: readonly PacedTarget[];
  /** Requests per second, offered to the target whose slice it is. */
  readonly rate: number;
  /** The whole measurement; each target gets about 1 / targets.length of it. */
  readonly durationS: number;
  /** Keep-alive connections per target at most; a request due while all are busy waits (and its wait counts). */
  readonly connections: number;
  /** Length of one target's turn; 0 with a single target. */
  readonly sliceMs: number;
}

export interface PacedLoadResult {
  readonly sent: number;
  readonly answered: number;
  /** Requests per second answered over the run (over the target's own slices when interleaved). */
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

interface Connection {
  readonly socket: Socket;
  readonly reader: HttpAnswerReader;
  /** Due time of the request in flight on it, or NaN when idle. */
  dueMs: number;
}

function requestBytes(url: URL, headers: Record<string, string>): Buffer {
  const lines = [
    `GET ${url.pathname}${url.search} HTTP/1.1`,
    `host: ${url.host}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/** One target's connections, queue and answers within a measurement. */
class TargetLoad {
  private readonly url: URL;
  private readonly request: Buffer;
  private readonly latencies: Float64Array;
  /** Due times of requests waiting for a free connection, in order. */
  private readonly waiting: number[] = [];
  private waitingHead = 0;
  private readonly idle: Connection[] = [];
  private open = 0;
  sent = 0;
  answered = 0;
  non2xx = 0;
  errors = 0;
  /** Requests that can no longer be answered because the target refuses connections. */
  abandoned = false;

  constructor(
    target: PacedTarget,
    capacity: number,
    private readonly connections: number,
    private readonly onSettled: () => void,
  ) {
    this.url = new URL(target.url);
    this.request = requestBytes(this.url, target.headers);
    this.latencies = new Float64Array(capacity);
  }

  send(dueMs: number): void {
    this.sent += 1;
    if (this.abandoned) {
      this.errors += 1;
      return;
    }
    const connection = this.idle.pop();
    if (connection !== undefined) this.dispatch(connection, dueMs);
    else {
      this.waiting.push(dueMs);
      if (this.open < this.connections) this.openConnection();
    }
  }

  close(): void {
    for (const connection of this.idle) connection.socket.destroy();
  }

  result(elapsedS: number): PacedLoadResult {
    const sorted = this.latencies.subarray(0, this.answered).sort();
    const at = (fraction: number): number =>
      sorted.length === 0
        ? Number.NaN
        : sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
    return {
      sent: this.sent,
      answered: this.answered,
      rate: this.answered / elapsedS,
      non2xx: this.non2xx,
      errors: this.errors,
      p50Ms: at(0.5),
      p90Ms: at(0.9),
      p99Ms: at(0.99),
      p999Ms: at(0.999),
      maxMs: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1],
    };
  }

  private dispatch(connection: Connection, dueMs: number): void {
    connection.dueMs = dueMs;
    connection.socket.write(this.request);
  }

  private release(connection: Connection): void {
    connection.dueMs = Number.NaN;
    if (this.waitingHead < this.waiting.length) this.dispatch(connection, this.waiting[this.waitingHead++]);
    else this.idle.push(connection);
  }

  private openConnection(): void {
    this.open += 1;
    const socket = connect({ host: this.url.hostname, port: Number(this.url.port), noDelay: true });
    const connection: Connection = {
      socket,
      dueMs: Number.NaN,
      reader: new HttpAnswerReader((status) => {
        this.latencies[this.answered++] = performance.now() - connection.dueMs;
        if (status < 200 || status >= 300) this.non2xx += 1;
        this.release(connection);
        this.onSettled();
      }),
    };
    let connected = false;
    socket.on('data', (chunk: Buffer) => connection.reader.read(chunk));
    socket.once('connect', () => {
      connected = true;
      this.release(connection);
    });
    socket.once('close', () => {
      this.open -= 1;
      const index = this.idle.indexOf(connection);
      if (index >= 0) this.idle.splice(index, 1);
      if (!Number.isNaN(connection.dueMs)) this.errors += 1;
      if (!connected) {
        // The target refuses connections: what waits, and what is still to come, cannot be answered.
        this.abandoned = true;
        this.errors += this.waiting.length - this.waitingHead;
        this.waitingHead = this.waiting.length;
      } else if (this.waitingHead < this.waiting.length) this.openConnection();
      this.onSettled();
    });
    socket.on('error', () => undefined);
  }
}

/** The paced load over its targets (in round-robin time slices when several); one result per target, in order. */
export async function pacedLoad(options: PacedLoadOptions): Promise<PacedLoadResult[]> {
  const total = Math.floor(options.rate * options.durationS);
  const intervalMs = 1000 / options.rate;
  // 0 (or anything not a positive finite number) means one slice for the whole measurement.
  const sliced = options.targets.length > 1 && options.sliceMs > 0 && Number.isFinite(options.sliceMs);
  let settled: (() => void) | undefined;
  const onSettled = (): void => {
    if (sent === total && loads.every((load) => load.answered + load.errors === load.sent)) settled?.();
  };
  const loads = options.targets.map(
    (target) => new TargetLoad(target, total, options.connections, onSettled),
  );
  let sent = 0;
  const startMs = performance.now();
  await new Promise<void>((resolve) => {
    settled = resolve;
    const tick = (): void => {
      const dueCount = Math.min(total, Math.floor((performance.now() - startMs) / intervalMs) + 1);
      while (sent < dueCount) {
        const offsetMs = sent * intervalMs;
        const slice = sliced ? Math.floor(offsetMs / options.sliceMs) : 0;
        sent += 1;
        loads[slice % loads.length].send(startMs + offsetMs);
      }
      if (sent >= total) {
        clearInterval(timer);
        onSettled();
      }
    };
    const timer = setInterval(tick, TICK_MS);
    tick();
  });
  const elapsedS = (performance.now() - startMs) / 1000;
  for (const load of loads) load.close();
  return loads.map((load) => load.result(elapsedS / loads.length));
}
