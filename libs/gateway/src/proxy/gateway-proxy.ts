import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';
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
} from './forwarding-headers';
import { REJECTION_BODIES, REJECTIONS, type GatewayRejection } from './rejections';
import { UpstreamTargets, type UpstreamAgentOptions } from './upstream-targets';

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
  readonly upstreamAgents?: UpstreamAgentOptions;
  readonly clock?: () => number;
}

/** One call in flight. */
interface Call {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly startedAt: number;
  readonly receivedAtMs: number;
  readonly clientIp: string;
  key: ApiKeySnapshotV1 | undefined;
  route: string;
  units: string;
  status: number;
  outcome: UsageOutcome;
  requestBytes: number;
  responseBytes: number;
  limitHeaders: Record<string, string> | undefined;
  admission:
    | {
        readonly request: AdmissionRequest;
        readonly costMicro: bigint;
        /** The route's cost as written: units still equal to it need no parsing at settlement. */
        readonly routeUnits: string;
      }
    | undefined;
  upstream: ClientRequest | undefined;
  upstreamResponse: IncomingMessage | undefined;
  /** The matched route, once routing succeeded. */
  matched: Route | undefined;
  fromAuthorization: boolean;
  upstreamTimedOut: boolean;
  finished: boolean;
  readonly proxy: GatewayProxy;
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

function onUpstreamTimeout(this: ClientRequest): void {
  const call = callOf(this);
  call.upstreamTimedOut = true;
  this.destroy(new Error(`upstream timed out after ${call.proxy.upstreamTimeoutMs} ms`));
}

function onUpstreamError(this: ClientRequest, error: Error): void {
  const call = callOf(this);
  call.proxy.upstreamFailed(call, error);
}

function onUpstreamResponse(this: ClientRequest, upstreamRes: IncomingMessage): void {
  const call = callOf(this);
  call.proxy.relay(call, upstreamRes);
}

function onUpstreamDrain(this: ClientRequest): void {
  callOf(this).req.resume();
}

function onRequestData(this: IncomingMessage, chunk: Buffer): void {
  const call = callOf(this);
  call.requestBytes += chunk.length;
  if (!(call.upstream as ClientRequest).write(chunk)) this.pause();
}

function onRequestEnd(this: IncomingMessage): void {
  callOf(this).upstream?.end();
}

function onResponseData(this: IncomingMessage, chunk: Buffer): void {
  const call = callOf(this);
  call.responseBytes += chunk.length;
  if (!call.res.write(chunk)) this.pause();
}

function onClientDrain(this: ServerResponse): void {
  callOf(this).upstreamResponse?.resume();
}

function onResponseEnd(this: IncomingMessage): void {
  callOf(this).res.end();
}

function onResponseBroken(this: IncomingMessage): void {
  callOf(this).res.destroy();
}

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
    this.targets = new UpstreamTargets(options.upstreamAgents);
    this.clock = options.clock ?? Date.now;
    this.upstreamTimeoutMs = options.upstreamTimeoutMs ?? 30_000;
  }

  /** The node:http request listener. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const receivedAtMs = this.clock();
    const call: Call = {
      req,
      res,
      startedAt: performance.now(),
      receivedAtMs,
      clientIp: clientAddress(req.socket.remoteAddress),
      key: undefined,
      route: '*',
      units: '0',
      status: 0,
      outcome: 'forwarded',
      requestBytes: 0,
      responseBytes: 0,
      limitHeaders: undefined,
      admission: undefined,
      upstream: undefined,
      upstreamResponse: undefined,
      matched: undefined,
      fromAuthorization: false,
      upstreamTimedOut: false,
      finished: false,
      proxy: this,
    };
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
    this.options.limits.admit(request).then(
      (decision) => this.admitted(call, request, costMicro, decision),
      // Stores fail open themselves; anything reaching here is a bug, and the call still goes through.
      (error: unknown) => {
        this.logThrottled('limits', { err: error }, 'limit check failed; call let through');
        this.forward(call);
      },
    );
  };

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
    const upstream = target.request({
      agent: target.agent,
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: target.basePath + (req.url ?? '/'),
      headers: upstreamRequestHeaders(req.headers, call.fromAuthorization, target.host, call.clientIp, proto),
    });
    (upstream as WithCall<ClientRequest>)[CALL] = call;
    call.upstream = upstream;
    upstream.setTimeout(this.upstreamTimeoutMs);
    upstream.on('timeout', onUpstreamTimeout);
    upstream.on('error', onUpstreamError);
    upstream.on('response', onUpstreamResponse);

    if (hasNoBody(req)) {
      // Nothing to stream: the request goes out at once (Node drains the empty body itself).
      upstream.end();
      return;
    }
    // Stream the request body, counting bytes, with backpressure both ways.
    (req as WithCall<IncomingMessage>)[CALL] = call;
    req.on('data', onRequestData);
    upstream.on('drain', onUpstreamDrain);
    req.on('end', onRequestEnd);
  }

  /** @internal The upstream request failed (refused, reset, timed out). */
  upstreamFailed(call: Call, error: Error): void {
    if (call.finished) return;
    if (!call.res.headersSent) {
      const host = this.targets.for((call.matched as Route).upstream).host;
      this.logThrottled(`upstream:${host}`, { upstream: host, err: error.message }, 'upstream call failed');
      this.reject(call, call.upstreamTimedOut ? 'upstream_timeout' : 'upstream_unreachable');
    } else {
      call.res.destroy();
    }
  }

  /** @internal Relays the upstream's response to the client, counting bytes. */
  relay(call: Call, upstreamRes: IncomingMessage): void {
    const { res } = call;
    if (call.finished) {
      upstreamRes.resume();
      return;
    }
    const route = call.matched as Route;
    const unitsHeader = usageUnitsHeader(upstreamRes.headers);
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
    call.status = upstreamRes.statusCode ?? 502;
    res.writeHead(
      call.status,
      upstreamRes.statusMessage,
      clientResponseHeaders(upstreamRes.headers, call.limitHeaders),
    );
    (upstreamRes as WithCall<IncomingMessage>)[CALL] = call;
    call.upstreamResponse = upstreamRes;
    upstreamRes.on('data', onResponseData);
    res.on('drain', onClientDrain);
    upstreamRes.on('end', onResponseEnd);
    upstreamRes.on('aborted', onResponseBroken);
    upstreamRes.on('error', onResponseBroken);
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
      call.upstream?.destroy();
    } else if (!call.res.writableFinished) {
      call.upstream?.destroy();
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
