export interface JsonAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/** A JSON call to the product's public API; the body is undefined when the answer is not JSON. */
export async function callJson<T>(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<JsonAnswer<T | undefined>> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: T | undefined;
  try {
    body = JSON.parse(text) as T;
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

/** The product's error message of a refused call, for a demo step that must not fail. */
export function describeRefusal(what: string, answer: JsonAnswer<unknown>): Error {
  const error = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return new Error(
    `demo: ${what} was refused (${answer.status}${error ? ` ${error.code ?? ''}: ${error.message ?? ''}` : ''})`,
  );
}

/** The admin API of the billing app, with the admin token. */
export class AdminApi {
  constructor(
    readonly billingUrl: string,
    private readonly adminToken: string,
  ) {}

  call<T>(method: string, path: string, body?: unknown): Promise<JsonAnswer<T | undefined>> {
    return callJson<T>(`${this.billingUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.adminToken}` },
      body,
    });
  }

  /** A call that has to succeed for the demo to go on. */
  async create<T>(what: string, path: string, body: unknown): Promise<T> {
    const answer = await this.call<T>('POST', path, body);
    if (answer.status < 200 || answer.status >= 300 || answer.body === undefined) {
      throw describeRefusal(what, answer);
    }
    return answer.body;
  }
}
