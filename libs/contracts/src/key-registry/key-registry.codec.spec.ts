import {
  decodeKeyRegistryRecord,
  encodeKeyRegistryRecord,
  registryRecordKey,
  type ApiKeySnapshotV1,
} from '..';

const snapshot: ApiKeySnapshotV1 = {
  v: 1,
  kind: 'api_key',
  keyId: 'key_1',
  customerId: 'cus_1',
  timeZone: 'Europe/Paris',
  environment: 'live',
  name: 'backend',
  prefix: 'km_live_AbCd',
  secrets: [{ hash: 'a'.repeat(64), validUntil: null }],
  status: 'active',
  expiresAt: null,
  scopes: [{ methods: ['GET'], pattern: '*' }, 'usage:read'],
  rateLimit: { rate: 10, burst: 20 },
  quotas: { requestsPerDay: 1000, creditsPerMonth: '5000.5' },
  revision: 3,
  updatedAt: '2026-11-01T00:00:00.000Z',
};

describe('key registry records', () => {
  it('round-trip through the codec and are keyed per credential', () => {
    expect(decodeKeyRegistryRecord(encodeKeyRegistryRecord(snapshot))).toEqual(snapshot);
    expect(registryRecordKey(snapshot)).toBe('api_key:key_1');
  });

  it('skips records it does not understand instead of failing', () => {
    expect(decodeKeyRegistryRecord(Buffer.from('not json'))).toBeUndefined();
    expect(decodeKeyRegistryRecord(Buffer.from(JSON.stringify({ ...snapshot, v: 2 })))).toBeUndefined();
    expect(
      decodeKeyRegistryRecord(Buffer.from(JSON.stringify({ ...snapshot, kind: 'other' }))),
    ).toBeUndefined();
  });
});
