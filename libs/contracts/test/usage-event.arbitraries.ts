import fc from 'fast-check';
import { isBillable, microsToUnits, USAGE_OUTCOMES, type UsageEventV1, type UsageOutcome } from '../src';

/** Generators of valid UsageEvent v1 values (canonical form) and of single-field corruptions of them. */

const identifierArb = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/);
const routeSegmentArb = fc.oneof(
  fc.stringMatching(/^[a-z0-9_-]{1,12}$/),
  fc.stringMatching(/^:[a-z][a-zA-Z0-9]{0,8}$/),
);
const routeArb = fc.oneof(
  { weight: 9, arbitrary: fc.array(routeSegmentArb, { maxLength: 6 }).map((parts) => `/${parts.join('/')}`) },
  { weight: 1, arbitrary: fc.constant('*') },
);
const unitsArb = fc.bigInt({ min: 0n, max: 999_999_999_999_999_999n }).map((micros) => microsToUnits(micros));
// eslint-disable-next-line no-control-regex -- user agents must not hold control characters
const noControlCharacters = (value: string): boolean => !/[\u0000-\u001f\u007f]/.test(value);
const userAgentArb = fc.string({ unit: 'binary', maxLength: 512 }).filter(noControlCharacters);
const metaArb = fc.dictionary(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/),
  fc.string({ unit: 'binary', maxLength: 256 }),
  { maxKeys: 16, noNullPrototype: true },
);

function statusFor(outcome: UsageOutcome): fc.Arbitrary<number> {
  switch (outcome) {
    case 'forwarded':
      return fc.integer({ min: 100, max: 599 });
    case 'upstream_error':
      return fc.integer({ min: 500, max: 599 });
    default:
      return fc.integer({ min: 400, max: 499 });
  }
}

const callArb = fc.constantFrom<UsageOutcome>(...USAGE_OUTCOMES).chain((outcome) =>
  fc.record({
    outcome: fc.constant(outcome),
    status: statusFor(outcome),
    identified: outcome === 'rejected_auth' ? fc.boolean() : fc.constant(true),
    keyId: identifierArb,
    customerId: identifierArb,
  }),
);

export const validUsageEventArb: fc.Arbitrary<UsageEventV1> = fc
  .record(
    {
      id: fc.ulid(),
      occurredAt: fc
        .date({
          min: new Date('2000-01-01T00:00:00.000Z'),
          max: new Date('2100-01-01T00:00:00.000Z'),
          noInvalidDate: true,
        })
        .map((date) => date.toISOString()),
      gatewayId: identifierArb,
      call: callArb,
      method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND'),
      route: routeArb,
      latencyMs: fc.integer({ min: 0, max: 86_400_000 }),
      requestBytes: fc.maxSafeNat(),
      responseBytes: fc.maxSafeNat(),
      units: unitsArb,
      clientIp: fc.oneof(fc.ipV4(), fc.ipV6()),
      userAgent: userAgentArb,
      country: fc.stringMatching(/^[A-Z]{2}$/),
      meta: metaArb,
    },
    {
      requiredKeys: [
        'id',
        'occurredAt',
        'gatewayId',
        'call',
        'method',
        'route',
        'latencyMs',
        'requestBytes',
        'responseBytes',
        'units',
        'clientIp',
        'userAgent',
      ],
    },
  )
  .map(({ call, country, meta, ...rest }) => {
    const event: UsageEventV1 = {
      v: 1,
      id: rest.id,
      occurredAt: rest.occurredAt,
      gatewayId: rest.gatewayId,
      keyId: call.identified ? call.keyId : '',
      customerId: call.identified ? call.customerId : '',
      method: rest.method,
      route: rest.route,
      status: call.status,
      latencyMs: rest.latencyMs,
      requestBytes: rest.requestBytes,
      responseBytes: rest.responseBytes,
      units: rest.units,
      clientIp: rest.clientIp,
      userAgent: rest.userAgent,
      outcome: call.outcome,
      billable: isBillable(call.outcome, call.status),
    };
    if (country !== undefined) {
      event.country = country;
    }
    if (meta !== undefined) {
      event.meta = meta;
    }
    return event;
  });

/**
 * A corruption of one field: the value to put there and the field the validator must name.
 * `schemaExpressible` is false for rules the JSON Schema cannot state (calendar validity, time bounds).
 */
export interface Corruption {
  field: string;
  value: unknown;
  schemaExpressible: boolean;
}

const corruptionsByField: Record<string, unknown[]> = {
  v: [2, '1', 0, null],
  id: ['', '01ARZ3NDEKTSV4RRFFQ69G5FA', '81ARZ3NDEKTSV4RRFFQ69G5FAV', '01ARZ3NDEKTSV4RRFFQ69G5FAU', 42],
  occurredAt: ['2026-03-01', '2026-03-01 12:00:00Z', '2026-03-01T12:00:00.000', 1767225600000, ''],
  gatewayId: ['', '-gw', 'gw 1', 'x'.repeat(129), 7],
  keyId: ['key 1', '_key', 'k'.repeat(129), 7, null],
  customerId: ['cus/1', '.cus', 3, null],
  method: ['get', 'G E T', '', 'VERYLONGMETHODNAME', null],
  route: ['', 'v1/things', '/v1/things?id=1', '/v1/a b', `/${'a'.repeat(256)}`, '/v1/#x'],
  status: [99, 600, 200.5, '200', null],
  latencyMs: [-1, 1.5, 86_400_001, '12'],
  requestBytes: [-1, 0.5, Number.MAX_SAFE_INTEGER + 1, '10'],
  responseBytes: [-1, 2.5, Number.MAX_SAFE_INTEGER + 2, null],
  units: ['-1', '1.0000001', '1e3', '', ' 1', '1.', '.5', '1000000000000', 0.5, -2, 1e12, true],
  clientIp: ['', '256.1.1.1', '01.2.3.4', '1.2.3', '::1::', 'fe80::1%eth0', 'example.com', 12345],
  userAgent: ['a'.repeat(513), 'curl\n', 'tab\there', 5, null],
  outcome: ['forward', 'FORWARDED', '', null, 3],
  billable: ['true', 1, null],
  country: ['de', 'DEU', 'D', 49],
  meta: [[], 'x', { 'bad key': 'v' }, { n: 1 }, { long: 'v'.repeat(257) }, { ['1abc']: 'v' }],
};

const validatorOnlyCorruptions: Corruption[] = [
  { field: 'occurredAt', value: '2026-02-30T00:00:00.000Z', schemaExpressible: false },
  { field: 'occurredAt', value: '2027-02-29T00:00:00.000Z', schemaExpressible: false },
  { field: 'occurredAt', value: '2026-03-01T24:00:00.000Z', schemaExpressible: false },
  { field: 'occurredAt', value: '1999-12-31T23:59:59.999Z', schemaExpressible: false },
  { field: 'occurredAt', value: '2026-03-01T12:00:00.000+24:00', schemaExpressible: false },
];

export const ALL_CORRUPTIONS: Corruption[] = [
  ...Object.entries(corruptionsByField).flatMap(([field, values]) =>
    values.map((value) => ({ field, value, schemaExpressible: true })),
  ),
  ...validatorOnlyCorruptions,
];

export const corruptionArb: fc.Arbitrary<Corruption> = fc.constantFrom(...ALL_CORRUPTIONS);

/** `event` with one field replaced by `corruption.value` (other fields untouched). */
export function corrupt(event: UsageEventV1, corruption: Corruption): Record<string, unknown> {
  return { ...event, [corruption.field]: corruption.value };
}
