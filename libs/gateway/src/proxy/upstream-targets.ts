import http from 'node:http';
import https from 'node:https';

export interface UpstreamTarget {
  readonly request: typeof http.request;
  readonly agent: http.Agent;
  readonly hostname: string;
  readonly port: number;
  /** The upstream URL's path without a trailing slash ('' for the root); prefixed to the call's path. */
  readonly basePath: string;
  /** Host header sent upstream. */
  readonly host: string;
}

export interface UpstreamAgentOptions {
  /** Sockets per upstream origin. Default 256. */
  readonly maxSockets?: number;
}

/**
 * One keep-alive agent per upstream origin, shared by every route to it: connections are reused across
 * calls instead of paying a TCP (and TLS) handshake each time.
 */
export class UpstreamTargets {
  private readonly byUrl = new Map<string, UpstreamTarget>();
  private readonly agents = new Map<string, http.Agent>();

  constructor(private readonly options: UpstreamAgentOptions = {}) {}

  for(upstream: string): UpstreamTarget {
    let target = this.byUrl.get(upstream);
    if (target === undefined) {
      target = this.create(upstream);
      this.byUrl.set(upstream, target);
    }
    return target;
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
    this.byUrl.clear();
  }

  private create(upstream: string): UpstreamTarget {
    const url = new URL(upstream);
    const secure = url.protocol === 'https:';
    let agent = this.agents.get(url.origin);
    if (agent === undefined) {
      const settings = {
        keepAlive: true,
        maxSockets: this.options.maxSockets ?? 256,
        maxFreeSockets: this.options.maxSockets ?? 256,
        scheduling: 'lifo' as const,
      };
      agent = secure ? new https.Agent(settings) : new http.Agent(settings);
      this.agents.set(url.origin, agent);
    }
    return {
      request: secure ? https.request : http.request,
      agent,
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
      basePath: url.pathname.replace(/\/+$/, ''),
      host: url.host,
    };
  }
}
