import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { ClickHouseError } from '@clickhouse/client';
import type { BulkDataFiles } from './bulk-data-files';
import { insertFromFile, listFileBody, listParamsForFiles, withListFromFile } from './bulk-data-statements';
import { withStagedFiles } from './staged-bulk-files';
import type { ChdbSession, ClientConnection } from './client-connection';

type QueryParams = Parameters<ClientConnection['query']>[0];
type CommandParams = Parameters<ClientConnection['command']>[0];
type InsertParams = Parameters<ClientConnection['insert']>[0];
type ExecParams = Parameters<ClientConnection['exec']>[0];
type PingParams = Parameters<ClientConnection['ping']>[0];
type PingResult = Awaited<ReturnType<ClientConnection['ping']>>;

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The connection @clickhouse/client talks to for chDB. It wraps chdb's own connection to give every call
 * the per-request semantics a ClickHouse server gives over HTTP:
 *
 * - Settings: chdb applies `clickhouse_settings` as `SET k = v` on the session, where they outlive the call.
 *   A later insert would silently reuse an earlier `insert_deduplication_token` and be dropped as a
 *   duplicate. Each call here first resets (`SET k = DEFAULT`) what earlier calls set and it does not.
 * - Order: calls run one at a time across every session of the process (one queue for the engine), so
 *   the settings bookkeeping above follows execution order and close() can wait for them. Statements
 *   from two sessions running at once (e.g. inserts into the same tables and their materialized views)
 *   were seen to hang the engine; on two sessions they gained nothing measurable either.
 * - Dates: chdb binds a Date query parameter as 'YYYY-MM-DD HH:MM:SS', dropping milliseconds; top-level
 *   Dates are sent as the Unix timestamp string @clickhouse/client sends to a server instead.
 * - Errors: chdb raises its own copy of ClickHouseError; they are re-raised as @clickhouse/client's, so
 *   `instanceof ClickHouseError` holds on both adapters.
 * - Bulk data (when given `files`): insert bodies and long `IN {name:Array(String)}` lists are written to a
 *   file and read by the engine from there (`INSERT … FROM INFILE`, `file()`), not parsed out of the SQL
 *   text: several times cheaper for the engine (bulk-data-files.ts). Same statements, same results. Such a
 *   call joins the queue once its files are written (staged-bulk-files.ts), so a call made after it without
 *   bulk data may run first, as an insert whose body stream was still being read always could.
 */
export class ChdbSessionConnection implements ClientConnection {
  readonly #session: ChdbSession;
  readonly #release: (session: ChdbSession) => Promise<void>;
  #tail: Promise<void> = Promise.resolve();
  #settingsLeftInSession = new Set<string>();
  #closing: Promise<void> | null = null;

  readonly #files: BulkDataFiles | null;

  constructor(
    session: ChdbSession,
    release: (session: ChdbSession) => Promise<void>,
    files: BulkDataFiles | null = null,
  ) {
    this.#session = session;
    this.#release = release;
    this.#files = files;
  }

  async ping(params: PingParams): Promise<PingResult> {
    if (this.#closing) return { success: false, error: new Error('ClickHouse handle is closed') };
    return this.#serialize(() => this.#session.ping(params));
  }

  query(params: QueryParams): ReturnType<ClientConnection['query']> {
    const lists =
      this.#files && params.query_params ? listParamsForFiles(params.query, params.query_params) : [];
    if (lists.length === 0) return this.#serialize(() => this.#session.query(this.#isolate(params)));
    return this.#queryWithListsFromFiles(params, lists, this.#files as BulkDataFiles);
  }

  command(params: CommandParams): ReturnType<ClientConnection['command']> {
    return this.#serialize(() => this.#session.command(this.#isolate(params)));
  }

  async insert(params: InsertParams): ReturnType<ClientConnection['insert']> {
    // Read the body before queueing so a slow producer never holds up other calls on the session.
    const body = await readBody(params.values);
    const fromFile = this.#files && !isBlank(body) ? insertFromFile(params.query) : null;
    const files = this.#files;
    if (files && fromFile) {
      const { values: _values, ...statement } = params;
      return withStagedFiles(files, [body], ([path]) =>
        path === undefined
          ? this.#serialize(() =>
              this.#session.insert(this.#isolate({ ...params, values: body.toString('utf8') })),
            )
          : this.#serialize(() =>
              this.#session.command(this.#isolate({ ...statement, query: fromFile(path) })),
            ),
      );
    }
    const values = body.toString('utf8');
    return this.#serialize(() => this.#session.insert(this.#isolate({ ...params, values })));
  }

  async exec(params: ExecParams): ReturnType<ClientConnection['exec']> {
    if (params.values === undefined) {
      return this.#serialize(() => this.#session.exec(this.#isolate(params)));
    }
    const body = await readBody(params.values);
    // chdb's exec takes the body as a stream.
    return this.#serialize(() =>
      this.#session.exec(this.#isolate({ ...params, values: Readable.from([body]) })),
    );
  }

  #queryWithListsFromFiles(
    params: QueryParams,
    names: readonly string[],
    files: BulkDataFiles,
  ): ReturnType<ClientConnection['query']> {
    const lists = names.map((name) => listFileBody(params.query_params?.[name] as string[]));
    return withStagedFiles(files, lists, (paths) => {
      if (paths.length < names.length)
        return this.#serialize(() => this.#session.query(this.#isolate(params)));
      const query_params: Record<string, unknown> = { ...params.query_params };
      let query = params.query;
      names.forEach((name, index) => {
        query = withListFromFile(query, name, paths[index]);
        delete query_params[name];
      });
      return this.#serialize(() => this.#session.query(this.#isolate({ ...params, query, query_params })));
    });
  }

  close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = this.#tail.then(() => this.#release(this.#session));
    }
    return this.#closing;
  }

  #serialize<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closing) return Promise.reject(new Error('ClickHouse handle is closed'));
    const result = runOnEngine(operation);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result.catch((error: unknown) => {
      throw asClientError(error);
    });
  }

  /** Prefixes resets for settings an earlier call left in the session. Runs inside the queue, in order. */
  #isolate<P extends { query: string; clickhouse_settings?: object; query_params?: Record<string, unknown> }>(
    params: P,
  ): P {
    const query_params = params.query_params && withServerDateParams(params.query_params);
    const requested = Object.entries(params.clickhouse_settings ?? {})
      .filter(([name, value]) => value !== undefined && SETTING_NAME.test(name))
      .map(([name]) => name);
    const stale = [...this.#settingsLeftInSession].filter((name) => !requested.includes(name));
    this.#settingsLeftInSession = new Set(requested);
    const resets = stale.map((name) => `SET ${name} = DEFAULT; `).join('');
    return { ...params, query: `${resets}${params.query}`, query_params };
  }
}

/** The process-wide queue of chDB statements: each starts when the previous one, of any session, settled. */
let engineTail: Promise<unknown> = Promise.resolve();
const engineUse = { statements: 0, busyMs: 0 };
/** When the statement running now started (performance.now()), or null while the engine is idle. */
let runningSince: number | null = null;

function runOnEngine<T>(operation: () => Promise<T>): Promise<T> {
  const result = engineTail.then(async () => {
    const started = performance.now();
    runningSince = started;
    try {
      return await operation();
    } finally {
      runningSince = null;
      engineUse.statements += 1;
      engineUse.busyMs += performance.now() - started;
    }
  });
  engineTail = result.catch(() => undefined);
  return result;
}

export interface ChdbEngineUse {
  /** Calls run on the engine since the process started (finished ones). */
  readonly statements: number;
  /**
   * Wall time the engine spent running them (the queue lets one run at a time), in milliseconds, including
   * the part of the statement running now.
   */
  readonly busyMs: number;
}

/** How much the process's chDB engine has been used: with wall time, how saturated its one queue is. */
export function chdbEngineUse(): ChdbEngineUse {
  const running = runningSince === null ? 0 : performance.now() - runningSince;
  return { statements: engineUse.statements, busyMs: engineUse.busyMs + running };
}

function withServerDateParams(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(params).map(([name, value]) => [
      name,
      value instanceof Date ? unixTimestampParam(value) : value,
    ]),
  );
}

/** @clickhouse/client's form: seconds since the epoch with optional milliseconds, independent of time zones. */
function unixTimestampParam(date: Date): string {
  const seconds = Math.floor(date.getTime() / 1000)
    .toString()
    .padStart(10, '0');
  const milliseconds = date.getUTCMilliseconds();
  return milliseconds === 0 ? seconds : `${seconds}.${milliseconds.toString().padStart(3, '0')}`;
}

/** The body's bytes. Decoded (when it must go into SQL text) only as a whole, so split characters survive. */
async function readBody(values: string | Readable): Promise<Buffer> {
  if (typeof values === 'string') return Buffer.from(values, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of values as AsyncIterable<unknown>) {
    if (typeof chunk === 'string') chunks.push(Buffer.from(chunk, 'utf8'));
    else if (chunk instanceof Uint8Array)
      chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    else throw new Error(`insert values: unsupported stream chunk of type ${typeof chunk}`);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/** True for a body of whitespace only: chdb answers such an insert as a no-op (the server does the same). */
function isBlank(body: Buffer): boolean {
  for (const byte of body) if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return false;
  return true;
}

function asClientError(error: unknown): Error {
  if (error instanceof ClickHouseError) return error;
  if (error instanceof Error) {
    const { code, type } = error as Error & { code?: unknown; type?: unknown };
    if (typeof code === 'string' && /^\d+$/.test(code)) {
      const mapped = new ClickHouseError({
        message: error.message,
        code,
        type: typeof type === 'string' ? type : undefined,
      });
      mapped.cause = error;
      return mapped;
    }
    return error;
  }
  return new Error(String(error));
}
