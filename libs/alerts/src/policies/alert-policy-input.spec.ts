import { ApiError } from '@keymeter/platform';
import { parseAlertPolicy, parseAlertPolicyDocument } from './alert-policy-input';

function issuesOf(body: unknown): string[] {
  try {
    parseAlertPolicyDocument(body);
  } catch (error) {
    if (error instanceof ApiError) {
      return (error.details as { field: string }[]).map((issue) => issue.field);
    }
    throw error;
  }
  return [];
}

describe('parseAlertPolicy', () => {
  it('reads rules with defaults: minSeverity high, a 24 h rotation deadline', () => {
    expect(
      parseAlertPolicy({
        rules: [
          { kind: 'retired_key_use', action: { type: 'suspend_key' } },
          { kind: 'new_source_network', minSeverity: 'medium', action: { type: 'require_rotation' } },
          {
            kind: 'traffic_spike',
            action: { type: 'tighten_rate_limit', factor: 0.5, limit: { rate: 2, burst: 4 } },
          },
        ],
      }),
    ).toEqual([
      { kind: 'retired_key_use', minSeverity: 'high', action: { type: 'suspend_key' } },
      {
        kind: 'new_source_network',
        minSeverity: 'medium',
        action: { type: 'require_rotation', deadlineSeconds: 86_400 },
      },
      {
        kind: 'traffic_spike',
        minSeverity: 'high',
        action: { type: 'tighten_rate_limit', factor: 0.5, limit: { rate: 2, burst: 4 } },
      },
    ]);
    expect(parseAlertPolicy({ rules: [] })).toEqual([]);
  });

  it('names every wrong field', () => {
    expect(issuesOf(null)).toEqual(['body']);
    expect(issuesOf({ rules: 'x', extra: 1 })).toEqual(['extra', 'rules']);
    expect(
      issuesOf({
        rules: [
          { kind: 'spike', action: { type: 'suspend_key' } },
          { kind: 'traffic_spike', minSeverity: 'urgent', action: { type: 'tighten_rate_limit' } },
          { kind: 'traffic_spike', action: { type: 'tighten_rate_limit', factor: 1.5 } },
          { kind: 'traffic_spike', action: { type: 'require_rotation', deadlineSeconds: -1, x: 1 } },
          { kind: 'traffic_spike', action: { type: 'tighten_rate_limit', limit: { rate: 0, burst: 1 } } },
        ],
      }),
    ).toEqual([
      'rules[0].kind',
      'rules[1].minSeverity',
      'rules[1].action.factor',
      'rules[2].action.factor',
      'rules[3].action.x',
      'rules[3].action.deadlineSeconds',
      'rules[4].action.limit.rate',
    ]);
  });

  it('reads threshold overrides of every detector, each within its bounds', () => {
    const thresholds = {
      trafficSpike: { minCalls: 50, minBatches: 2 },
      trafficRamp: { minRatio: 1.5 },
      trafficDrop: { maxRatio: 0.5, minExpectedPerMinute: 2 },
      failureBursts: { minCount: 3 },
      errorBursts: { minCount: 2, falseAlarmProbability: 1e-5 },
      novelty: { learningMinutes: 0, churnyAt: 4 },
      quotaBurn: { minUsedFraction: 0.05 },
      retiredKey: { horizonMinutes: 1440 },
    };
    expect(parseAlertPolicyDocument({ rules: [], thresholds })).toEqual({ rules: [], thresholds });
    expect(
      issuesOf({
        rules: [],
        thresholds: {
          trafficDrop: { maxRatio: 1 },
          errorBursts: { falseAlarmProbability: 0.5, windowsMinutes: 5 },
          novelty: { homeMinutes: 10 },
          seasons: {},
          retiredKey: { minAttempts: '3' },
        },
      }),
    ).toEqual([
      'thresholds.trafficDrop.maxRatio',
      'thresholds.errorBursts.falseAlarmProbability',
      'thresholds.errorBursts.windowsMinutes',
      'thresholds.novelty.homeMinutes',
      'thresholds.seasons',
      'thresholds.retiredKey.minAttempts',
    ]);
  });
});
