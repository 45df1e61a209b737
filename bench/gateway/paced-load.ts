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
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { HttpAnswerReader } from './http-answer-reader';

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

export async function pacedLoad(options: PacedLoadOptions): Promise<PacedLoadResult> {
  const target = new URL(options.url);
  const request = requestBytes(target, options.headers);
  const total = Math.floor(options.rate * options.durationS);
  const latencies = new Float64Array(total);
  let sent = 0;
  let answered = 0;
  let non2xx = 0;
  let errors = 0;
  const intervalMs = 1000 / options.rate;
  /** Due times of requests waiting for a free connection, in order. */
  const waiting: number[] = [];
  let waitingHead = 0;
  const idle: Connection[] = [];
  let open = 0;
  let finish: (() => void) | undefined;

  const dispatch = (connection: Connection, dueMs: number): void => {
    connection.dueMs = dueMs;
    connection.socket.write(request);
  };
  const release = (connection: Connection): void => {
    connection.dueMs = Number.NaN;
    if (waitingHead < waiting.length) dispatch(connection, waiting[waitingHead++]);
    else idle.push(connection);
    if (answered + errors === total) finish?.();
  };
  const openConnection = (): void => {
    open += 1;
    const socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
    const connection: Connection = {
      socket,
      dueMs: Number.NaN,
      reader: new HttpAnswerReader((status) => {
        latencies[answered++] = performance.now() - connection.dueMs;
        if (status < 200 || status >= 300) non2xx += 1;
        release(connection);
      }),
    };
    socket.on('data', (chunk: Buffer) => connection.reader.read(chunk));
    socket.once('connect', () => release(connection));
    let connected = false;
    socket.once('connect', () => {
      connected = true;
    });
    socket.once('close', () => {
      open -= 1;
      const index = idle.indexOf(connection);
      if (index >= 0) idle.splice(index, 1);
      if (!Number.isNaN(connection.dueMs)) errors += 1;
      if (!connected) {
        // The target refuses connections: what is due or still to come cannot be answered.
        errors += waiting.length - waitingHead + (total - sent);
        waitingHead = waiting.length;
        sent = total;
      } else if (waitingHead < waiting.length) openConnection();
      if (answered + errors === total) finish?.();
    });
    socket.on('error', () => undefined);
  };

  const startMs = performance.now();
  await new Promise<void>((resolve) => {
    finish = resolve;
    const tick = (): void => {
      const dueCount = Math.min(total, Math.floor((performance.now() - startMs) / intervalMs) + 1);
      while (sent < dueCount) {
        const dueMs = startMs + sent * intervalMs;
        sent += 1;
        const connection = idle.pop();
        if (connection !== undefined) dispatch(connection, dueMs);
        else {
          waiting.push(dueMs);
          if (open < options.connections) openConnection();
        }
      }
      if (sent >= total) clearInterval(timer);
    };
    const timer = setInterval(tick, TICK_MS);
    tick();
  });
  const elapsedS = (performance.now() - startMs) / 1000;
  for (const connection of idle) connection.socket.destroy();

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
