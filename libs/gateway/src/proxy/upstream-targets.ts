import { Pool } from 'undici';

export interface UpstreamTarget {
  /** The connection pool of the upstream's origin (shared by every route to it). */
  readonly pool: Pool;
  /** The upstream URL's path without a trailing slash ('' for the root); prefixed to the call's path. */
  readonly basePath: string;
  /** Host header sent upstream. */
  readonly host: string;
}

export interface UpstreamPoolOptions {
  /** Connections per upstream origin. Default 256. */
  readonly maxSockets?: number;
  /** No response headers, or no body bytes, for this long: the call fails with a timeout error. */
  readonly timeoutMs: number;
}

/**
 * One undici connection pool per upstream origin, shared by every route to it: keep-alive connections are
 * reused across calls instead of paying a TCP (and TLS) handshake each time. undici rather than node:http's
 * agent because its HTTP/1.1 client costs the request thread about a third less per call (docs/gateway.md).
 */
export class UpstreamTargets {
  private readonly byUrl = new Map<string, UpstreamTarget>();
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly options: UpstreamPoolOptions) {}

  for(upstream: string): UpstreamTarget {
    let target = this.byUrl.get(upstream);
    if (target === undefined) {
      target = this.create(upstream);
      this.byUrl.set(upstream, target);
    }
    return target;
  }

  /** Closes every connection now; calls still in flight fail. */
  close(): void {
    for (const pool of this.pools.values()) void pool.destroy().catch(() => undefined);
    this.pools.clear();
    this.byUrl.clear();
  }

  private create(upstream: string): UpstreamTarget {
    const url = new URL(upstream);
    let pool = this.pools.get(url.origin);
    if (pool === undefined) {
      pool = new Pool(url.origin, {
        connections: this.options.maxSockets ?? 256,
        // One request per connection at a time, like a browser: a slow response never holds up another call.
        pipelining: 1,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
      this.pools.set(url.origin, pool);
    }
    return { pool, basePath: url.pathname.replace(/\/+$/, ''), host: url.host };
  }
}
