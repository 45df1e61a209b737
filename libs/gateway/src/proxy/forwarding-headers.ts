import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { USAGE_UNITS_HEADER } from '@keymeter/domain';

/** Headers that describe one hop's connection (RFC 9110 §7.6.1) and are never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const USAGE_UNITS = USAGE_UNITS_HEADER.toLowerCase();

/** An upstream response's headers, names in lower case (node:http's and undici's parsed form). */
export type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** Where the presented key came from. */
export interface PresentedKey {
  readonly key: string | undefined;
  /** The Authorization header carried the key (so it is stripped); otherwise it is the client's own. */
  readonly fromAuthorization: boolean;
}

/** The key from `X-API-Key`, else from `Authorization: Bearer <key>`. */
export function presentedKey(headers: IncomingHttpHeaders): PresentedKey {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '') return { key: apiKey.trim(), fromAuthorization: false };
  const authorization = headers.authorization;
  if (authorization !== undefined && authorization.length > 7 && /^bearer /i.test(authorization)) {
    return { key: authorization.slice(7).trim(), fromAuthorization: true };
  }
  return { key: undefined, fromAuthorization: false };
}

/** Names listed in a Connection header are hop-by-hop for this message too. */
function connectionTokens(value: string | string[] | undefined): Set<string> | undefined {
  // The common value names only a header that is hop-by-hop anyway: no set to build.
  if (value === undefined || value === 'keep-alive') return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  return new Set(text.split(',').map((token) => token.trim().toLowerCase()));
}

/**
 * Headers for the upstream request: the client's, minus hop-by-hop headers and the API key, with Host set
 * to the upstream and the X-Forwarded-* headers describing the client.
 */
export function upstreamRequestHeaders(
  headers: IncomingHttpHeaders,
  fromAuthorization: boolean,
  upstreamHost: string,
  clientIp: string,
  proto: 'http' | 'https',
): IncomingHttpHeaders {
  const listed = connectionTokens(headers.connection);
  const out: IncomingHttpHeaders = {};
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || (listed !== undefined && listed.has(name))) continue;
    // Expect: 100-continue was answered to the client by this server; the upstream gets the body at once.
    if (name === 'x-api-key' || name === 'host' || name === 'expect') continue;
    if (name === 'authorization' && fromAuthorization) continue;
    out[name] = headers[name];
  }
  const forwardedFor = headers['x-forwarded-for'];
  out['x-forwarded-for'] = forwardedFor === undefined ? clientIp : `${String(forwardedFor)}, ${clientIp}`;
  out['x-forwarded-proto'] = proto;
  if (headers.host !== undefined) out['x-forwarded-host'] = headers.host;
  out.host = upstreamHost;
  return out;
}

/**
 * Headers for the client's response: the upstream's, minus hop-by-hop headers and X-Usage-Units (an internal
 * accounting header), plus the gateway's own (RateLimit-*).
 */
export function clientResponseHeaders(
  headers: ResponseHeaders,
  extra: Readonly<Record<string, string>> | undefined,
): OutgoingHttpHeaders {
  const listed = connectionTokens(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || name === USAGE_UNITS || (listed !== undefined && listed.has(name))) continue;
    out[name] = headers[name];
  }
  if (extra !== undefined) for (const name in extra) out[name] = extra[name];
  return out;
}

/** The upstream's X-Usage-Units value, if it sent one. */
export function usageUnitsHeader(headers: ResponseHeaders): string | undefined {
  const value = headers[USAGE_UNITS];
  return Array.isArray(value) ? value[0] : value;
}
