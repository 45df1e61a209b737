/** Calls to the billing API with a bearer credential (portal token or admin token). */

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface ErrorBody {
  readonly error?: { readonly code?: string; readonly message?: string };
}

export class Api {
  constructor(private readonly credential: string) {}

  async get<T>(path: string, query: Record<string, string> = {}): Promise<T> {
    return (await this.send('GET', path, query)).json() as Promise<T>;
  }

  async post<T>(path: string, body?: unknown): Promise<T> {
    return (await this.send('POST', path, {}, body)).json() as Promise<T>;
  }

  /** The response body as text (CSV downloads). */
  async text(path: string, query: Record<string, string> = {}): Promise<string> {
    return (await this.send('GET', path, query)).text();
  }

  private async send(
    method: string,
    path: string,
    query: Record<string, string>,
    body?: unknown,
  ): Promise<Response> {
    const search = new URLSearchParams(query).toString();
    const headers: Record<string, string> = { Authorization: `Bearer ${this.credential}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${path}${search === '' ? '' : `?${search}`}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      // The credential is in a header, never in a URL; no cookies are involved.
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
    if (!response.ok) {
      let parsed: ErrorBody = {};
      try {
        parsed = (await response.json()) as ErrorBody;
      } catch {
        // Not JSON: keep the status alone.
      }
      throw new ApiFailure(
        response.status,
        parsed.error?.code ?? 'http_error',
        parsed.error?.message ?? `${method} ${path} answered ${response.status}`,
      );
    }
    return response;
  }
}
