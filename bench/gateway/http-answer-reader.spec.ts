import fc from 'fast-check';
import { HttpAnswerReader } from './http-answer-reader';

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
