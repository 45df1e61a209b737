import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pacedLoad } from './paced-load';

describe('pacedLoad', () => {
  let server: http.Server;
  let url: string;
  const seenKeys: string[] = [];

  beforeAll(async () => {
    let calls = 0;
    server = http.createServer((req, res) => {
      seenKeys.push(String(req.headers['x-api-key']));
      calls += 1;
      // Every fourth answer is chunked and every fifth a 429, so both framings and both outcomes are read.
      if (calls % 4 === 0) {
        res.writeHead(200);
        res.write('part one,');
        res.end('part two');
      } else {
        const body = 'ok';
        res.writeHead(calls % 5 === 0 ? 429 : 200, { 'content-length': body.length });
        res.end(body);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/quotes/AAPL`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the rate for the duration and counts every answer and refusal', async () => {
    const [result] = await pacedLoad({
      targets: [{ url, headers: { 'x-api-key': 'k1' } }],
      rate: 400,
      durationS: 0.5,
      connections: 4,
      sliceMs: 0,
    });
    expect(result.sent).toBe(200);
    expect(result.answered).toBe(200);
    expect(result.errors).toBe(0);
    // Every fifth call is a 429 unless it is also a fourth (chunked 200): 40 - 10.
    expect(result.non2xx).toBe(30);
    expect(seenKeys).toHaveLength(200);
    expect(new Set(seenKeys)).toEqual(new Set(['k1']));
    expect(result.p50Ms).toBeGreaterThan(0);
    expect(result.maxMs).toBeGreaterThanOrEqual(result.p99Ms);
  });

  it('ends with every request counted as an error when the target refuses connections', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const [result] = await pacedLoad({
      targets: [{ url: `http://127.0.0.1:${port}/`, headers: {} }],
      rate: 100,
      durationS: 0.2,
      connections: 2,
      sliceMs: 0,
    });
    expect(result.answered).toBe(0);
    expect(result.errors).toBe(20);
  });

  it('gives each target of an interleaved load the requests of its own slices', async () => {
    const calls = [0, 0];
    const servers = calls.map((_, index) =>
      http.createServer((req, res) => {
        calls[index] += 1;
        res.writeHead(200, { 'content-length': 1 });
        res.end(String(index));
      }),
    );
    const urls = await Promise.all(
      servers.map(
        (one) =>
          new Promise<string>((resolve) =>
            one.listen(0, '127.0.0.1', () =>
              resolve(`http://127.0.0.1:${(one.address() as AddressInfo).port}/`),
            ),
          ),
      ),
    );
    try {
      // 200 requests over 0.5 s in 100 ms slices: slices 0, 2 and 4 to the first target, 1 and 3 to the second.
      const results = await pacedLoad({
        targets: urls.map((url) => ({ url, headers: {} })),
        rate: 400,
        durationS: 0.5,
        connections: 4,
        sliceMs: 100,
      });
      expect(results.map((result) => result.answered)).toEqual([120, 80]);
      expect(calls).toEqual([120, 80]);
      expect(results.every((result) => result.errors === 0 && result.non2xx === 0)).toBe(true);
    } finally {
      await Promise.all(servers.map((one) => new Promise<void>((resolve) => one.close(() => resolve()))));
    }
  });
});
