import { decodeUsageEvent, encodeUsageEvent, type UsageEventV1 } from '..';

const event: UsageEventV1 = {
  v: 1,
  id: '01KJKB3Q000000000000000000',
  occurredAt: '2026-03-01T00:00:00.000Z',
  gatewayId: 'gw-1',
  keyId: 'key_1',
  customerId: 'cus_1',
  method: 'GET',
  route: '/v1/quotes/:symbol',
  status: 200,
  latencyMs: 12,
  requestBytes: 100,
  responseBytes: 2000,
  units: '0.5',
  clientIp: '192.0.2.1',
  userAgent: 'curl/8.5.0',
  outcome: 'forwarded',
  billable: true,
};

const payload = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('usage event codec', () => {
  it('writes a JSON array led by the schema version', () => {
    expect(JSON.parse(encodeUsageEvent(event).toString('utf8'))).toEqual([
      1,
      '01KJKB3Q000000000000000000',
      '2026-03-01T00:00:00.000Z',
      'gw-1',
      'key_1',
      'cus_1',
      'GET',
      '/v1/quotes/:symbol',
      200,
      12,
      100,
      2000,
      '0.5',
      '192.0.2.1',
      'curl/8.5.0',
      'forwarded',
      true,
    ]);
  });

  it('writes null for an absent country only when meta follows', () => {
    const withMeta = JSON.parse(
      encodeUsageEvent({ ...event, meta: { a: 'b' } }).toString('utf8'),
    ) as unknown[];
    expect(withMeta.slice(17)).toEqual([null, { a: 'b' }]);
    const withCountry = JSON.parse(
      encodeUsageEvent({ ...event, country: 'FR' }).toString('utf8'),
    ) as unknown[];
    expect(withCountry.slice(17)).toEqual(['FR']);
    expect(decodeUsageEvent(encodeUsageEvent({ ...event, meta: { a: 'b' } }))).toEqual({
      ok: true,
      event: { ...event, meta: { a: 'b' } },
    });
  });

  it('round-trips an event with and without a country, and reads payloads written before country existed', () => {
    for (const value of [
      event,
      { ...event, country: 'BR' },
      { ...event, meta: { a: 'b' } },
      { ...event, country: 'JP', meta: { a: 'b' } },
    ]) {
      expect(decodeUsageEvent(encodeUsageEvent(value))).toEqual({ ok: true, event: value });
    }
    // What a producer without a country writes: the 17 required elements; a lower-case country is refused.
    const old = JSON.parse(encodeUsageEvent(event).toString('utf8')) as unknown[];
    expect(old).toHaveLength(17);
    expect(decodeUsageEvent(payload(old))).toEqual({ ok: true, event });
    expect(decodeUsageEvent(payload([...old, 'de']))).toEqual({
      ok: false,
      errors: [{ field: 'country', reason: 'must be an ISO 3166-1 alpha-2 code in upper case, e.g. DE' }],
    });
  });

  it('decodes from a view into a larger buffer', () => {
    const encoded = encodeUsageEvent(event);
    const framed = Buffer.concat([Buffer.from('xx'), encoded, Buffer.from('yy')]);
    expect(decodeUsageEvent(framed.subarray(2, 2 + encoded.length))).toEqual({ ok: true, event });
  });

  it('reports a payload that is not JSON', () => {
    expect(decodeUsageEvent(Buffer.from('{"v":1,'))).toEqual({
      ok: false,
      errors: [{ field: '', reason: 'payload is not valid JSON' }],
    });
  });

  it('reports another schema version by its number', () => {
    expect(decodeUsageEvent(payload([2, 'anything']))).toEqual({
      ok: false,
      errors: [{ field: 'v', reason: 'unsupported schema version 2; expected 1' }],
    });
  });

  it('reports a compact payload of the wrong length', () => {
    expect(decodeUsageEvent(payload([1, event.id]))).toEqual({
      ok: false,
      errors: [{ field: '', reason: 'compact v1 payload must have 17 to 19 elements, got 2' }],
    });
  });

  it('names the field of a bad element in a compact payload', () => {
    const row = JSON.parse(encodeUsageEvent(event).toString('utf8')) as unknown[];
    row[8] = 700;
    expect(decodeUsageEvent(payload(row))).toEqual({
      ok: false,
      errors: [{ field: 'status', reason: 'must be an integer from 100 to 599' }],
    });
  });

  it('passes the receiving clock through to the validator when asked', () => {
    const now = new Date('2026-02-28T00:00:00.000Z');
    const result = decodeUsageEvent(encodeUsageEvent(event), { now });
    expect(result.ok).toBe(false);
    expect(decodeUsageEvent(encodeUsageEvent(event)).ok).toBe(true);
  });
});
