/**
 * Expands a generated key-minute into UsageEvent v1 events, so the same scenario can be sent through the
 * gateway's ingestion endpoint and the real pipeline instead of straight into the detectors.
 */
import { newEventId, type UsageEventV1, type UsageOutcome } from '@keymeter/contracts';
import { MINUTE_MS } from '@keymeter/domain';
import { integer, type Random } from './random';
import type { KeyMinuteSample, KeyProfile } from './traffic-model';

/** A client address inside a source network as `sourceNetwork` names it (`a.b.c.0/24`, `x:y:z::/48`). */
export function addressIn(network: string, random: Random): string {
  if (network.endsWith('/24')) {
    return `${network.slice(0, network.lastIndexOf('.'))}.${integer(random, 1, 254)}`;
  }
  return `${network.slice(0, network.indexOf('::'))}::${integer(random, 1, 0xffff).toString(16)}`;
}

/** Picks a name with probability proportional to its count. */
function weighted(counts: Readonly<Record<string, number>>, random: Random, fallback: string): string {
  const names = Object.keys(counts);
  const total = names.reduce((sum, name) => sum + counts[name], 0);
  let roll = random() * total;
  for (const name of names) {
    roll -= counts[name];
    if (roll < 0) {
      return name;
    }
  }
  return names[0] ?? fallback;
}

export function usageEventsForMinute(
  profile: KeyProfile,
  minute: number,
  sample: KeyMinuteSample,
  random: Random,
): UsageEventV1[] {
  const { counts, sources } = sample;
  const rejectedQuota = Math.max(
    0,
    counts.requests -
      counts.authRejected -
      counts.scopeRejected -
      counts.rateLimited -
      counts.serverErrors -
      counts.billable,
  );
  const plan: [UsageOutcome, number, number][] = [
    ['forwarded', 200, counts.billable],
    ['forwarded', 503, counts.serverErrors],
    ['rejected_auth', 401, counts.authRejected],
    ['rejected_scope', 403, counts.scopeRejected],
    ['rate_limited', 429, counts.rateLimited],
    ['quota_exceeded', 429, rejectedQuota],
  ];
  const randomBytes = (n: number): Uint8Array =>
    Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  const events: UsageEventV1[] = [];
  for (const [outcome, status, count] of plan) {
    for (let index = 0; index < count; index++) {
      const occurredMs = minute * MINUTE_MS + Math.floor(random() * MINUTE_MS);
      const [method, route] = weighted(sources.routes, random, 'GET *').split(' ');
      const billable = outcome === 'forwarded' && status < 500;
      events.push({
        v: 1,
        id: newEventId(occurredMs, randomBytes),
        occurredAt: new Date(occurredMs).toISOString(),
        gatewayId: 'gw-bench',
        keyId: profile.keyId,
        customerId: profile.customerId,
        method,
        route,
        status,
        latencyMs: integer(random, 5, 400),
        requestBytes: integer(random, 100, 2000),
        responseBytes: billable ? integer(random, 200, 50_000) : 120,
        units: billable ? String(profile.creditsPerCall) : '0',
        clientIp: addressIn(weighted(sources.networks, random, '192.0.2.0/24'), random),
        userAgent: 'bench-client/1.0',
        outcome,
        billable,
        country: weighted(sources.countries, random, profile.country),
      });
    }
  }
  return events.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
}
