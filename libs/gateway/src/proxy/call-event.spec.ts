import { parseUsageEvent } from '@keymeter/contracts';
import { callEvent, countryFromHeader, type FinishedCall } from './call-event';

const call: FinishedCall = {
  gatewayId: 'gw-1',
  receivedAtMs: Date.UTC(2026, 10, 29, 6, 0, 0, 123),
  keyId: 'key_1',
  customerId: 'cus_1',
  method: 'GET',
  route: '/v1/quotes/:symbol',
  status: 200,
  latencyMs: 3.4,
  requestBytes: 0,
  responseBytes: 120,
  units: '1',
  clientIp: '203.0.113.7',
  userAgent: 'client/1.0',
  outcome: 'forwarded',
};

describe('call event country', () => {
  it('takes two letters, upper-cased', () => {
    expect(countryFromHeader('DE')).toBe('DE');
    expect(countryFromHeader('br')).toBe('BR');
  });

  it("is absent for anything else: no header, a repeated one, Cloudflare's XX and T1, junk", () => {
    for (const value of [undefined, ['DE', 'FR'], 'XX', 'xx', 'T1', '', 'DEU', 'D', 'DE ', 'É1']) {
      expect(countryFromHeader(value)).toBeUndefined();
    }
  });

  it("is the event's country, and an event without one is still valid and has no country field", () => {
    const withCountry = callEvent({ ...call, countryHeader: 'nz' });
    expect(withCountry.country).toBe('NZ');
    expect(parseUsageEvent(withCountry)).toEqual({ ok: true, event: withCountry });
    const without = callEvent({ ...call, countryHeader: 'T1' });
    expect('country' in without).toBe(false);
    expect(parseUsageEvent(without)).toEqual({ ok: true, event: without });
  });
});
