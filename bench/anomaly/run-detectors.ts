/**
 * Runs the anomaly detectors over a generated scenario minute by minute, as the live system would: every
 * minute, for every key, the detectors judge the minute that just ended against the key's baseline, then
 * the minute is folded into the baseline; auth failures are also summed per source network across keys
 * (including calls whose key nobody could identify) and judged per network.
 */
import {
  DEFAULT_ANOMALY_CONFIG,
  MINUTE_MS,
  MINUTES_PER_DAY,
  createKeyBaseline,
  createNetworkBurstBaseline,
  detectKeyAnomalies,
  detectNetworkAuthFailureBurst,
  requiredWindowMinutes,
  updateKeyBaseline,
  updateNetworkBurstBaseline,
  type AnomalyConfig,
  type AnomalyKind,
  type AnomalySeverity,
  type KeyBaseline,
  type KeyLifecycle,
  type KeyQuotaUsage,
  type MinuteCounts,
  type NetworkBurstBaseline,
} from '@keymeter/domain';
import {
  createKeyStream,
  createUnidentifiedFailureStream,
  type KeyMinuteSample,
  type KeyProfile,
  type Scenario,
} from './traffic-model';

export interface RecordedFinding {
  /** Key id, or null for a per-network finding. */
  readonly key: string | null;
  readonly network: string | null;
  readonly kind: AnomalyKind;
  readonly severity: AnomalySeverity;
  readonly minute: number;
}

interface KeyState {
  readonly profile: KeyProfile;
  readonly next: (minute: number) => KeyMinuteSample;
  readonly minutes: MinuteCounts[];
  readonly lifecycle: KeyLifecycle | undefined;
  baseline: KeyBaseline;
  usedToday: number;
  creditsThisMonth: number;
}

function lifecycleOf(profile: KeyProfile): KeyLifecycle | undefined {
  const { graceEndsMinute, revokedAtMinute } = profile.lifecycle;
  if (graceEndsMinute === null && revokedAtMinute === null) {
    return undefined;
  }
  return {
    rotationGraceEndedAtMs: graceEndsMinute === null ? null : graceEndsMinute * MINUTE_MS,
    revokedAtMs: revokedAtMinute === null ? null : revokedAtMinute * MINUTE_MS,
  };
}

/** The month `[start, end)` containing `ms`, in UTC (the scenario's customers bill in UTC). */
function monthOf(ms: number): { startMs: number; endMs: number } {
  const date = new Date(ms);
  return {
    startMs: Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1),
    endMs: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1),
  };
}

export interface DetectorRun {
  readonly findings: RecordedFinding[];
  readonly keyMinutes: number;
  readonly elapsedMs: number;
}

export function runDetectors(
  scenario: Scenario,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
  clock: () => number = () => 0,
  onDay?: (day: number, days: number) => void,
): DetectorRun {
  const began = clock();
  const windowLength = requiredWindowMinutes(config);
  const keys: KeyState[] = scenario.profiles.map((profile) => ({
    profile,
    next: createKeyStream(scenario, profile),
    minutes: [],
    lifecycle: lifecycleOf(profile),
    baseline: createKeyBaseline(profile.keyId, config),
    usedToday: 0,
    creditsThisMonth: 0,
  }));
  const unidentified = createUnidentifiedFailureStream(scenario);
  const networks = new Map<string, NetworkBurstBaseline>();
  const findings: RecordedFinding[] = [];
  let keyMinutes = 0;
  for (let minute = scenario.startMinute; minute < scenario.endMinute; minute++) {
    const judged = minute >= scenario.evaluationStartMinute;
    const nowMs = (minute + 1) * MINUTE_MS;
    const dayStartMs = Math.floor(minute / MINUTES_PER_DAY) * MINUTES_PER_DAY * MINUTE_MS;
    const month = monthOf(minute * MINUTE_MS);
    if ((minute - scenario.startMinute) % MINUTES_PER_DAY === 0) {
      onDay?.(
        (minute - scenario.startMinute) / MINUTES_PER_DAY,
        (scenario.endMinute - scenario.startMinute) / MINUTES_PER_DAY,
      );
      for (const key of keys) {
        key.usedToday = 0;
      }
    }
    if (minute * MINUTE_MS === month.startMs) {
      for (const key of keys) {
        key.creditsThisMonth = 0;
      }
    }
    const failuresByNetwork = new Map<string, number>(Object.entries(unidentified(minute)));
    for (const key of keys) {
      const sample = key.next(minute);
      keyMinutes += 1;
      key.minutes.push(sample.counts);
      if (key.minutes.length > windowLength) {
        key.minutes.shift();
      }
      key.usedToday += sample.counts.billable;
      key.creditsThisMonth += sample.counts.credits;
      for (const network in sample.failuresByNetwork) {
        failuresByNetwork.set(
          network,
          (failuresByNetwork.get(network) ?? 0) + sample.failuresByNetwork[network],
        );
      }
      if (sample.counts.requests === 0 && key.baseline.firstMinute === null) {
        continue;
      }
      const window = {
        keyId: key.profile.keyId,
        endMinute: minute,
        minutes: key.minutes,
        sources: sample.sources,
      };
      if (judged) {
        const { profile } = key;
        const quotas: KeyQuotaUsage | undefined =
          profile.requestsPerDay === null && profile.creditsPerMonth === null
            ? undefined
            : {
                requestsPerDay:
                  profile.requestsPerDay === null
                    ? null
                    : {
                        limit: profile.requestsPerDay,
                        used: key.usedToday,
                        window: { startMs: dayStartMs, endMs: dayStartMs + MINUTES_PER_DAY * MINUTE_MS },
                      },
                creditsPerMonth:
                  profile.creditsPerMonth === null
                    ? null
                    : { limit: profile.creditsPerMonth, used: key.creditsThisMonth, window: month },
              };
        for (const finding of detectKeyAnomalies(
          { window, baseline: key.baseline, quotas, lifecycle: key.lifecycle, nowMs },
          config,
        )) {
          findings.push({
            key: profile.keyId,
            network: null,
            kind: finding.kind,
            severity: finding.severity,
            minute,
          });
        }
      }
      key.baseline = updateKeyBaseline(key.baseline, window, config);
    }
    for (const [network, failures] of failuresByNetwork) {
      const baseline = networks.get(network) ?? createNetworkBurstBaseline(network);
      if (judged) {
        const finding = detectNetworkAuthFailureBurst(baseline, minute, failures, config);
        if (finding !== null) {
          findings.push({ key: null, network, kind: finding.kind, severity: finding.severity, minute });
        }
      }
      networks.set(network, updateNetworkBurstBaseline(baseline, minute, failures, config));
    }
  }
  return { findings, keyMinutes, elapsedMs: clock() - began };
}
