import { createKeyBaseline } from './key-baseline';
import { detectRetiredKeyUse } from './retired-key-detector';
import { MINUTE_MS, NO_SOURCES, type MinuteCounts } from './types';
import { MONDAY, calls } from './test/series';

const at = MONDAY + 5000;
const windowOf = (minutes: MinuteCounts[]) => ({
  keyId: 'key_test',
  endMinute: at,
  minutes,
  sources: NO_SOURCES,
});
const rejected = (count: number): MinuteCounts => calls(count, { billable: 0, authRejected: count });

describe('use of a revoked key or a rotated-out secret', () => {
  const baseline = {
    ...createKeyBaseline('key_test'),
    rates: { calls: 200, authFailures: 0.2, authRejected: 0.2, rateLimited: 0, serverErrors: 0 },
  };

  it('reports calls to a revoked key, counting only minutes after the revocation', () => {
    const revokedAtMs = (at - 1) * MINUTE_MS + 30_000; // half way through the minute before
    const finding = detectRetiredKeyUse(
      windowOf([rejected(50), rejected(50), rejected(2), rejected(3)]),
      baseline,
      { revokedAtMs },
    );
    expect(finding).toMatchObject({
      kind: 'retired_key_use',
      severity: 'high',
      evidence: { observed: 3, cause: 'revoked', window: { startMinute: at, endMinute: at } },
    });
    expect(
      detectRetiredKeyUse(windowOf([rejected(1)]), baseline, { revokedAtMs: at * MINUTE_MS }),
    ).toBeNull();
  });

  it('says nothing before the revocation takes effect or without one', () => {
    expect(
      detectRetiredKeyUse(windowOf([rejected(100)]), baseline, { revokedAtMs: (at + 1) * MINUTE_MS }),
    ).toBeNull();
    expect(detectRetiredKeyUse(windowOf([rejected(100)]), baseline, {})).toBeNull();
  });

  it('reports a client still using the rotated-out secret after the grace period', () => {
    const graceEnded = (at - 9) * MINUTE_MS;
    const minutes = Array.from({ length: 10 }, () => rejected(20));
    expect(
      detectRetiredKeyUse(windowOf(minutes), baseline, { rotationGraceEndedAtMs: graceEnded }),
    ).toMatchObject({
      kind: 'retired_key_use',
      severity: 'high',
      evidence: { observed: 200, cause: 'rotated', minutesSinceRetired: 9 },
    });
  });

  it('does not mistake the usual wrong-secret failures after a rotation for the old secret', () => {
    const busy = { ...baseline, rates: { ...baseline.rates, authRejected: 2 } };
    const usual = Array.from({ length: 10 }, () => calls(202, { billable: 200, authRejected: 2 }));
    expect(
      detectRetiredKeyUse(windowOf(usual), busy, { rotationGraceEndedAtMs: (at - 60) * MINUTE_MS }),
    ).toBeNull();
  });

  it('expects more wrong-secret failures in a busier hour: the usual share of the calls, not a fixed rate', () => {
    const busy = { ...baseline, rates: { ...baseline.rates, authRejected: 2 } };
    // Three times the usual traffic with the usual 1 % of wrong secrets: 60 rejected calls in 10 minutes.
    const peak = Array.from({ length: 10 }, () => calls(606, { billable: 600, authRejected: 6 }));
    expect(
      detectRetiredKeyUse(windowOf(peak), busy, { rotationGraceEndedAtMs: (at - 60) * MINUTE_MS }),
    ).toBeNull();
    // The same traffic with a stale client on the old secret: 30 more rejected calls a minute.
    const stale = Array.from({ length: 10 }, () => calls(636, { billable: 600, authRejected: 36 }));
    expect(
      detectRetiredKeyUse(windowOf(stale), busy, { rotationGraceEndedAtMs: (at - 60) * MINUTE_MS }),
    ).toMatchObject({ kind: 'retired_key_use', evidence: { observed: 360, cause: 'rotated' } });
  });

  it('stops watching after the horizon', () => {
    const longAgo = (at - 31 * 1440) * MINUTE_MS;
    expect(detectRetiredKeyUse(windowOf([rejected(100)]), baseline, { revokedAtMs: longAgo })).toBeNull();
  });
});
