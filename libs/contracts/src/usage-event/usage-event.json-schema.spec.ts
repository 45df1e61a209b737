import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import {
  ALL_CORRUPTIONS,
  corrupt,
  corruptionArb,
  validUsageEventArb,
} from '../../test/usage-event.arbitraries';
import { parseUsageEvent, usageEventV1JsonSchema, type UsageEventV1 } from '..';

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv, ['ipv4', 'ipv6']);
const schemaAccepts = ajv.compile(usageEventV1JsonSchema);
const validatorAccepts = (input: unknown): boolean => parseUsageEvent(input).ok;

const sample: UsageEventV1 = {
  v: 1,
  id: '01JNZ8X3M4Q7R2T9V6W5Y0ZABC',
  occurredAt: '2026-11-01T05:30:00.000Z',
  gatewayId: 'gw-us-east-1',
  keyId: 'key_7',
  customerId: 'cus_3',
  method: 'POST',
  route: '/v1/completions',
  status: 201,
  latencyMs: 830,
  requestBytes: 2048,
  responseBytes: 16384,
  units: '12.000125',
  clientIp: '2001:db8::7',
  userAgent: 'sdk/2.0',
  outcome: 'forwarded',
  billable: true,
};

const validSamples: [string, unknown][] = [
  ['a forwarded call', sample],
  ['optional fields', { ...sample, country: 'US', meta: { team: 'search' } }],
  ['null optional fields', { ...sample, country: null, meta: null }],
  ['an upstream 5xx', { ...sample, status: 503, billable: false }],
  ['an upstream error', { ...sample, outcome: 'upstream_error', status: 504, billable: false }],
  [
    'an unidentified key',
    { ...sample, keyId: '', customerId: '', outcome: 'rejected_auth', status: 401, billable: false },
  ],
  ['integer units', { ...sample, units: 7 }],
  ['padded units', { ...sample, units: '0007.2500' }],
  ['a lower-case ULID', { ...sample, id: sample.id.toLowerCase() }],
  ['an offset timestamp', { ...sample, occurredAt: '2026-11-01T01:30:00-04:00' }],
  ['an IPv4-mapped address', { ...sample, clientIp: '::ffff:198.51.100.4' }],
];

const invalidSamples: [string, unknown][] = [
  ['a missing field', (({ units: _units, ...rest }) => rest)(sample)],
  ['an unknown field', { ...sample, path: '/v1/completions' }],
  ['a wrong billable flag', { ...sample, billable: false }],
  ['billable on a 5xx', { ...sample, status: 500, billable: true }],
  ['a rejected call with 200', { ...sample, outcome: 'rejected_scope', status: 200, billable: false }],
  ['an upstream error with 200', { ...sample, outcome: 'upstream_error', status: 200, billable: false }],
  ['an empty key on a forwarded call', { ...sample, keyId: '', customerId: '' }],
  [
    'an empty customer with a key',
    { ...sample, customerId: '', outcome: 'rejected_auth', status: 401, billable: false },
  ],
  ['version 2', { ...sample, v: 2 }],
  ['units with seven decimals', { ...sample, units: '0.0000001' }],
  ['fractional numeric units', { ...sample, units: 0.5 }],
];

describe('UsageEvent v1 JSON Schema', () => {
  it.each(validSamples)('accepts %s, as the validator does', (_name, input) => {
    expect(validatorAccepts(input)).toBe(true);
    expect(schemaAccepts(input)).toBe(true);
  });

  it.each(invalidSamples)('rejects %s, as the validator does', (_name, input) => {
    expect(validatorAccepts(input)).toBe(false);
    expect(schemaAccepts(input)).toBe(false);
  });

  it.each(ALL_CORRUPTIONS.map((corruption) => [corruption.field, corruption.value, corruption] as const))(
    'agrees with the validator on %s = %j',
    (_field, _value, corruption) => {
      const input = corrupt(sample, corruption);
      expect(validatorAccepts(input)).toBe(false);
      expect(schemaAccepts(input)).toBe(!corruption.schemaExpressible);
    },
  );

  it('accepts every generated valid event', () => {
    fc.assert(
      fc.property(validUsageEventArb, (event) => {
        expect(schemaAccepts(event)).toBe(true);
      }),
    );
  });

  it('rejects every schema-expressible corruption of a generated event', () => {
    fc.assert(
      fc.property(
        validUsageEventArb,
        corruptionArb.filter((corruption) => corruption.schemaExpressible),
        (event, corruption) => {
          expect(schemaAccepts(corrupt(event, corruption))).toBe(false);
        },
      ),
    );
  });
});
