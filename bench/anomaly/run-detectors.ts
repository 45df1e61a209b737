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
  type AnomalyFinding,
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
  /** The finding's one-line summary (printed for unexplained alerts). */
  readonly summary: string;
  /** For a quota burn, the quota (`requestsPerDay`, `creditsPerMonth`). */
  readonly quota?: string;
}

export interface KeyState {
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
  /** Time spent in the detectors and baseline updates alone (traffic generation excluded). */
  readonly detectorMs: number;
  /** Every key's state at the end of the run (for the cost measurement at a larger key count). */
  readonly keys: readonly KeyState[];
}

export function createKeyStates(scenario: Scenario, config: AnomalyConfig): KeyState[] {
  return scenario.profiles.map((profile) => ({
    profile,
    next: createKeyStream(scenario, profile),
    minutes: [],
    lifecycle: lifecycleOf(profile),
    baseline: createKeyBaseline(profile.keyId, config),
    usedToday: 0,
    creditsThisMonth: 0,
  }));
}

/** The key's quotas and their use so far, as the evaluator would read them. */
function quotasOf(key: KeyState, minute: number): KeyQuotaUsage | undefined {
  const { profile } = key;
  if (profile.requestsPerDay === null && profile.creditsPerMonth === null) {
    return undefined;
  }
  const dayStartMs = Math.floor(minute / MINUTES_PER_DAY) * MINUTES_PER_DAY * MINUTE_MS;
  return {
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
        : { limit: profile.creditsPerMonth, used: key.creditsThisMonth, window: monthOf(minute * MINUTE_MS) },
  };
}

/**
 * One key's minute as the live evaluator handles it: judge the minute that just ended (when `judged`), then
 * fold it into the key's baseline. Returns the findings.
 */
export function evaluateKeyMinute(
  key: KeyState,
  minute: number,
  sources: KeyMinuteSample['sources'],
  judged: boolean,
  config: AnomalyConfig,
): AnomalyFinding[] {
  const window = { keyId: key.profile.keyId, endMinute: minute, minutes: key.minutes, sources };
  const findings = judged
    ? detectKeyAnomalies(
        {
          window,
          baseline: key.baseline,
          quotas: quotasOf(key, minute),
          lifecycle: key.lifecycle,
          nowMs: (minute + 1) * MINUTE_MS,
        },
        config,
      )
    : [];
  key.baseline = updateKeyBaseline(key.baseline, window, config);
  return findings;
}

/** Appends a minute's counts to the key's window (kept at `windowLength` minutes) and its quota use. */
export function recordKeyMinute(key: KeyState, counts: MinuteCounts, windowLength: number): void {
  key.minutes.push(counts);
  if (key.minutes.length > windowLength) {
    key.minutes.shift();
  }
  key.usedToday += counts.billable;
  key.creditsThisMonth += counts.credits;
}

/** Resets daily and monthly quota use at the start of a UTC day or month. */
export function resetQuotaUse(keys: readonly KeyState[], minute: number): void {
  if (minute % MINUTES_PER_DAY === 0) {
    for (const key of keys) {
      key.usedToday = 0;
    }
  }
  if (minute * MINUTE_MS === monthOf(minute * MINUTE_MS).startMs) {
    for (const key of keys) {
      key.creditsThisMonth = 0;
    }
  }
}

/** Which part of the keys one process or thread evaluates: keys whose index is `index` modulo `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * Runs the detectors over the scenario. With a shard, only that shard's keys are evaluated (and the failures
 * of unidentified keys only in shard 0): key streams are independent and source networks are drawn per key,
 * so the shards' findings together are those of one run.
 */
export function runDetectors(
  scenario: Scenario,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
  clock: () => number = () => 0,
  onProgress?: (minutesDone: number, minutes: number) => void,
  shard: Shard = { index: 0, count: 1 },
): DetectorRun {
  const began = clock();
  const windowLength = requiredWindowMinutes(config);
  const keys = createKeyStates(scenario, config).filter(
    (key) => key.profile.index % shard.count === shard.index,
  );
  const unidentified =
    shard.index === 0 ? createUnidentifiedFailureStream(scenario) : () => ({}) as Record<string, number>;
  const networks = new Map<string, NetworkBurstBaseline>();
  const findings: RecordedFinding[] = [];
  const samples: KeyMinuteSample[] = new Array<KeyMinuteSample>(keys.length);
  let keyMinutes = 0;
  let detectorMs = 0;
  for (let minute = scenario.startMinute; minute < scenario.endMinute; minute++) {
    const judged = minute >= scenario.evaluationStartMinute;
    if ((minute - scenario.startMinute) % 60 === 0) {
      onProgress?.(minute - scenario.startMinute, scenario.endMinute - scenario.startMinute);
    }
    resetQuotaUse(keys, minute);
    // Generate first, then time the detectors alone over the whole minute.
    for (let index = 0; index < keys.length; index++) {
      samples[index] = keys[index].next(minute);
    }
    const detectStart = clock();
    const failuresByNetwork = new Map<string, number>(Object.entries(unidentified(minute)));
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index];
      const sample = samples[index];
      keyMinutes += 1;
      recordKeyMinute(key, sample.counts, windowLength);
      for (const network in sample.failuresByNetwork) {
        failuresByNetwork.set(
          network,
          (failuresByNetwork.get(network) ?? 0) + sample.failuresByNetwork[network],
        );
      }
      if (sample.counts.requests === 0 && key.baseline.firstMinute === null) {
        continue;
      }
      for (const finding of evaluateKeyMinute(key, minute, sample.sources, judged, config)) {
        findings.push({
          key: key.profile.keyId,
          network: null,
          kind: finding.kind,
          severity: finding.severity,
          minute,
          summary: finding.summary,
          ...(typeof finding.evidence.quota === 'string' ? { quota: finding.evidence.quota } : {}),
        });
      }
    }
    for (const [network, failures] of failuresByNetwork) {
      const baseline = networks.get(network) ?? createNetworkBurstBaseline(network);
      if (judged) {
        const finding = detectNetworkAuthFailureBurst(baseline, minute, failures, config);
        if (finding !== null) {
          findings.push({
            key: null,
            network,
            kind: finding.kind,
            severity: finding.severity,
            minute,
            summary: finding.summary,
          });
        }
      }
      networks.set(network, updateNetworkBurstBaseline(baseline, minute, failures, config));
    }
    detectorMs += clock() - detectStart;
  }
  return { findings, keyMinutes, elapsedMs: clock() - began, detectorMs, keys };
}
