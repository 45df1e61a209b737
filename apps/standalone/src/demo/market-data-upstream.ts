import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerMarketData } from './market-data';

export interface RunningUpstream {
  readonly url: string;
  /** Data points served so far (what the gateway was told in X-Usage-Units). */
  readonly unitsServed: () => number;
  close(): Promise<void>;
}

/**
 * The sample market-data API as an HTTP server on a loopback port. Each answer reports its data points
 * in `X-Usage-Units`, which the gateway records as the call's units and strips from the response.
 */
export async function startMarketDataUpstream(host = '127.0.0.1', port = 0): Promise<RunningUpstream> {
  let units = 0;
  const server: Server = createServer((request, response) => {
    const answer = answerMarketData(
      request.method ?? 'GET',
      new URL(request.url ?? '/', 'http://upstream.invalid'),
      new Date(),
    );
    units += answer.units;
    const body = JSON.stringify(answer.body);
    response.writeHead(answer.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      'X-Usage-Units': String(answer.units),
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    unitsServed: () => units,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
