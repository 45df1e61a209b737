import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  isBillable,
  newEventId,
  normalizeUnits,
  type UsageEventV1,
  type UsageOutcome,
} from '@keymeter/contracts';
import type { UsageEventSink } from '@keymeter/event-sink';

/** Who made a call, as the host API knows it (e.g. from its own authentication). */
export interface UsageIdentity {
  readonly keyId: string;
  readonly customerId: string;
}

/** The parts of an Express request the middleware reads (Nest's `app.use` passes the same objects). */
export interface UsageRequest extends IncomingMessage {
  readonly route?: { readonly path?: unknown };
  readonly baseUrl?: string;
  readonly ip?: string;
}

export interface UsageMiddlewareOptions {
  readonly sink: UsageEventSink;
  /** Goes into every event as `gatewayId` (letters, digits, `_ . : -`). */
  readonly gatewayId: string;
  /**
   * Resolves the caller, called when the response is finished (so it may read what the host's auth set
   * on the request). `undefined`: the caller is unknown, and the call is recorded as `rejected_auth`
   * when the status is 401/403, otherwise not recorded at all (nothing to bill).
   */
  readonly identify: (req: UsageRequest, res: ServerResponse) => UsageIdentity | undefined;
  /** Credits of a call; default: the `X-Usage-Units` response header if set, else 1. */
  readonly units?: (req: UsageRequest, res: ServerResponse) => string | number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

export type UsageMiddleware = (
  req: UsageRequest,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Express-compatible middleware that emits one UsageEvent v1 per call to a `UsageEventSink` (so events
 * reach the `usage-events` topic exactly as the gateway's do). Mount it before the routes; the route
 * template comes from Express's `req.baseUrl + req.route.path` once a route matched (`*` otherwise),
 * never from the raw path.
 */
export function createUsageMiddleware(options: UsageMiddlewareOptions): UsageMiddleware {
  const now = options.now ?? Date.now;
  return (req, res, next) => {
    const startedAt = now();
    let requestBytes = 0;
    req.on('data', (chunk: Buffer | string) => {
      requestBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    });
    const declaredRequestBytes = Number(req.headers['content-length']);
    let responseBytes = 0;
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.write = ((...args: unknown[]) => {
      responseBytes += chunkBytes(args[0], args[1]);
      return write(...args);
    }) as ServerResponse['write'];
    res.end = ((...args: unknown[]) => {
      if (typeof args[0] !== 'function') responseBytes += chunkBytes(args[0], args[1]);
      return end(...args);
    }) as ServerResponse['end'];

    res.once('finish', () => {
      const event = buildEvent(options, req, res, {
        startedAt,
        endedAt: now(),
        requestBytes: Math.max(
          requestBytes,
          Number.isFinite(declaredRequestBytes) ? declaredRequestBytes : 0,
        ),
        responseBytes,
      });
      if (event) options.sink.emit(event);
    });
    next();
  };
}

function buildEvent(
  options: UsageMiddlewareOptions,
  req: UsageRequest,
  res: ServerResponse,
  measured: { startedAt: number; endedAt: number; requestBytes: number; responseBytes: number },
): UsageEventV1 | undefined {
  const status = res.statusCode;
  const identity = options.identify(req, res);
  let outcome: UsageOutcome;
  if (identity === undefined) {
    if (status !== 401 && status !== 403) return undefined;
    outcome = 'rejected_auth';
  } else if (status >= 500) {
    outcome = 'upstream_error';
  } else if (status === 429) {
    outcome = 'rate_limited';
  } else if (status === 401) {
    outcome = 'rejected_auth';
  } else if (status === 403) {
    outcome = 'rejected_scope';
  } else {
    outcome = 'forwarded';
  }
  const billable = isBillable(outcome, status);
  const rawUnits = options.units ? options.units(req, res) : (res.getHeader('x-usage-units') ?? 1);
  const units = billable ? (normalizeUnits(String(rawUnits)) ?? '1') : '0';
  const routePath = typeof req.route?.path === 'string' ? req.route.path : undefined;
  return {
    v: 1,
    id: newEventId(measured.startedAt, (count) => randomBytes(count)),
    occurredAt: new Date(measured.startedAt).toISOString(),
    gatewayId: options.gatewayId,
    keyId: identity?.keyId ?? '',
    customerId: identity?.customerId ?? '',
    method: (req.method ?? 'GET').toUpperCase(),
    route: routePath === undefined ? '*' : `${req.baseUrl ?? ''}${routePath}` || '/',
    status,
    latencyMs: Math.max(0, Math.round(measured.endedAt - measured.startedAt)),
    requestBytes: measured.requestBytes,
    responseBytes: measured.responseBytes,
    units,
    clientIp: clientIp(req),
    userAgent: (req.headers['user-agent'] ?? '').slice(0, 512),
    outcome,
    billable,
  };
}

function chunkBytes(chunk: unknown, encoding: unknown): number {
  if (chunk === undefined || chunk === null || typeof chunk === 'function') return 0;
  if (typeof chunk === 'string') {
    return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  }
  return chunk instanceof Uint8Array ? chunk.byteLength : 0;
}

function clientIp(req: UsageRequest): string {
  const address = req.ip ?? req.socket.remoteAddress ?? '0.0.0.0';
  // Express reports IPv4 clients of a dual-stack socket as ::ffff:a.b.c.d.
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
