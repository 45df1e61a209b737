/**
 * Throughput of the UsageEvent v1 validator and Kafka codec, compared with plain keyed JSON.
 * Build and run: npm run build && node dist/bench/usage-event-codec.bench.js
 * Prints events per second for each operation and the average payload size of each encoding.
 */
import {
  decodeUsageEvent,
  encodeUsageEvent,
  isBillable,
  newEventId,
  parseUsageEvent,
  USAGE_OUTCOMES,
  type UsageEventV1,
} from '@keymeter/contracts';

const SAMPLE_SIZE = 10_000;
const RUN_MS = 1_000;

/** Deterministic pseudo-random numbers (mulberry32) so every run measures the same events. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sampleEvents(count: number): UsageEventV1[] {
  const random = seededRandom(42);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
  const randomBytes = (n: number): Uint8Array =>
    Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  const start = Date.parse('2026-03-01T00:00:00.000Z');
  return Array.from({ length: count }, (_, index) => {
    const outcome = random() < 0.9 ? 'forwarded' : pick(USAGE_OUTCOMES);
    const status =
      outcome === 'forwarded'
        ? pick([200, 200, 200, 201, 204, 404, 500])
        : outcome === 'upstream_error'
          ? 502
          : pick([401, 403, 429]);
    const occurredAtMs = start + index * 37;
    const event: UsageEventV1 = {
      v: 1,
      id: newEventId(occurredAtMs, randomBytes),
      occurredAt: new Date(occurredAtMs).toISOString(),
      gatewayId: pick(['gw-eu-1', 'gw-us-1', 'kong-prod']),
      keyId: `key_${Math.floor(random() * 5000)}`,
      customerId: `cus_${Math.floor(random() * 500)}`,
      method: pick(['GET', 'GET', 'POST', 'DELETE']),
      route: pick(['/v1/quotes/:symbol', '/v1/history/:symbol/candles', '/v1/completions', '/v1/me/usage']),
      status,
      latencyMs: Math.floor(random() * 2000),
      requestBytes: Math.floor(random() * 4000),
      responseBytes: Math.floor(random() * 200_000),
      units: pick(['1', '2.5', '0.000125', '120']),
      clientIp:
        random() < 0.8 ? `203.0.113.${Math.floor(random() * 256)}` : `2001:db8::${index.toString(16)}`,
      userAgent: pick(['market-client/1.4 (+https://example.com)', 'python-requests/2.32.3', 'curl/8.5.0']),
      outcome,
      billable: isBillable(outcome, status),
    };
    if (random() < 0.3) {
      event.country = pick(['DE', 'US', 'IN', 'NZ']);
    }
    return event;
  });
}

/** Runs `operation` over the inputs for about RUN_MS (after a warm-up) and returns operations per second. */
function measure<T>(inputs: readonly T[], operation: (input: T) => unknown): number {
  const loop = (durationMs: number): number => {
    const deadline = process.hrtime.bigint() + BigInt(durationMs) * 1_000_000n;
    const began = process.hrtime.bigint();
    let done = 0;
    let sink = 0;
    while (process.hrtime.bigint() < deadline) {
      for (let index = 0; index < inputs.length; index++) {
        if (operation(inputs[index]) !== undefined) {
          sink++;
        }
      }
      done += inputs.length;
    }
    if (sink < 0) {
      console.log(sink);
    }
    return done / (Number(process.hrtime.bigint() - began) / 1e9);
  };
  loop(RUN_MS / 4);
  return loop(RUN_MS);
}

function main(): void {
  const events = sampleEvents(SAMPLE_SIZE);
  const asJsonText = events.map((event) => JSON.stringify(event));
  const compact = events.map((event) => encodeUsageEvent(event));
  const keyed = asJsonText.map((text) => Buffer.from(text, 'utf8'));
  for (let index = 0; index < SAMPLE_SIZE; index++) {
    const result = decodeUsageEvent(compact[index]);
    if (!result.ok) {
      throw new Error(`sample ${index} does not round-trip: ${JSON.stringify(result.errors)}`);
    }
  }

  const average = (buffers: Buffer[]): number =>
    buffers.reduce((sum, b) => sum + b.length, 0) / buffers.length;
  const rows: [string, number][] = [
    // Calibration: how fast this machine is right now, for comparing runs on different machines or loads.
    ['reference: JSON.parse of the keyed JSON text alone', measure(asJsonText, (text) => JSON.parse(text))],
    ['validate (parseUsageEvent, object in hand)', measure(events, (event) => parseUsageEvent(event))],
    [
      'validate from JSON text (JSON.parse + parseUsageEvent)',
      measure(asJsonText, (text) => parseUsageEvent(JSON.parse(text))),
    ],
    ['encode compact array (encodeUsageEvent)', measure(events, (event) => encodeUsageEvent(event))],
    ['encode keyed JSON object', measure(events, (event) => Buffer.from(JSON.stringify(event), 'utf8'))],
    ['decode compact array (decodeUsageEvent)', measure(compact, (buffer) => decodeUsageEvent(buffer))],
    ['decode keyed JSON object (decodeUsageEvent)', measure(keyed, (buffer) => decodeUsageEvent(buffer))],
  ];
  console.log(`UsageEvent v1 codec, ${SAMPLE_SIZE} distinct events, node ${process.version}`);
  for (const [name, perSecond] of rows) {
    console.log(`${name.padEnd(58)} ${Math.round(perSecond).toLocaleString('en-US').padStart(12)} events/s`);
  }
  console.log(
    `${'average payload, compact array'.padEnd(58)} ${average(compact).toFixed(0).padStart(12)} bytes`,
  );
  console.log(
    `${'average payload, keyed JSON object'.padEnd(58)} ${average(keyed).toFixed(0).padStart(12)} bytes`,
  );
}

main();
