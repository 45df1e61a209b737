import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { ApiKeySnapshotV1, UsageOutcome } from '@keymeter/contracts';
import type { UsageEventSink } from '@keymeter/event-sink';
import {
  splitRequestPath,
  toMicroCredits,
  unitsForCall,
  type Route,
  type RouteMatcher,
  type ScopeChecker,
} from '@keymeter/domain';
import type { CredentialVerifier } from '../registry/credential-verifier';
import { hasLimits, KeyLimits } from '../limits/key-limits';
import type { AdmissionDecision, AdmissionRequest, LimitStore } from '../limits/limit-store';
import type { CallRecorder } from '../metrics/gateway-metrics';
import { callEvent, clientAddress } from './call-event';
import {
  clientResponseHeaders,
  presentedKey,
  upstreamRequestHeaders,
  usageUnitsHeader,
  type ResponseHeaders,
} from './forwarding-headers';
import { REJECTION_BODIES, REJECTIONS, type GatewayRejection } from './rejections';
import { UpstreamTargets } from './upstream-targets';

/** The few log calls the proxy makes (pino's shape). */
export interface ProxyLogger {
  warn(details: object, message: string): void;
}

export interface GatewayProxyOptions {
  readonly gatewayId: string;
  readonly routes: RouteMatcher;
  readonly verifier: CredentialVerifier;
  /** Compiled scopes of a verified key (cached by the registry view); compiled per call when absent. */
  readonly scopesOf: (key: ApiKeySnapshotV1) => ScopeChecker;
  readonly limits: LimitStore;
  readonly sink: UsageEventSink;
  readonly metrics?: CallRecorder;
  readonly logger?: ProxyLogger;
  /** An upstream silent for this long (no response, or a stalled body) is answered 504. Default 30 s. */
  readonly upstreamTimeoutMs?: number;
  /** Connections per upstream origin. Default 256. */
  readonly upstreamConnections?: number;
  /** Lower-case request header with the client's country (GATEWAY_COUNTRY_HEADER); none: no country. */
  readonly countryHeader?: string;
  readonly clock?: () => number;
}

/**
 * One call in flight. It is also the undici dispatch handler of its upstream request: the handler's callbacks
 * are methods shared by every call, not closures allocated per call.
 */
class Call implements Dispatcher.DispatchHandler {
  key: ApiKeySnapshotV1 | undefined = undefined;
  route = '*';
  units = '0';
  status = 0;
  outcome: UsageOutcome = 'forwarded';
  requestBytes = 0;
  responseBytes = 0;
  limitHeaders: Record<string, string> | undefined = undefined;
  admission:
    | {
        readonly request: AdmissionRequest;
        readonly costMicro: bigint;
        /** The route's cost as written: units still equal to it need no parsing at settlement. */
        readonly routeUnits: string;
      }
    | undefined = undefined;
  /** The matched route, once routing succeeded. */
  matched: Route | undefined = undefined;
  fromAuthorization = false;
  /** The request body goes upstream (so its bytes are counted once the upstream request starts). */
  streamsBody = false;
  countingBody = false;
  /** The upstream exchange, once undici has put the request on a connection. */
  upstream: Dispatcher.DispatchController | undefined = undefined;
  finished = false;
  /** The client response's 'drain' listener is attached (resumes the upstream body after backpressure). */
  drainListened = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly proxy: GatewayProxy,
    readonly startedAt: number,
    readonly receivedAtMs: number,
    readonly clientIp: string,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // Called again if undici retries the request on another connection: the newest controller is the live one.
    this.upstream = controller;
    if (this.finished) {
      // The client left while the request waited for a connection: nothing goes upstream.
      controller.abort(new Error(CLIENT_GONE));
      return;
    }
    if (this.streamsBody && !this.countingBody) {
      this.countingBody = true;
      // Attached in the same synchronous step as undici's own 'data' listener, so no chunk is missed.
      (this.req as WithCall<IncomingMessage>)[CALL] = this;
      this.req.on('data', onRequestData);
    }
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
    statusMessage?: string,
  ): void {
    this.proxy.relay(this, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.responseBytes += chunk.length;
    if (!this.res.write(chunk)) {
      // Listened for only once the client falls behind (most answers never fill the socket's buffer).
      if (!this.drainListened) {
        this.drainListened = true;
        this.res.on('drain', onClientDrain);
      }
      controller.pause();
    }
  }

  onResponseEnd(): void {
    this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.proxy.upstreamFailed(this, error);
  }
}

/**
 * The call an emitter belongs to, kept on the emitter itself: the proxy's listeners are shared functions that
 * find their call through `this`, instead of closures allocated for every call (a measurable share of the
 * request path's garbage).
 */
const CALL = Symbol('keymeter.call');
type WithCall<T> = T & { [CALL]: Call };

function callOf(emitter: object): Call {
  return (emitter as WithCall<object>)[CALL];
}

function onClientClose(this: ServerResponse): void {
  const call = callOf(this);
  call.proxy.finish(call);
}

function onClientDrain(this: ServerResponse): void {
  callOf(this).upstream?.resume();
}

function onRequestData(this: IncomingMessage, chunk: Buffer): void {
  callOf(this).requestBytes += chunk.length;
}

const CLIENT_GONE = 'client closed the connection';
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** No Content-Length and no Transfer-Encoding: an HTTP/1.1 request without a body (RFC 9112 §6.3). */
function hasNoBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined;
}

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
/** A client that left before the upstream answered (nginx's convention). */
const CLIENT_CLOSED_REQUEST = 499;
const LOG_INTERVAL_MS = 10_000;

/**
 * The gateway's request path on raw node:http: authenticate the key against the in-memory registry, match a
 * route, check scopes and limits, stream the call to the upstream and back while counting bytes, and hand one
 * UsageEvent per call to the sink (never awaited). See docs/gateway.md.
 */
export class GatewayProxy {
  readonly upstreamTimeoutMs: number;
  private readonly targets: UpstreamTargets;
  private readonly keyLimits = new KeyLimits();
  private readonly routeCostMicro = new Map<Route, bigint>();
  private readonly clock: () => number;
  private readonly lastLogged = new Map<string, number>();

  constructor(private readonly options: GatewayProxyOptions) {
    this.clock = options.clock ?? Date.now;
    this.upstreamTimeoutMs = options.upstreamTimeoutMs ?? 30_000;
    this.targets = new UpstreamTargets({
      maxSockets: options.upstreamConnections,
      timeoutMs: this.upstreamTimeoutMs,
    });
  }

  /** The node:http request listener. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const receivedAtMs = this.clock();
    const call = new Call(
      req,
      res,
      this,
      performance.now(),
      receivedAtMs,
      clientAddress(req.socket.remoteAddress),
    );
    (res as WithCall<ServerResponse>)[CALL] = call;
    res.on('close', onClientClose);

    const presented = presentedKey(req.headers);
    call.fromAuthorization = presented.fromAuthorization;
    const verification = this.options.verifier.verifyApiKey(presented.key, receivedAtMs);
    if (!verification.ok) {
      call.key = verification.key;
      this.reject(call, verification.reason);
      return;
    }
    const key = verification.key;
    call.key = key;
    const method = req.method ?? 'GET';
    // One split of the path for the route and the scopes; an unsafe path matches no route.
    const path = splitRequestPath(req.url ?? '/');
    const match = path.ok ? this.options.routes.matchSegments(method, path.segments) : undefined;
    if (match === undefined || !path.ok) {
      this.reject(call, 'route_not_found');
      return;
    }
    const route = match.route;
    call.matched = route;
    call.route = match.template;
    call.units = route.creditsPerCall;
    if (!this.options.scopesOf(key).allowsSegments(method, path.segments)) {
      this.reject(call, 'scope_denied');
      return;
    }
    if (!hasLimits(key)) {
      this.forward(call);
      return;
    }
    const costMicro = key.quotas.creditsPerMonth === null ? 0n : this.costOf(route);
    const request = this.keyLimits.admissionRequest(key, costMicro, receivedAtMs);
    const limits = this.options.limits;
    if (limits.admitNow !== undefined) {
      // Decided at once when the store can (in-process, or from a Redis store's lease): no promise, callbacks
      // or microtask per call; undefined leaves the call to admit().
      let decision: AdmissionDecision | undefined;
      try {
        decision = limits.admitNow(request);
      } catch (error) {
        this.limitCheckFailed(call, error);
        return;
      }
      if (decision !== undefined) {
        this.admitted(call, request, costMicro, decision);
        return;
      }
    }
    limits.admit(request).then(
      (decision) => this.admitted(call, request, costMicro, decision),
      (error: unknown) => this.limitCheckFailed(call, error),
    );
  };

  /** Stores fail open themselves; anything reaching here is a bug, and the call still goes through. */
  private limitCheckFailed(call: Call, error: unknown): void {
    this.logThrottled('limits', { err: error }, 'limit check failed; call let through');
    this.forward(call);
  }

  close(): void {
    this.targets.close();
  }

  private admitted(
    call: Call,
    request: AdmissionRequest,
    costMicro: bigint,
    decision: AdmissionDecision,
  ): void {
    if (call.finished) return;
    call.limitHeaders = this.keyLimits.headers(call.key as ApiKeySnapshotV1, request, decision);
    if (decision.outcome !== 'allowed') {
      this.reject(call, decision.outcome);
      return;
    }
    call.admission = { request, costMicro, routeUnits: (call.matched as Route).creditsPerCall };
    this.forward(call);
  }

  private forward(call: Call): void {
    const { req } = call;
    if (call.finished) return;
    const target = this.targets.for((call.matched as Route).upstream);
    const proto = (req.socket as TLSSocket).encrypted === true ? 'https' : 'http';
    call.streamsBody = !hasNoBody(req);
    // undici streams the request body with backpressure (it pauses the client request while the upstream
    // connection is full) and aborts the upstream request if the client request breaks.
    target.pool.dispatch(
      {
        method: req.method ?? 'GET',
        path: target.basePath + (req.url ?? '/'),
        headers: upstreamRequestHeaders(
          req.headers,
          call.fromAuthorization,
          target.host,
          call.clientIp,
          proto,
        ),
        body: call.streamsBody ? req : null,
      },
      call,
    );
  }

  /** @internal The upstream request failed (refused, reset, timed out, or aborted because the client left). */
  upstreamFailed(call: Call, error: Error): void {
    // A client that left is the call's end (499), not an upstream failure.
    if (call.finished || call.res.destroyed) return;
    if (!call.res.headersSent) {
      const host = this.targets.for((call.matched as Route).upstream).host;
      this.logThrottled(`upstream:${host}`, { upstream: host, err: error.message }, 'upstream call failed');
      const code = (error as { code?: unknown }).code;
      this.reject(
        call,
        typeof code === 'string' && TIMEOUT_CODES.has(code) ? 'upstream_timeout' : 'upstream_unreachable',
      );
    } else {
      call.res.destroy();
    }
  }

  /** @internal Relays the upstream's response head to the client; the body follows through the call's handler. */
  relay(call: Call, statusCode: number, headers: ResponseHeaders, statusMessage: string | undefined): void {
    const { res } = call;
    if (call.finished) return;
    const route = call.matched as Route;
    const unitsHeader = usageUnitsHeader(headers);
    if (unitsHeader !== undefined) {
      const units = unitsForCall(route, unitsHeader);
      call.units = units.units;
      if (units.invalidHeader !== undefined) {
        this.logThrottled(
          `units:${route.id}`,
          { route: route.id, reason: units.invalidHeader.reason },
          'invalid X-Usage-Units from upstream; route cost used',
        );
      }
    }
    call.status = statusCode;
    const out = clientResponseHeaders(headers, call.limitHeaders);
    if (statusMessage === undefined || statusMessage === '') res.writeHead(statusCode, out);
    else res.writeHead(statusCode, statusMessage, out);
  }

  private reject(call: Call, reason: GatewayRejection): void {
    const spec = REJECTIONS[reason];
    const body = REJECTION_BODIES[reason];
    call.status = spec.status;
    call.outcome = spec.outcome;
    call.responseBytes = body.length;
    const headers: OutgoingHttpHeaders = {
      'content-type': JSON_CONTENT_TYPE,
      'content-length': body.length,
      'cache-control': 'no-store',
    };
    if (spec.status === 401) headers['www-authenticate'] = 'Bearer realm="keymeter"';
    if (call.limitHeaders !== undefined) Object.assign(headers, call.limitHeaders);
    call.res.writeHead(spec.status, headers);
    call.res.end(body);
  }

  /** @internal Runs once per call, when the client connection is done with the response (finished or aborted). */
  finish(call: Call): void {
    if (call.finished) return;
    call.finished = true;
    if (call.status === 0) {
      // The client left before any answer.
      call.status = CLIENT_CLOSED_REQUEST;
      call.upstream?.abort(new Error(CLIENT_GONE));
    } else if (!call.res.writableFinished) {
      call.upstream?.abort(new Error(CLIENT_GONE));
    }
    const latencyMs = performance.now() - call.startedAt;
    const key = call.key;
    const event = callEvent({
      gatewayId: this.options.gatewayId,
      receivedAtMs: call.receivedAtMs,
      keyId: key?.keyId ?? '',
      customerId: key?.customerId ?? '',
      method: call.req.method ?? 'GET',
      route: call.route,
      status: call.status,
      latencyMs,
      requestBytes: call.requestBytes,
      responseBytes: call.responseBytes,
      units: call.units,
      clientIp: call.clientIp,
      userAgent: call.req.headers['user-agent'] ?? '',
      outcome: call.outcome,
      countryHeader: this.options.countryHeader && call.req.headers[this.options.countryHeader],
    });
    try {
      this.options.sink.emit(event);
      this.options.metrics?.recordEventEmitted();
    } catch (error) {
      this.options.metrics?.recordEmitFailure();
      this.logThrottled('emit', { err: error }, 'usage event sink refused an event');
    }
    this.options.metrics?.recordCall(call.outcome, latencyMs);
    if (call.admission !== undefined && key !== undefined) this.settle(call, key, event.billable);
  }

  /** Corrects the counts reserved at admission: a non-billable call counts nothing, a billable one its units. */
  private settle(call: Call, key: ApiKeySnapshotV1, billable: boolean): void {
    const { request, costMicro, routeUnits } = call.admission as NonNullable<Call['admission']>;
    const requests =
      request.requestsPerDay === null || billable
        ? null
        : { window: request.requestsPerDay.window, delta: -1 };
    let credits = null;
    if (request.creditsPerMonth !== null) {
      // Units still at the route's cost (no X-Usage-Units): the reservation stands, nothing to parse.
      const actual = !billable
        ? 0n
        : call.units === routeUnits
          ? costMicro
          : toMicroCredits(call.units, 'units');
      if (actual !== costMicro)
        credits = { window: request.creditsPerMonth.window, deltaMicro: actual - costMicro };
    }
    if (requests !== null || credits !== null)
      this.options.limits.settle({ keyId: key.keyId, requests, credits });
  }

  private costOf(route: Route): bigint {
    let cost = this.routeCostMicro.get(route);
    if (cost === undefined) {
      cost = toMicroCredits(route.creditsPerCall, `route ${route.id} creditsPerCall`);
      this.routeCostMicro.set(route, cost);
    }
    return cost;
  }

  /** Logs at most one line per topic every 10 s: a failing upstream must not flood the log. */
  private logThrottled(topic: string, details: object, message: string): void {
    const now = this.clock();
    const last = this.lastLogged.get(topic);
    if (last !== undefined && now - last < LOG_INTERVAL_MS) return;
    this.lastLogged.set(topic, now);
    this.options.logger?.warn(details, message);
  }
}
