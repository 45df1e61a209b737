import { DEFAULT_ANOMALY_CONFIG } from './anomaly-config';
import {
  createNetworkBurstBaseline,
  detectAuthFailureBurst,
  detectErrorBurst,
  detectNetworkAuthFailureBurst,
  detectRateLimitBurst,
  updateNetworkBurstBaseline,
} from './burst-detector';
import { createKeyBaseline, updateKeyBaseline, type KeyBaseline } from './key-baseline';
import { NO_SOURCES, type MinuteCounts } from './types';
import { MONDAY, calls } from './test/series';

/** A key that makes 200 calls a minute with 1 auth failure, 1 429 and 1 5xx in every minute, for a day. */
function steadyKey(): KeyBaseline {
  let baseline = createKeyBaseline('key_test');
  for (let minute = MONDAY; minute < MONDAY + 1440; minute++) {
    const counts = calls(201, { authRejected: 1, rateLimited: 1, serverErrors: 1 });
    baseline = updateKeyBaseline(baseline, {
      keyId: 'key_test',
      endMinute: minute,
      minutes: [counts],
      sources: NO_SOURCES,
    });
  }
  return baseline;
}

const windowOf = (counts: MinuteCounts) => ({
  keyId: 'key_test',
  endMinute: MONDAY + 1440,
  minutes: [counts],
  sources: NO_SOURCES,
});

describe('failure bursts for a key', () => {
  const baseline = steadyKey();

  it('reports a credential-stuffing burst of 401s, with the usual level as expected', () => {
    const finding = detectAuthFailureBurst(windowOf(calls(500, { authRejected: 300 })), baseline);
    expect(finding).toMatchObject({
      kind: 'auth_failure_burst',
      severity: 'high',
      evidence: { observed: 300 },
    });
    expect(finding?.evidence.expected).toBeCloseTo(1, 0);
  });

  it('counts 403s (scope rejections) as auth failures too', () => {
    expect(detectAuthFailureBurst(windowOf(calls(240, { scopeRejected: 40 })), baseline)?.kind).toBe(
      'auth_failure_burst',
    );
  });

  it('stays silent on the usual failures and on a busy minute with the usual share of them', () => {
    expect(detectAuthFailureBurst(windowOf(calls(201, { authRejected: 1 })), baseline)).toBeNull();
    // Ten times the traffic brings ten times the failures: not a burst.
    const busy = calls(2010, { authRejected: 10, rateLimited: 10, serverErrors: 10 });
    expect(detectAuthFailureBurst(windowOf(busy), baseline)).toBeNull();
    expect(detectRateLimitBurst(windowOf(busy), baseline)).toBeNull();
    expect(detectErrorBurst(windowOf(busy), baseline)).toBeNull();
  });

  it('reports a runaway client hitting its rate limit and an upstream failing for the key', () => {
    expect(detectRateLimitBurst(windowOf(calls(400, { rateLimited: 200 })), baseline)?.kind).toBe(
      'rate_limit_burst',
    );
    expect(detectErrorBurst(windowOf(calls(200, { serverErrors: 120 })), baseline)?.kind).toBe('error_burst');
  });

  it('never reports fewer failures than the floor, even on a key that never fails', () => {
    const fresh = createKeyBaseline('key_test');
    const below = DEFAULT_ANOMALY_CONFIG.bursts.minCount - 1;
    expect(detectAuthFailureBurst(windowOf(calls(below, { authRejected: below })), fresh)).toBeNull();
    expect(detectAuthFailureBurst(windowOf(calls(50, { authRejected: 50 })), fresh)?.kind).toBe(
      'auth_failure_burst',
    );
  });

  it('does not learn an attack as the new normal', () => {
    let attacked = baseline;
    for (let minute = MONDAY + 1440; minute < MONDAY + 1440 + 60; minute++) {
      const counts = calls(500, { authRejected: 300 });
      attacked = updateKeyBaseline(attacked, {
        keyId: 'key_test',
        endMinute: minute,
        minutes: [counts],
        sources: NO_SOURCES,
      });
    }
    expect(attacked.rates.authFailures).toBeLessThan(2);
    expect(
      detectAuthFailureBurst(
        { ...windowOf(calls(500, { authRejected: 300 })), endMinute: MONDAY + 1500 },
        attacked,
      ),
    ).not.toBeNull();
  });
});

describe('failure bursts from a source network', () => {
  it('reports stuffing from one network, silent for its usual scanner noise', () => {
    let network = createNetworkBurstBaseline('198.51.100.0/24');
    for (let minute = MONDAY; minute < MONDAY + 600; minute++) {
      expect(detectNetworkAuthFailureBurst(network, minute, minute % 3)).toBeNull();
      network = updateNetworkBurstBaseline(network, minute, minute % 3);
    }
    const finding = detectNetworkAuthFailureBurst(network, MONDAY + 600, 400);
    expect(finding).toMatchObject({
      kind: 'auth_failure_burst',
      evidence: { observed: 400, network: '198.51.100.0/24' },
    });
    expect(finding?.summary).toContain('198.51.100.0/24');
  });

  it('needs more failures from a network than from a key (a network carries many clients)', () => {
    const network = createNetworkBurstBaseline('198.51.100.0/24');
    expect(detectNetworkAuthFailureBurst(network, MONDAY, 15)).toBeNull();
    expect(detectNetworkAuthFailureBurst(network, MONDAY, 25)).not.toBeNull();
  });
});
