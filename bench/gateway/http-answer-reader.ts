/**
 * Reads HTTP/1.1 answers off a keep-alive connection, one after another, and reports each one's status when its
 * last body byte has arrived. Only what a load client needs: the status, and where the answer ends (Content-Length,
 * or a chunked body with optional trailers). Bodies are skipped, not kept.
 */
const CR = 13;
const LF = 10;

type State = 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'trailer';

export class HttpAnswerReader {
  private state: State = 'head';
  /** Bytes of an unfinished head or line, when it spans chunks. */
  private partial = '';
  private status = 0;
  /** Body or chunk bytes still to skip (chunk data includes its trailing CRLF). */
  private remaining = 0;

  constructor(private readonly onAnswer: (status: number) => void) {}

  read(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      switch (this.state) {
        case 'head': {
          if (this.partial === '') {
            const end = chunk.indexOf('\r\n\r\n', at, 'latin1');
            if (end >= 0) {
              const head = chunk.toString('latin1', at, end);
              at = end + 4;
              this.head(head);
              break;
            }
          }
          // The head spans chunks: its end may straddle them, so search the joined bytes.
          const before = this.partial.length;
          this.partial += chunk.toString('latin1', at);
          const end = this.partial.indexOf('\r\n\r\n', Math.max(0, before - 3));
          if (end < 0) return;
          const head = this.partial.slice(0, end);
          at = chunk.length - (this.partial.length - (end + 4));
          this.partial = '';
          this.head(head);
          break;
        }
        case 'body':
        case 'chunk-data': {
          const take = Math.min(this.remaining, chunk.length - at);
          this.remaining -= take;
          at += take;
          if (this.remaining === 0) {
            if (this.state === 'body') this.done();
            else this.state = 'chunk-size';
          }
          break;
        }
        case 'chunk-size':
        case 'trailer': {
          const line = this.line(chunk, at);
          if (line === undefined) return;
          at = line.next;
          if (this.state === 'trailer') {
            if (line.text === '') this.done();
          } else {
            const size = parseInt(line.text, 16);
            if (size === 0) this.state = 'trailer';
            else {
              this.remaining = size + 2;
              this.state = 'chunk-data';
            }
          }
          break;
        }
      }
    }
  }

  private head(head: string): void {
    // "HTTP/1.1 200 OK"
    this.status = Number(head.slice(9, 12));
    const lower = head.toLowerCase();
    if (/\r\ntransfer-encoding:[^\r]*chunked/.test(lower)) {
      this.state = 'chunk-size';
      return;
    }
    const length = /\r\ncontent-length:\s*(\d+)/.exec(lower);
    this.remaining = length === null ? 0 : Number(length[1]);
    this.state = 'body';
    if (this.remaining === 0) this.done();
  }

  /** The next CRLF-terminated line from `at`, joined with a part left from the previous chunk. */
  private line(chunk: Buffer, at: number): { text: string; next: number } | undefined {
    for (let i = at; i < chunk.length; i++) {
      if (chunk[i] === LF) {
        let text = this.partial + chunk.toString('latin1', at, i);
        this.partial = '';
        if (text.charCodeAt(text.length - 1) === CR) text = text.slice(0, -1);
        return { text, next: i + 1 };
      }
    }
    this.partial += chunk.toString('latin1', at);
    return undefined;
  }

  private done(): void {
    this.state = 'head';
    this.onAnswer(this.status);
  }
}
