import { randomBytes } from 'node:crypto';
import {
  encodeUsageEvent,
  isBillable,
  microsToUnits,
  newEventId,
  unitsToMicros,
  USAGE_OUTCOMES,
  type UsageEventV1,
  type UsageOutcome,
} from '@keymeter/contracts';
import type { OutgoingMessage } from '@keymeter/event-log';

/** A message to produce and whether (and how) it must count. */
export interface StreamMessage {
  readonly message: OutgoingMessage;
  /** The event, when the payload is valid. */
  readonly event?: UsageEventV1;
}

/** Small deterministic PRNG (mulberry32), so a failing run can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface EventSpec {
  readonly keyIndex: number;
  readonly occurredAtMs: number;
  readonly outcome?: UsageOutcome;
  readonly status?: number;
  readonly units?: string;
  readonly responseBytes?: number;
}

export function makeEvent(spec: EventSpec, random: () => number = Math.random): UsageEventV1 {
  const outcome = spec.outcome ?? 'forwarded';
  const status = spec.status ?? (outcome === 'forwarded' ? 200 : outcome === 'upstream_error' ? 502 : 429);
  return {
    v: 1,
    id: newEventId(spec.occurredAtMs, (n) => randomBytes(n)),
    occurredAt: new Date(spec.occurredAtMs).toISOString(),
    gatewayId: 'gw-test',
    keyId: `key_${spec.keyIndex}`,
    customerId: `cus_${spec.keyIndex % 3}`,
    method: 'GET',
    route: spec.keyIndex % 2 === 0 ? '/v1/quotes/:symbol' : '/v1/history/:symbol',
    status,
    latencyMs: Math.floor(random() * 200),
    requestBytes: 100,
    responseBytes: spec.responseBytes ?? 1000 + Math.floor(random() * 5000),
    units: spec.units ?? microsToUnits(BigInt(Math.floor(random() * 3_000_000))),
    clientIp: '203.0.113.7',
    userAgent: 'test-client/1.0',
    outcome,
    billable: isBillable(outcome, status),
  };
}

export function eventMessage(event: UsageEventV1): StreamMessage {
  return { message: { key: event.keyId, value: encodeUsageEvent(event) }, event };
}

export function poisonMessage(keyIndex: number, payload: string): StreamMessage {
  return { message: { key: `key_${keyIndex}`, value: payload } };
}

/**
 * A stream with every case the ingestor must get right: random outcomes, out-of-order event times over a
 * month boundary, copies of earlier events re-sent later in the stream (with their original event time,
 * days before the newest events), and poison messages.
 */
export function mixedStream(seed: number, count: number, keys = 8): StreamMessage[] {
  const random = prng(seed);
  const base = Date.UTC(2026, 2, 28);
  const out: StreamMessage[] = [];
  for (let index = 0; index < count; index++) {
    const roll = random();
    if (roll < 0.01) {
      out.push(poisonMessage(index % keys, roll < 0.005 ? '{not json' : '[1,"bad"]'));
      continue;
    }
    const earlier = out.filter((m) => m.event !== undefined);
    if (roll < 0.06 && earlier.length > 0) {
      // A re-send of an earlier event (gateway retry, external re-post): same id, same payload.
      out.push(earlier[Math.floor(random() * earlier.length)]);
      continue;
    }
    const outcome = random() < 0.8 ? 'forwarded' : USAGE_OUTCOMES[1 + Math.floor(random() * 5)];
    const status =
      outcome === 'forwarded' ? (random() < 0.9 ? 200 : 503) : outcome === 'upstream_error' ? 504 : 403;
    // Event times spread over 8 days around a month end, in no particular order.
    const occurredAtMs = base + Math.floor(random() * 8 * 24 * 3600 * 1000);
    out.push(eventMessage(makeEvent({ keyIndex: index % keys, occurredAtMs, outcome, status }, random)));
  }
  return out;
}

export interface KeyTotals {
  requests: number;
  credits: string;
  egressBytes: number;
  events: number;
}

/** What the stream must add up to: each distinct event id once; poison messages not at all. */
export function groundTruth(stream: readonly StreamMessage[]): Map<string, KeyTotals> {
  const seen = new Set<string>();
  const micros = new Map<string, bigint>();
  const totals = new Map<string, KeyTotals>();
  for (const { event } of stream) {
    if (!event || seen.has(event.id)) continue;
    seen.add(event.id);
    const entry = totals.get(event.keyId) ?? { requests: 0, credits: '0', egressBytes: 0, events: 0 };
    entry.events += 1;
    if (event.billable) {
      entry.requests += 1;
      entry.egressBytes += event.responseBytes;
      micros.set(event.keyId, (micros.get(event.keyId) ?? 0n) + unitsToMicros(event.units));
    }
    totals.set(event.keyId, entry);
  }
  for (const [key, entry] of totals) entry.credits = microsToUnits(micros.get(key) ?? 0n);
  return totals;
}
