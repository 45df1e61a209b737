import fc from 'fast-check';
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

  describe('a quiet stale client: a few old-secret calls every ten minutes on a key of 3 calls a minute', () => {
    // Usual share of 401s per authenticated call: 0.004 / 3, about 1 in 750 (a mistyped secret now and then).
    const quiet = {
      ...baseline,
      rates: { calls: 3, authFailures: 0.004, authRejected: 0.004, rateLimited: 0, serverErrors: 0 },
    };
    const graceEnded = { rotationGraceEndedAtMs: (at - 120) * MINUTE_MS };
    // 3 authenticated calls a minute, and one rejected call every third minute (a client at about 10 %).
    const staleMinutes = Array.from({ length: 30 }, (_, index) =>
      calls(3 + (index % 3 === 0 ? 1 : 0), { authRejected: index % 3 === 0 ? 1 : 0 }),
    );

    it('reports it once its 30 minutes add up, though no ten minutes hold more than four', () => {
      const tenMinutes = windowOf(staleMinutes.slice(20));
      expect(detectRetiredKeyUse(tenMinutes, quiet, graceEnded)).toBeNull();
      expect(detectRetiredKeyUse(windowOf(staleMinutes), quiet, graceEnded)).toMatchObject({
        kind: 'retired_key_use',
        severity: 'medium',
        evidence: { observed: 10, cause: 'rotated', window: { startMinute: at - 29, endMinute: at } },
      });
    });

    it('counts only minutes after the grace period ended', () => {
      // The grace ended 12 minutes ago: four rejected calls since, the earlier ones were the old secret in grace.
      expect(
        detectRetiredKeyUse(windowOf(staleMinutes), quiet, { rotationGraceEndedAtMs: (at - 11) * MINUTE_MS }),
      ).toBeNull();
    });

    it('stays silent on the usual mistyped secret: two in half an hour', () => {
      const usual = Array.from({ length: 30 }, (_, index) =>
        calls(3 + (index % 15 === 7 ? 1 : 0), { authRejected: index % 15 === 7 ? 1 : 0 }),
      );
      expect(detectRetiredKeyUse(windowOf(usual), quiet, graceEnded)).toBeNull();
    });

    it('a revoked key: three attempts in half an hour are enough', () => {
      const sparse = Array.from({ length: 30 }, (_, index) => rejected(index % 10 === 0 ? 1 : 0));
      expect(
        detectRetiredKeyUse(windowOf(sparse), quiet, { revokedAtMs: (at - 40) * MINUTE_MS }),
      ).toMatchObject({
        severity: 'high',
        evidence: { observed: 3, cause: 'revoked', window: { startMinute: at - 29 } },
      });
    });
  });

  it('never fires on the usual share of wrong secrets plus two strays, whatever the traffic (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 30, maxLength: 30 }),
        fc.double({ min: 0.0005, max: 0.05, noNaN: true }),
        fc.integer({ min: 0, max: 29 }),
        fc.integer({ min: 0, max: 29 }),
        (authenticated, share, strayA, strayB) => {
          const usual = { ...baseline, rates: { ...baseline.rates, calls: 100, authRejected: 100 * share } };
          // Each minute's 401s: the key's usual share of its calls (rounded down), and two stray ones.
          const minutes = authenticated.map((n, index) => {
            const failures = Math.floor(n * share) + (index === strayA ? 1 : 0) + (index === strayB ? 1 : 0);
            return calls(n + failures, { authRejected: failures });
          });
          const lifecycle = { rotationGraceEndedAtMs: (at - 60) * MINUTE_MS };
          return detectRetiredKeyUse(windowOf(minutes), usual, lifecycle) === null;
        },
      ),
    );
  });

  it('more old-secret calls in the newest minute never silence a finding (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 30, maxLength: 30 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 40 }),
        (rejectedPerMinute, extra, retiredAgo) => {
          const quiet = { ...baseline, rates: { ...baseline.rates, calls: 3, authRejected: 0.004 } };
          const lifecycle = { rotationGraceEndedAtMs: (at - retiredAgo) * MINUTE_MS };
          const minutes = rejectedPerMinute.map((r) => calls(3 + r, { authRejected: r }));
          const more = [
            ...minutes.slice(0, -1),
            calls(3 + rejectedPerMinute[29] + extra, { authRejected: rejectedPerMinute[29] + extra }),
          ];
          const before = detectRetiredKeyUse(windowOf(minutes), quiet, lifecycle);
          return before === null || detectRetiredKeyUse(windowOf(more), quiet, lifecycle) !== null;
        },
      ),
    );
  });

  it('stops watching after the horizon', () => {
    const longAgo = (at - 31 * 1440) * MINUTE_MS;
    expect(detectRetiredKeyUse(windowOf([rejected(100)]), baseline, { revokedAtMs: longAgo })).toBeNull();
  });
});
