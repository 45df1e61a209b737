import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { HttpAnswerReader } from './http-answer-reader';
import { interleavedPacedLoad, pacedLoad } from './paced-load';

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly chunked: boolean;
  readonly chunkSizes: readonly number[];
  readonly trailer: boolean;
}

function encode(answer: Answer): string {
  const head = `HTTP/1.1 ${answer.status} X\r\nContent-Type: text/plain\r\n`;
  if (!answer.chunked)
    return `${head}Content-Length: ${Buffer.byteLength(answer.body)}\r\n\r\n${answer.body}`;
  let body = '';
  let at = 0;
  for (const size of answer.chunkSizes) {
    if (at >= answer.body.length) break;
    const part = answer.body.slice(at, at + size);
    at += size;
    body += `${part.length.toString(16)}\r\n${part}\r\n`;
  }
  if (at < answer.body.length) {
    const part = answer.body.slice(at);
    body += `${part.length.toString(16)}\r\n${part}\r\n`;
  }
  return `${head}Transfer-Encoding: chunked\r\n\r\n${body}0\r\n${answer.trailer ? 'X-Trailer: 1\r\n' : ''}\r\n`;
}

const answerArbitrary: fc.Arbitrary<Answer> = fc.record({
  status: fc.constantFrom(200, 204, 404, 429, 502),
  // Bodies that look like heads and chunk lines, so a reader that scans bodies would be caught.
  body: fc.stringMatching(/^[a-z0-9\r\n: ]{0,80}$/),
  chunked: fc.boolean(),
  chunkSizes: fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 5 }),
  trailer: fc.boolean(),
});

describe('HttpAnswerReader', () => {
  it('reports every answer, in order, however the bytes are split', () => {
    fc.assert(
      fc.property(
        fc.array(answerArbitrary, { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
        (answers, cuts) => {
          const bytes = Buffer.from(answers.map(encode).join(''), 'latin1');
          const seen: number[] = [];
          const reader = new HttpAnswerReader((status) => seen.push(status));
          let at = 0;
          for (let i = 0; at < bytes.length; i++) {
            const size = cuts[i % cuts.length];
            reader.read(bytes.subarray(at, at + size));
            at += size;
          }
          expect(seen).toEqual(answers.map((answer) => answer.status));
        },
      ),
    );
  });

  it('does not report an answer before its last byte', () => {
    const bytes = Buffer.from(
      encode({ status: 200, body: 'hello', chunked: false, chunkSizes: [], trailer: false }),
    );
    const seen: number[] = [];
    const reader = new HttpAnswerReader((status) => seen.push(status));
    reader.read(bytes.subarray(0, bytes.length - 1));
    expect(seen).toEqual([]);
    reader.read(bytes.subarray(bytes.length - 1));
    expect(seen).toEqual([200]);
  });
});

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
    const result = await pacedLoad({
      url,
      headers: { 'x-api-key': 'k1' },
      rate: 400,
      durationS: 0.5,
      connections: 4,
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
    const result = await pacedLoad({
      url: `http://127.0.0.1:${port}/`,
      headers: {},
      rate: 100,
      durationS: 0.2,
      connections: 2,
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
      const results = await interleavedPacedLoad({
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
