import { once } from 'node:events';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly bodyBytes: number;
}

/**
 * A real upstream API for the gateway to call:
 * - GET /v1/quotes/:symbol → JSON; `?units=x` answers with X-Usage-Units: x
 * - POST /v1/orders → counts the body, answers 201 with its size
 * - GET /v1/big?bytes=n → n bytes in 64 KiB chunks
 * - GET /v1/stream → one chunk, then the rest only when `releaseStream()` is called
 * - GET /v1/broken → 503
 * - POST /v1/echo → the request body streamed back as it arrives
 * - GET /v1/hang → never answers; `closedHangs` counts the ones whose connection the gateway closed
 * - GET /v1/reset → announces 1 MiB, sends 64 KiB, then resets the connection
 */
export class TestUpstream {
  readonly seen: SeenRequest[] = [];
  /** /v1/hang requests received, and those whose connection was closed by the caller. */
  hangs = 0;
  closedHangs = 0;
  /** Requests whose connection closed before their body had arrived in full. */
  brokenUploads = 0;
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  private release: (() => void) | undefined;
  private released = new Promise<void>((resolve) => (this.release = resolve));

  async start(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  releaseStream(): void {
    this.release?.();
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.url === '/v1/echo' && req.method === 'POST') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
      return;
    }
    if (req.url === '/v1/hang') {
      this.hangs += 1;
      res.on('close', () => (this.closedHangs += 1));
      return;
    }
    if (req.url === '/v1/reset') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 1024 * 1024 });
      res.write(Buffer.alloc(64 * 1024, 3), () => res.socket?.resetAndDestroy());
      return;
    }
    let bodyBytes = 0;
    req.on('close', () => {
      if (!req.complete) this.brokenUploads += 1;
    });
    req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on('end', () => {
      this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes });
      const url = new URL(req.url ?? '/', 'http://upstream');
      if (url.pathname.startsWith('/v1/quotes/')) {
        const units = url.searchParams.get('units');
        res.writeHead(200, {
          'content-type': 'application/json',
          ...(units === null ? {} : { 'x-usage-units': units }),
        });
        res.end(JSON.stringify({ symbol: url.pathname.split('/')[3], price: 101.5 }));
      } else if (url.pathname === '/v1/orders' && req.method === 'POST') {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ received: bodyBytes }));
      } else if (url.pathname === '/v1/big') {
        void this.sendBig(res, Number(url.searchParams.get('bytes') ?? '0'));
      } else if (url.pathname === '/v1/stream') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first chunk\n');
        void this.released.then(() => res.end('last chunk\n'));
      } else if (url.pathname === '/v1/broken') {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('unavailable');
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  }

  private async sendBig(res: http.ServerResponse, bytes: number): Promise<void> {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(64 * 1024, 7);
    let left = bytes;
    while (left > 0) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      if (!res.write(piece)) await once(res, 'drain');
    }
    res.end();
  }
}
