import { actionsDue, decideAlert, tightenedRateLimit, type AlertPolicyRule } from './alert-lifecycle';

const MIN = 60_000;
const END = 1_000 * MIN;

describe('decideAlert', () => {
  it('opens on a finding when nothing is unresolved, and extends an unresolved alert instead of a second one', () => {
    expect(decideAlert(null, { severity: 'medium' }, END, 30 * MIN)).toEqual({
      type: 'open',
      severity: 'medium',
    });
    const current = { severity: 'medium' as const, conditionClearedAtMs: null };
    expect(decideAlert(current, { severity: 'medium' }, END, 30 * MIN)).toEqual({
      type: 'extend',
      severity: 'medium',
      escalated: false,
    });
  });

  it('escalates severity and never lowers it', () => {
    const current = { severity: 'high' as const, conditionClearedAtMs: null };
    expect(decideAlert(current, { severity: 'critical' }, END, 30 * MIN)).toMatchObject({
      severity: 'critical',
      escalated: true,
    });
    expect(decideAlert(current, { severity: 'low' }, END, 30 * MIN)).toMatchObject({
      severity: 'high',
      escalated: false,
    });
  });

  it('remembers when the condition cleared, and resolves once it stayed clear long enough', () => {
    const seen = { severity: 'medium' as const, conditionClearedAtMs: null };
    expect(decideAlert(seen, null, END, 30 * MIN)).toEqual({ type: 'clear', clearedAtMs: END - MIN });
    const cleared = { severity: 'medium' as const, conditionClearedAtMs: END - MIN };
    // Clear from END − 1 min: 29 clear minutes at END + 28 min, 30 at END + 29 min.
    expect(decideAlert(cleared, null, END + 28 * MIN, 30 * MIN)).toEqual({ type: 'none' });
    expect(decideAlert(cleared, null, END + 29 * MIN, 30 * MIN)).toEqual({ type: 'resolve' });
    // Seen again: extended, the clear time is forgotten by the caller.
    expect(decideAlert(cleared, { severity: 'medium' }, END + 5 * MIN, 30 * MIN).type).toBe('extend');
    expect(decideAlert(null, null, END, 30 * MIN)).toEqual({ type: 'none' });
  });
});

describe('actionsDue', () => {
  const rules: AlertPolicyRule[] = [
    { kind: 'traffic_spike', minSeverity: 'high', action: { type: 'suspend_key' } },
    {
      kind: 'traffic_spike',
      minSeverity: 'medium',
      action: { type: 'tighten_rate_limit', factor: 0.5, limit: null },
    },
    {
      kind: 'new_source_network',
      minSeverity: 'low',
      action: { type: 'require_rotation', deadlineSeconds: 3600 },
    },
  ];

  it('takes the actions of matching rules from their severity on, once per type', () => {
    expect(actionsDue(rules, 'traffic_spike', 'medium', new Set()).map((a) => a.type)).toEqual([
      'tighten_rate_limit',
    ]);
    expect(
      actionsDue(rules, 'traffic_spike', 'critical', new Set(['tighten_rate_limit'])).map((a) => a.type),
    ).toEqual(['suspend_key']);
    expect(actionsDue(rules, 'auth_failure_burst', 'critical', new Set())).toEqual([]);
  });
});

describe('tightenedRateLimit', () => {
  it('scales the current limit by the factor, capped by a given limit', () => {
    expect(
      tightenedRateLimit({ rate: 10, burst: 20 }, { type: 'tighten_rate_limit', factor: 0.25, limit: null }),
    ).toEqual({
      rate: 2.5,
      burst: 5,
    });
    expect(
      tightenedRateLimit(
        { rate: 10, burst: 20 },
        { type: 'tighten_rate_limit', factor: 0.5, limit: { rate: 1, burst: 2 } },
      ),
    ).toEqual({ rate: 1, burst: 2 });
  });

  it('sets the given limit on a key without one, and does nothing that would not tighten', () => {
    const spec = { type: 'tighten_rate_limit' as const, factor: 0.5, limit: { rate: 1, burst: 5 } };
    expect(tightenedRateLimit(null, spec)).toEqual({ rate: 1, burst: 5 });
    expect(tightenedRateLimit(null, { ...spec, limit: null })).toBeNull();
    expect(tightenedRateLimit({ rate: 0.5, burst: 1 }, { ...spec, factor: null })).toBeNull();
  });
});
