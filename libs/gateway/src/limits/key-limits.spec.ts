import type { ApiKeySnapshotV1 } from '@keymeter/contracts';
import { InProcessLimitStore } from './in-process-limit-store';
import { KeyLimits } from './key-limits';

const key: ApiKeySnapshotV1 = {
  v: 1,
  kind: 'api_key',
  keyId: 'key_limits_spec',
  customerId: 'cus_1',
  timeZone: 'Europe/Paris',
  environment: 'live',
  name: 'spec',
  prefix: 'km_live_abcd',
  secrets: [],
  status: 'active',
  expiresAt: null,
  scopes: [{ methods: ['GET'], pattern: '/v1/*' }],
  rateLimit: { rate: 10, burst: 20 },
  quotas: { requestsPerDay: 1000, creditsPerMonth: '500' },
  revision: 1,
  updatedAt: '2026-03-01T00:00:00.000Z',
};

describe('KeyLimits.headers', () => {
  it("advertises each day's own length, also when one key's calls cross into a shorter day", () => {
    const limits = new KeyLimits();
    const store = new InProcessLimitStore();
    const policyAt = (iso: string): string => {
      const nowMs = Date.parse(iso);
      const request = limits.admissionRequest(key, 1_000_000n, nowMs);
      const decision = store.admitNow(request);
      return limits.headers(key, request, decision)['RateLimit-Policy'];
    };
    try {
      // 2026-03-29 is 23 hours long in Paris (summer time starts); March 2026 has 31 days less that hour.
      const march = 31 * 86_400 - 3_600;
      expect(policyAt('2026-03-28T12:00:00Z')).toBe(
        `20;w=2;comment="token bucket", 1000;w=86400;comment="requests per day", 500;w=${march};comment="credits per month"`,
      );
      expect(policyAt('2026-03-28T13:00:00Z')).toBe(policyAt('2026-03-28T12:00:00Z'));
      expect(policyAt('2026-03-29T12:00:00Z')).toBe(
        `20;w=2;comment="token bucket", 1000;w=82800;comment="requests per day", 500;w=${march};comment="credits per month"`,
      );
      // April: 30 days.
      expect(policyAt('2026-04-01T12:00:00Z')).toBe(
        `20;w=2;comment="token bucket", 1000;w=86400;comment="requests per day", 500;w=2592000;comment="credits per month"`,
      );
    } finally {
      void store.close();
    }
  });
});
