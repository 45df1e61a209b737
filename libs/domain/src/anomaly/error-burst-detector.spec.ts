import { DEFAULT_ANOMALY_CONFIG, type AnomalyConfig } from './anomaly-config';
import { detectErrorBurst } from './error-burst-detector';
import type { AnomalyFinding, MinuteCounts } from './types';
import {
  MONDAY,
  calls,
  dailyCycleCalls,
  replayUntil,
  startReplay,
  step,
  windowWith,
  type Replay,
} from './test/series';

const DAY = 1440;

/** Judges each minute before folding it in, as the live evaluation does; returns every finding. */
function run(replay: Replay, minutes: number, countsAt: (minute: number) => MinuteCounts) {
  let current = replay;
  const findings: { minute: number; finding: AnomalyFinding }[] = [];
  for (let index = 0; index < minutes; index++) {
    const counts = countsAt(current.next);
    const finding = detectErrorBurst(windowWith(current, counts), current.baseline, current.config);
    if (finding !== null) {
      findings.push({ minute: index, finding });
    }
    current = step(current, counts);
  }
  return findings;
}

/** A low-traffic key: 2 calls a minute, one 5xx every 250 minutes (0.2 % of calls). */
const lowTraffic = (minute: number): MinuteCounts => calls(2, { serverErrors: minute % 250 === 0 ? 1 : 0 });

/** A busy key with a daily cycle (20–180 calls a minute) and 0.2 % of its calls failing. */
const busy = (minute: number): MinuteCounts => {
  const requests = dailyCycleCalls(minute);
  return calls(requests, { serverErrors: Math.round(requests * 0.002 + 0.49 * Math.sin(minute)) });
};

describe('upstream error bursts for a key', () => {
  it('reports an outage on a low-traffic key once its errors add up, over a longer window', () => {
    const replay = replayUntil(startReplay(MONDAY), MONDAY + 2 * DAY, lowTraffic);
    // Three of every four calls fail: never more than 2 errors in a minute.
    const findings = run(replay, 20, (minute) => calls(2, { serverErrors: 1 + (minute % 2) }));
    expect(findings[0]?.minute).toBeLessThanOrEqual(4);
    const first = findings[0]?.finding;
    expect(first).toMatchObject({ kind: 'error_burst', severity: 'medium' });
    const { startMinute, endMinute } = first.evidence.window;
    expect(endMinute - startMinute + 1).toBeGreaterThan(1);
    expect(first.evidence.observed).toBeGreaterThanOrEqual(3);
    expect(first.summary).toMatch(/^Burst of upstream errors \(5xx\): \d+ of \d+ calls in \d+ minutes/);
  });

  it('reports an outage on a busy key in its first minute, judged over that minute', () => {
    const replay = replayUntil(startReplay(MONDAY), MONDAY + 2 * DAY + 14 * 60, busy);
    const findings = run(replay, 5, (minute) => {
      const requests = dailyCycleCalls(minute);
      return calls(requests, { serverErrors: Math.round(requests * 0.3) });
    });
    expect(findings[0]?.minute).toBe(0);
    expect(findings[0]?.finding.evidence.window).toEqual({
      startMinute: MONDAY + 2 * DAY + 14 * 60,
      endMinute: MONDAY + 2 * DAY + 14 * 60,
    });
    expect(findings[0]?.finding.evidence.share).toBeCloseTo(0.3, 1);
  });

  it('stays silent on the Poisson tail of a normal busy key', () => {
    // 1,000 calls a minute, 2 errors usually: 10 in one minute, then 40 in ten minutes are chance.
    const normal = (minute: number) => calls(1000, { serverErrors: minute % 2 === 0 ? 1 : 3 });
    const replay = replayUntil(startReplay(MONDAY), MONDAY + 2 * DAY, normal);
    const tail = [10, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 9, 2];
    expect(
      run(replay, tail.length, (minute) => calls(1000, { serverErrors: tail[minute - replay.next] })),
    ).toEqual([]);
  });

  it('stays silent on a busy key through its daily cycle', () => {
    const replay = replayUntil(startReplay(MONDAY), MONDAY + DAY, busy);
    expect(run(replay, 2 * DAY, busy)).toEqual([]);
  });

  it('stays silent on quiet keys, also without any history', () => {
    // At most a call a minute; now and then it fails, twice in a row once.
    const quiet = (minute: number) =>
      minute % 7 === 0
        ? calls(1, { serverErrors: minute % 91 === 0 || minute % 91 === 7 ? 1 : 0 })
        : calls(0);
    expect(run(startReplay(MONDAY), 3 * DAY, quiet)).toEqual([]);
    // A fresh key whose first two calls both fail: fewer than the minimum count.
    expect(run(startReplay(MONDAY), 1, () => calls(2, { serverErrors: 2 }))).toEqual([]);
  });

  it('takes its thresholds from the configuration', () => {
    const replay = replayUntil(startReplay(MONDAY), MONDAY + 2 * DAY, lowTraffic);
    const outage = (minute: number) => calls(2, { serverErrors: 1 + (minute % 2) });
    const strict: AnomalyConfig = {
      ...DEFAULT_ANOMALY_CONFIG,
      bursts: {
        ...DEFAULT_ANOMALY_CONFIG.bursts,
        errors: { ...DEFAULT_ANOMALY_CONFIG.bursts.errors, minCount: 50 },
      },
    };
    expect(run({ ...replay, config: strict }, 20, outage)).toEqual([]);
    const oneMinute: AnomalyConfig = {
      ...DEFAULT_ANOMALY_CONFIG,
      bursts: {
        ...DEFAULT_ANOMALY_CONFIG.bursts,
        errors: { ...DEFAULT_ANOMALY_CONFIG.bursts.errors, windowsMinutes: [1] },
      },
    };
    expect(run({ ...replay, config: oneMinute }, 20, outage)).toEqual([]);
  });
});
