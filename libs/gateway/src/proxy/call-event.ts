import { newEventId, USAGE_EVENT_LIMITS, type UsageEventV1, type UsageOutcome } from '@keymeter/contracts';
import { RandomPool } from './random-pool';

/** What the request path knows about a finished call. */
export interface FinishedCall {
  readonly gatewayId: string;
  readonly receivedAtMs: number;
  readonly keyId: string;
  readonly customerId: string;
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly latencyMs: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
  readonly units: string;
  readonly clientIp: string;
  readonly userAgent: string;
  readonly outcome: UsageOutcome;
  /** The configured country header as node:http gives it (GATEWAY_COUNTRY_HEADER), if the request had one. */
  readonly countryHeader?: string | string[];
}

const METHOD = /^[A-Z]{1,16}$/;
/** Event ids take their random part from the CSPRNG in bulk (one system call per ~400 ids). */
const eventIdRandom = new RandomPool();
/** Calls received in the same millisecond share one ISO string. */
let lastOccurredMs = Number.NaN;
let lastOccurredAt = '';
// eslint-disable-next-line no-control-regex -- control characters are what this finds
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex -- control characters are what this removes
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/** A UsageEvent v1 for a call: new ULID, billable derived from outcome and status, inputs made valid. */
export function callEvent(call: FinishedCall): UsageEventV1 {
  const event: UsageEventV1 = {
    v: 1,
    id: newEventId(call.receivedAtMs, eventIdRandom.take),
    occurredAt: isoInstant(call.receivedAtMs),
    gatewayId: call.gatewayId,
    keyId: call.keyId,
    customerId: call.customerId,
    method: METHOD.test(call.method) ? call.method : 'OTHER',
    route: call.route,
    status: call.status,
    latencyMs: Math.min(Math.max(0, Math.round(call.latencyMs)), USAGE_EVENT_LIMITS.latencyMsMax),
    requestBytes: call.requestBytes,
    responseBytes: call.responseBytes,
    units: call.units,
    clientIp: call.clientIp,
    userAgent: cleanUserAgent(call.userAgent),
    outcome: call.outcome,
    billable: call.outcome === 'forwarded' && call.status < 500,
  };
  const country = countryFromHeader(call.countryHeader);
  if (country !== undefined) event.country = country;
  return event;
}

const COUNTRY_HEADER_VALUE = /^[A-Za-z]{2}$/;

/**
 * A country header's value as an event's `country`: two letters, upper-cased. Anything else is no country: a
 * repeated header, Cloudflare's `XX` (unknown) and `T1` (Tor), a value the contract would refuse.
 */
export function countryFromHeader(value: string | string[] | undefined): string | undefined {
  if (typeof value !== 'string' || !COUNTRY_HEADER_VALUE.test(value)) return undefined;
  const code = value.toUpperCase();
  return code === 'XX' ? undefined : code;
}

function isoInstant(ms: number): string {
  if (ms !== lastOccurredMs) {
    lastOccurredAt = new Date(ms).toISOString();
    lastOccurredMs = ms;
  }
  return lastOccurredAt;
}

/** User agents are client input: control characters dropped, cut to the contract's length. */
function cleanUserAgent(userAgent: string): string {
  const cleaned = CONTROL_CHARACTER.test(userAgent) ? userAgent.replace(CONTROL_CHARACTERS, '') : userAgent;
  const max = USAGE_EVENT_LIMITS.userAgentMaxLength;
  return cleaned.length <= max ? cleaned : Array.from(cleaned).slice(0, max).join('');
}

/** The client's address as an event expects it: IPv4-mapped IPv6 written as IPv4, zone ids dropped. */
export function clientAddress(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return '0.0.0.0';
  if (remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.')) return remoteAddress.slice(7);
  const zone = remoteAddress.indexOf('%');
  return zone === -1 ? remoteAddress : remoteAddress.slice(0, zone);
}
