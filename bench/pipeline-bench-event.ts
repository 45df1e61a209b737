import { randomBytes } from 'node:crypto';
import { isBillable, newEventId, type UsageEventV1 } from '@keymeter/contracts';

const KEYS = 1000;

/**
 * The ingestion benchmarks' event number `index`: 1,000 keys of 100 customers, two routes, a 429 in twenty,
 * units 2.5 in seven; a fresh id of `nowMs`.
 */
export function pipelineBenchEvent(index: number, nowMs: number, occurredAtMs = nowMs): UsageEventV1 {
  const status = index % 20 === 0 ? 429 : 200;
  const outcome = status === 429 ? 'rate_limited' : 'forwarded';
  return {
    v: 1,
    id: newEventId(nowMs, (n) => randomBytes(n)),
    occurredAt: new Date(occurredAtMs).toISOString(),
    gatewayId: 'gw-bench',
    keyId: `key_${index % KEYS}`,
    customerId: `cus_${index % 100}`,
    method: 'GET',
    route: index % 3 === 0 ? '/v1/quotes/:symbol' : '/v1/history/:symbol',
    status,
    latencyMs: index % 250,
    requestBytes: 200,
    responseBytes: 1000 + (index % 4000),
    units: index % 7 === 0 ? '2.5' : '1',
    clientIp: '203.0.113.7',
    userAgent: 'bench/1.0',
    outcome,
    billable: isBillable(outcome, status),
  };
}
