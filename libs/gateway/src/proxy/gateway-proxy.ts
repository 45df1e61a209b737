import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { ApiKeySnapshotV1, UsageOutcome } from '@keymeter/contracts';
import type { UsageEventSink } from '@keymeter/event-sink';
import {
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
  finished: boolean;
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
  private readonly targets: UpstreamTargets;
  private readonly keyLimits = new KeyLimits();
  private readonly routeCostMicro = new Map<Route, bigint>();
  private readonly clock: () => number;
  private readonly timeoutMs: number;
  private readonly lastLogged = new Map<string, number>();

  constructor(private readonly options: GatewayProxyOptions) {
    this.targets = new UpstreamTargets(options.upstreamAgents);
    this.clock = options.clock ?? Date.now;
    this.timeoutMs = options.upstreamTimeoutMs ?? 30_000;
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
      finished: false,
    };
    res.once('close', () => this.finish(call));

    const presented = presentedKey(req.headers);
    const verification = this.options.verifier.verifyApiKey(presented.key, receivedAtMs);
    if (!verification.ok) {
      call.key = verification.key;
      this.reject(call, verification.reason);
      return;
    }
    const key = verification.key;
    call.key = key;
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const match = this.options.routes.match(method, url);
    if (match === undefined) {
      this.reject(call, 'route_not_found');
      return;
    }
    const route = match.route;
    call.route = match.template;
    call.units = route.creditsPerCall;
    if (!this.options.scopesOf(key).allows(method, url)) {
      this.reject(call, 'scope_denied');
      return;
    }
    if (!hasLimits(key)) {
      this.forward(call, route, presented.fromAuthorization);
      return;
    }
    const costMicro = key.quotas.creditsPerMonth === null ? 0n : this.costOf(route);
    const request = this.keyLimits.admissionRequest(key, costMicro, receivedAtMs);
    this.options.limits.admit(request).then(
      (decision) => this.admitted(call, route, presented.fromAuthorization, request, costMicro, decision),
      // Stores fail open themselves; anything reaching here is a bug, and the call still goes through.
      (error: unknown) => {
        this.logThrottled('limits', { err: error }, 'limit check failed; call let through');
        this.forward(call, route, presented.fromAuthorization);
      },
    );
  };

  close(): void {
    this.targets.close();
  }

  private admitted(
    call: Call,
    route: Route,
    fromAuthorization: boolean,
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
    call.admission = { request, costMicro, routeUnits: route.creditsPerCall };
    this.forward(call, route, fromAuthorization);
  }

  private forward(call: Call, route: Route, fromAuthorization: boolean): void {
    const { req, res } = call;
    if (call.finished) return;
    const target = this.targets.for(route.upstream);
    const proto = (req.socket as TLSSocket).encrypted === true ? 'https' : 'http';
    const upstream = target.request({
      agent: target.agent,
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: target.basePath + (req.url ?? '/'),
      headers: upstreamRequestHeaders(req.headers, fromAuthorization, target.host, call.clientIp, proto),
    });
    call.upstream = upstream;
    let timedOut = false;
    upstream.setTimeout(this.timeoutMs, () => {
      timedOut = true;
      upstream.destroy(new Error(`upstream ${target.host} timed out after ${this.timeoutMs} ms`));
    });
    upstream.on('error', (error) => {
      if (call.finished) return;
      if (!res.headersSent) {
        this.logThrottled(
          `upstream:${target.host}`,
          { upstream: target.host, err: error.message },
          'upstream call failed',
        );
        this.reject(call, timedOut ? 'upstream_timeout' : 'upstream_unreachable');
      } else {
        res.destroy();
      }
    });
    upstream.on('response', (upstreamRes) => this.relay(call, route, upstreamRes));

    // Stream the request body, counting bytes, with backpressure both ways.
    req.on('data', (chunk: Buffer) => {
      call.requestBytes += chunk.length;
      if (!upstream.write(chunk)) req.pause();
    });
    upstream.on('drain', () => req.resume());
    req.on('end', () => upstream.end());
  }

  private relay(call: Call, route: Route, upstreamRes: IncomingMessage): void {
    const { res } = call;
    if (call.finished) {
      upstreamRes.resume();
      return;
    }
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
    upstreamRes.on('data', (chunk: Buffer) => {
      call.responseBytes += chunk.length;
      if (!res.write(chunk)) upstreamRes.pause();
    });
    res.on('drain', () => upstreamRes.resume());
    upstreamRes.on('end', () => res.end());
    upstreamRes.on('aborted', () => res.destroy());
    upstreamRes.on('error', () => res.destroy());
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

  /** Runs once per call, when the client connection is done with the response (finished or aborted). */
  private finish(call: Call): void {
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
