import { parseUsageEvent, type UsageEventV1 } from '..';

const forwarded: UsageEventV1 = {
  v: 1,
  id: '01JNZ8X3M4Q7R2T9V6W5Y0ZABC',
  occurredAt: '2026-03-08T06:59:59.123Z',
  gatewayId: 'gw-eu-1',
  keyId: 'key_01JNZ8X3M4',
  customerId: 'cus_01JNZ8X3M4',
  method: 'GET',
  route: '/v1/quotes/:symbol',
  status: 200,
  latencyMs: 42,
  requestBytes: 310,
  responseBytes: 5120,
  units: '2.5',
  clientIp: '203.0.113.7',
  userAgent: 'market-client/1.4 (+https://example.com)',
  outcome: 'forwarded',
  billable: true,
};

function errorsOf(input: unknown, now?: Date): { field: string; reason: string }[] {
  const result = parseUsageEvent(input, now === undefined ? {} : { now });
  if (result.ok) {
    throw new Error(`expected errors, got a valid event ${JSON.stringify(result.event)}`);
  }
  return result.errors;
}

function eventOf(input: unknown, now?: Date): UsageEventV1 {
  const result = parseUsageEvent(input, now === undefined ? {} : { now });
  if (!result.ok) {
    throw new Error(`expected a valid event, got ${JSON.stringify(result.errors)}`);
  }
  return result.event;
}

describe('parseUsageEvent', () => {
  it('accepts a forwarded call and returns an equal, separate object', () => {
    const event = eventOf(forwarded);
    expect(event).toEqual(forwarded);
    expect(event).not.toBe(forwarded);
  });

  it('keeps optional country and meta when given, and reads null as absent', () => {
    expect(eventOf({ ...forwarded, country: 'NZ', meta: { region: 'ap-southeast-2' } })).toEqual({
      ...forwarded,
      country: 'NZ',
      meta: { region: 'ap-southeast-2' },
    });
    const withNulls = eventOf({ ...forwarded, country: null, meta: null });
    expect('country' in withNulls).toBe(false);
    expect('meta' in withNulls).toBe(false);
  });

  it('rejects anything that is not an object, naming the root', () => {
    for (const input of [null, 'event', 42, [forwarded]]) {
      expect(errorsOf(input)).toEqual([{ field: '', reason: 'must be a JSON object' }]);
    }
  });

  it('reports every missing field', () => {
    const fields = errorsOf({}).map((error) => error.field);
    expect(fields).toEqual([
      'v',
      'id',
      'occurredAt',
      'gatewayId',
      'keyId',
      'customerId',
      'method',
      'route',
      'status',
      'latencyMs',
      'requestBytes',
      'responseBytes',
      'units',
      'clientIp',
      'userAgent',
      'outcome',
      'billable',
    ]);
  });

  it('refuses another schema version with a single error and ignores its fields', () => {
    expect(errorsOf({ v: 2, whatever: true })).toEqual([
      { field: 'v', reason: 'unsupported schema version 2; expected 1' },
    ]);
  });

  it('names unknown fields, such as a misspelt one', () => {
    const { billable, ...rest } = forwarded;
    const fields = errorsOf({ ...rest, billabel: billable }).map((error) => error.field);
    expect(fields).toEqual(['billabel', 'billable']);
  });

  it('caps the number of errors for hostile input', () => {
    const input: Record<string, unknown> = { ...forwarded };
    for (let index = 0; index < 1000; index++) {
      input[`extra${index}`] = index;
    }
    expect(errorsOf(input)).toHaveLength(20);
  });

  describe('billable consistency', () => {
    it.each([
      ['forwarded', 200, true],
      ['forwarded', 404, true],
      ['forwarded', 499, true],
      ['forwarded', 500, false],
      ['forwarded', 503, false],
      ['upstream_error', 502, false],
      ['rejected_auth', 401, false],
      ['rejected_scope', 403, false],
      ['rate_limited', 429, false],
      ['quota_exceeded', 429, false],
    ] as const)('%s with status %d is billable=%s and nothing else', (outcome, status, billable) => {
      expect(eventOf({ ...forwarded, outcome, status, billable }).billable).toBe(billable);
      expect(errorsOf({ ...forwarded, outcome, status, billable: !billable })).toEqual([
        {
          field: 'billable',
          reason: 'must be true exactly when outcome is forwarded and status is below 500',
        },
      ]);
    });

    it('requires a 4xx status for calls the gateway rejected and a 5xx status for upstream errors', () => {
      expect(errorsOf({ ...forwarded, outcome: 'rate_limited', status: 200, billable: false })).toEqual([
        { field: 'status', reason: 'must be 400-499 when outcome is rate_limited' },
      ]);
      expect(errorsOf({ ...forwarded, outcome: 'upstream_error', status: 200, billable: false })).toEqual([
        { field: 'status', reason: 'must be 500-599 when outcome is upstream_error' },
      ]);
    });
  });

  describe('unidentified keys', () => {
    const unknownKey = {
      ...forwarded,
      keyId: '',
      customerId: '',
      outcome: 'rejected_auth',
      status: 401,
      billable: false,
    };

    it('accepts empty keyId and customerId on rejected_auth', () => {
      expect(eventOf(unknownKey)).toMatchObject({ keyId: '', customerId: '' });
    });

    it('refuses empty ids on any other outcome', () => {
      expect(errorsOf({ ...unknownKey, outcome: 'rate_limited', status: 429 })).toEqual([
        { field: 'keyId', reason: 'may be empty only when outcome is rejected_auth' },
      ]);
    });

    it('refuses a key without its customer and a customer without a key', () => {
      expect(errorsOf({ ...unknownKey, keyId: 'key_1' }).map((error) => error.field)).toEqual(['customerId']);
      expect(errorsOf({ ...unknownKey, customerId: 'cus_1' }).map((error) => error.field)).toEqual(['keyId']);
    });
  });

  describe('id', () => {
    it('upper-cases a lower-case ULID so one event has one idempotency key', () => {
      expect(eventOf({ ...forwarded, id: forwarded.id.toLowerCase() }).id).toBe(forwarded.id);
    });

    it.each([
      '01JNZ8X3M4Q7R2T9V6W5Y0ZAB',
      '01JNZ8X3M4Q7R2T9V6W5Y0ZABCD',
      '81JNZ8X3M4Q7R2T9V6W5Y0ZABC',
      '01JNZ8X3M4Q7R2T9V6W5Y0ZABI',
    ])('rejects %s', (id) => {
      expect(errorsOf({ ...forwarded, id })).toEqual([
        { field: 'id', reason: 'must be a ULID: 26 Crockford base32 characters' },
      ]);
    });
  });

  describe('occurredAt', () => {
    it.each([
      ['2026-03-08T06:59:59.123Z', '2026-03-08T06:59:59.123Z'],
      ['2026-03-08T06:59:59Z', '2026-03-08T06:59:59.000Z'],
      ['2026-03-08T01:59:59.5-05:00', '2026-03-08T06:59:59.500Z'],
      ['2026-03-08T12:29:59.123456789+05:30', '2026-03-08T06:59:59.123Z'],
      ['2028-02-29T00:00:00.000Z', '2028-02-29T00:00:00.000Z'],
    ])('reads %s as %s', (input, canonical) => {
      expect(eventOf({ ...forwarded, occurredAt: input }).occurredAt).toBe(canonical);
    });

    it.each([
      '2027-02-29T00:00:00.000Z',
      '2026-04-31T00:00:00.000Z',
      '2026-03-08T24:00:00.000Z',
      '2026-03-08T06:60:00.000Z',
      '2026-03-08',
      '2026-03-08T06:59:59.123',
      'Sun, 08 Mar 2026 06:59:59 GMT',
    ])('rejects %s', (occurredAt) => {
      expect(errorsOf({ ...forwarded, occurredAt }).map((error) => error.field)).toEqual(['occurredAt']);
    });

    it('rejects timestamps before 2000', () => {
      expect(errorsOf({ ...forwarded, occurredAt: '1999-12-31T23:59:59.999Z' })).toEqual([
        { field: 'occurredAt', reason: 'must not be before 2000-01-01T00:00:00.000Z' },
      ]);
    });

    it('allows the producer clock to run at most five minutes ahead of the given now', () => {
      const now = new Date('2026-03-08T06:55:00.000Z');
      expect(eventOf({ ...forwarded, occurredAt: '2026-03-08T07:00:00.000Z' }, now).occurredAt).toBe(
        '2026-03-08T07:00:00.000Z',
      );
      expect(errorsOf({ ...forwarded, occurredAt: '2026-03-08T07:00:00.001Z' }, now)).toEqual([
        { field: 'occurredAt', reason: 'must not be more than 300000 ms ahead of the receiving clock' },
      ]);
    });

    it('does not judge future timestamps when no clock is given', () => {
      expect(eventOf({ ...forwarded, occurredAt: '2099-01-01T00:00:00.000Z' }).occurredAt).toBe(
        '2099-01-01T00:00:00.000Z',
      );
    });
  });

  describe('units', () => {
    it.each([
      ['0', '0'],
      ['2.5', '2.5'],
      ['002.500', '2.5'],
      ['1.000000', '1'],
      ['0.000001', '0.000001'],
      ['999999999999.999999', '999999999999.999999'],
      [3, '3'],
      [0, '0'],
    ])('reads %j as %s', (units, canonical) => {
      expect(eventOf({ ...forwarded, units }).units).toBe(canonical);
    });

    it.each(['-1', '0.0000001', '1000000000000', '1e3', '', '1.', '.5', ' 1', 0.5, -1, 1e12, null])(
      'rejects %j',
      (units) => {
        expect(errorsOf({ ...forwarded, units }).map((error) => error.field)).toEqual(['units']);
      },
    );
  });

  describe('string fields', () => {
    it('bounds userAgent by code points, so 512 emoji are accepted and 513 are not', () => {
      expect(eventOf({ ...forwarded, userAgent: '😀'.repeat(512) }).userAgent).toHaveLength(1024);
      expect(errorsOf({ ...forwarded, userAgent: '😀'.repeat(513) }).map((error) => error.field)).toEqual([
        'userAgent',
      ]);
    });

    it('accepts an empty userAgent and the "*" route of an unmatched call', () => {
      expect(eventOf({ ...forwarded, userAgent: '', route: '*' })).toMatchObject({
        userAgent: '',
        route: '*',
      });
    });

    it('refuses raw paths with a query string', () => {
      expect(
        errorsOf({ ...forwarded, route: '/v1/quotes/AAPL?apikey=km_live_x' }).map((e) => e.field),
      ).toEqual(['route']);
    });

    it.each(['2001:db8::1', '::1', '::', '::ffff:192.0.2.1', '2001:DB8:0:0:8:800:200C:417A', '192.0.2.255'])(
      'accepts client IP %s',
      (clientIp) => {
        expect(eventOf({ ...forwarded, clientIp }).clientIp).toBe(clientIp);
      },
    );

    it.each([
      '',
      '192.0.2',
      '192.0.2.256',
      '192.0.2.01',
      '2001:db8::1::2',
      '1:2:3:4:5:6:7:8:9',
      'fe80::1%eth0',
      'localhost',
    ])('rejects client IP %j', (clientIp) => {
      expect(errorsOf({ ...forwarded, clientIp }).map((error) => error.field)).toEqual(['clientIp']);
    });
  });

  describe('meta', () => {
    it('names the offending entry', () => {
      expect(errorsOf({ ...forwarded, meta: { region: 'eu', plan: 3 } })).toEqual([
        { field: 'meta.plan', reason: 'must be a string of at most 256 characters' },
      ]);
    });

    it('refuses a __proto__ key and leaves the copied object plain', () => {
      const input: unknown = JSON.parse(`{"meta":{"__proto__":{"polluted":"yes"}}}`);
      const errors = errorsOf({ ...forwarded, ...(input as object) });
      expect(errors.map((error) => error.field)).toEqual(['meta.__proto__']);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('allows at most 16 entries', () => {
      const meta = Object.fromEntries(Array.from({ length: 17 }, (_, index) => [`k${index}`, 'v']));
      expect(errorsOf({ ...forwarded, meta })).toEqual([
        { field: 'meta', reason: 'must have at most 16 entries' },
      ]);
    });
  });
});
