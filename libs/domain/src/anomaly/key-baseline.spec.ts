import { DEFAULT_ANOMALY_CONFIG } from './anomaly-config';
import { createKeyBaseline, updateKeyBaseline } from './key-baseline';
import { detectKeyAnomalies } from './detect-key-anomalies';
import { seasonalExpectation } from './seasonal-baseline';
import { MINUTE_MS } from './types';
import { MONDAY, WEEK, calls, dailyCycleCalls, replayUntil, startReplay, windowWith } from './test/series';

describe('key baseline', () => {
  it('survives a JSON round trip: the detectors give the same answers from the restored state', () => {
    const sources = {
      networks: { '203.0.113.0/24': 1 },
      countries: { DE: 1 },
      routes: { 'GET /v1/news': 1 },
    };
    const replay = replayUntil(
      startReplay(MONDAY),
      MONDAY + WEEK + 600,
      (minute) => calls(dailyCycleCalls(minute)),
      () => sources,
    );
    const restored = JSON.parse(JSON.stringify(replay.baseline)) as typeof replay.baseline;
    expect(restored).toEqual(replay.baseline);
    const window = windowWith(replay, calls(900, { authRejected: 40 }), {
      ...sources,
      networks: { '198.51.100.0/24': 3 },
    });
    const input = { window, nowMs: (window.endMinute + 1) * MINUTE_MS };
    expect(detectKeyAnomalies({ ...input, baseline: restored })).toEqual(
      detectKeyAnomalies({ ...input, baseline: replay.baseline }),
    );
  });

  it('ignores a minute it has already folded (replays) and leaves the old state untouched', () => {
    const base = createKeyBaseline('key_test');
    const window = {
      keyId: 'key_test',
      endMinute: MONDAY,
      minutes: [calls(5)],
      sources: { networks: { a: 1 }, countries: {}, routes: {} },
    };
    const once = updateKeyBaseline(base, window);
    expect(updateKeyBaseline(once, window)).toBe(once);
    expect(base.lastMinute).toBeNull();
    expect(once).toMatchObject({
      firstMinute: MONDAY,
      lastMinute: MONDAY,
      networks: { a: [MONDAY, MONDAY] },
    });
  });

  it('folds minutes of the window it missed, and counts minutes before the window as silent', () => {
    const replay = replayUntil(startReplay(MONDAY), MONDAY + 60, () => calls(10));
    // The next update comes 3 minutes late with a window holding the minutes in between.
    const late = updateKeyBaseline(replay.baseline, {
      keyId: 'key_test',
      endMinute: MONDAY + 62,
      minutes: [calls(10), calls(10), calls(10)],
      sources: { networks: {}, countries: {}, routes: {} },
    });
    expect(late.lastMinute).toBe(MONDAY + 62);
    expect(late.seasonal.open).toMatchObject({ sum: 30 });
  });

  it('keeps a bounded number of known sources, forgetting the least recently seen', () => {
    const config = { ...DEFAULT_ANOMALY_CONFIG, novelty: { ...DEFAULT_ANOMALY_CONFIG.novelty, maxKnown: 3 } };
    let baseline = createKeyBaseline('key_test', config);
    ['a', 'b', 'c', 'd'].forEach((network, index) => {
      baseline = updateKeyBaseline(
        baseline,
        {
          keyId: 'key_test',
          endMinute: MONDAY + index * 100,
          minutes: [calls(1)],
          sources: { networks: { [network]: 1 }, countries: {}, routes: {} },
        },
        config,
      );
    });
    expect(Object.keys(baseline.networks).sort()).toEqual(['b', 'c', 'd']);
  });

  it('learns a level from the past weeks, not from the minute being judged', () => {
    const replay = replayUntil(startReplay(MONDAY), MONDAY + WEEK + 30, () => calls(50));
    expect(seasonalExpectation(replay.baseline.seasonal, replay.next + 0.5).expected).toBeCloseTo(50, 6);
  });
});

describe('detectKeyAnomalies', () => {
  it('does not report the traffic of a revoked key as a drop', () => {
    const start = MONDAY + WEEK + 12 * 60;
    const busy = replayUntil(startReplay(MONDAY), start, (minute) => calls(dailyCycleCalls(minute)));
    const silent = replayUntil(busy, start + 40, () => calls(0));
    const window = windowWith(silent, calls(0));
    const nowMs = (window.endMinute + 1) * MINUTE_MS;
    const kinds = (revokedAtMs: number | null) =>
      detectKeyAnomalies({ window, baseline: silent.baseline, nowMs, lifecycle: { revokedAtMs } }).map(
        (f) => f.kind,
      );
    expect(kinds(null)).toContain('traffic_drop');
    expect(kinds(start * MINUTE_MS)).not.toContain('traffic_drop');
  });
});
