/**
 * Scores detector findings against the labels: recall and detection delay per labelled kind, precision per
 * finding kind. Findings are first merged into alert episodes the way the alert lifecycle will (one open
 * alert per key and kind; a finding within `mergeGapMinutes` of the previous one extends it), because an
 * operator sees alerts, not per-minute findings.
 */
import type { AnomalyKind, AnomalySeverity } from '@keymeter/domain';
import type { RecordedFinding } from './run-detectors';
import { LABEL_KINDS, type AnomalyLabel, type LabelKind } from './traffic-model';

/** The finding kinds that count as detecting a label (recall and delay). */
export const DETECTING_KINDS: Record<LabelKind, readonly AnomalyKind[]> = {
  spike: ['traffic_spike'],
  ramp: ['traffic_spike'],
  drop: ['traffic_drop'],
  credential_stuffing: ['auth_failure_burst'],
  leaked_key: ['new_source_network', 'new_country', 'new_route'],
  quota_burn: ['quota_burn'],
  retired_key_use: ['retired_key_use'],
  upstream_errors: ['error_burst'],
  rate_limit_flood: ['rate_limit_burst'],
};

/**
 * The finding kinds a label explains (precision): its detecting kinds plus the true side effects of the same
 * event, e.g. a leaked key's extra calls raising a traffic spike, or a stale client's 401s an auth burst.
 */
export const EXPLAINED_KINDS: Record<LabelKind, readonly AnomalyKind[]> = {
  spike: ['traffic_spike', 'quota_burn', 'rate_limit_burst', 'error_burst'],
  ramp: ['traffic_spike', 'quota_burn', 'rate_limit_burst', 'error_burst'],
  drop: ['traffic_drop'],
  credential_stuffing: ['auth_failure_burst', 'new_source_network', 'new_country', 'traffic_spike'],
  leaked_key: ['new_source_network', 'new_country', 'new_route', 'traffic_spike', 'quota_burn'],
  quota_burn: ['quota_burn', 'traffic_spike', 'rate_limit_burst', 'error_burst'],
  retired_key_use: ['retired_key_use', 'auth_failure_burst'],
  upstream_errors: ['error_burst'],
  rate_limit_flood: ['rate_limit_burst', 'traffic_spike'],
};

export interface ScoringOptions {
  /** A finding this long after a label ends still belongs to it (the detector's windows trail the event). */
  readonly trailingMinutes: number;
  readonly mergeGapMinutes: number;
  /** Only findings at or above this severity count (novelty findings of low severity are informational). */
  readonly minSeverity: AnomalySeverity;
}

export const DEFAULT_SCORING: ScoringOptions = {
  trailingMinutes: 30,
  mergeGapMinutes: 30,
  minSeverity: 'low',
};

const SEVERITY_RANK: Record<AnomalySeverity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

export interface Episode {
  readonly key: string | null;
  readonly network: string | null;
  readonly kind: AnomalyKind;
  readonly startMinute: number;
  endMinute: number;
  /** The summary of the episode's first finding. */
  readonly summary: string;
  /** For a quota burn, the quota its first finding projected. */
  readonly quota?: string;
}

export function mergeEpisodes(findings: readonly RecordedFinding[], options: ScoringOptions): Episode[] {
  const open = new Map<string, Episode>();
  const episodes: Episode[] = [];
  const sorted = [...findings]
    .filter((finding) => SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[options.minSeverity])
    .sort((a, b) => a.minute - b.minute);
  for (const finding of sorted) {
    const id = `${finding.key ?? ''}|${finding.network ?? ''}|${finding.kind}`;
    const current = open.get(id);
    if (current !== undefined && finding.minute - current.endMinute <= options.mergeGapMinutes) {
      current.endMinute = finding.minute;
      continue;
    }
    const episode: Episode = {
      key: finding.key,
      network: finding.network,
      kind: finding.kind,
      startMinute: finding.minute,
      endMinute: finding.minute,
      summary: finding.summary,
      ...(finding.quota === undefined ? {} : { quota: finding.quota }),
    };
    open.set(id, episode);
    episodes.push(episode);
  }
  return episodes;
}

export interface LabelScore {
  /** A labelled kind, or a subgroup of one (spike size, retirement cause…). */
  readonly kind: string;
  readonly labels: number;
  readonly detected: number;
  readonly recall: number;
  /** Minutes from the anomaly's first minute to the end of the minute whose evaluation reported it. */
  readonly medianDelayMinutes: number | null;
  readonly p90DelayMinutes: number | null;
  readonly maxDelayMinutes: number | null;
}

export interface KindPrecision {
  readonly kind: AnomalyKind;
  readonly episodes: number;
  readonly truePositives: number;
  readonly precision: number;
}

/** A label detected later than the target for its kind. */
export interface SlowDetection {
  readonly label: AnomalyLabel;
  readonly delayMinutes: number;
}

export interface ScoreReport {
  readonly byLabel: LabelScore[];
  readonly byFinding: KindPrecision[];
  readonly missed: AnomalyLabel[];
  /** Spikes and leaks reported after `DELAY_TARGET_MINUTES`, slowest first. */
  readonly slow: SlowDetection[];
  readonly falsePositives: Episode[];
}

/** The detection delay the evaluation is judged by, for the kinds it applies to. */
export const DELAY_TARGET_MINUTES = 2;
const KINDS_WITH_DELAY_TARGET: readonly LabelKind[] = ['spike', 'leaked_key'];

function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) {
    return null;
  }
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

function labelMatches(label: AnomalyLabel, episode: Episode): boolean {
  return episode.key === null
    ? label.network !== null && episode.network === label.network
    : episode.key === label.key;
}

function overlaps(label: AnomalyLabel, episode: Episode, trailing: number): boolean {
  return episode.endMinute >= label.startMinute && episode.startMinute < label.endMinute + trailing;
}

/** Labels whose extra calls consume a key's quotas. */
const QUOTA_CONSUMING: readonly LabelKind[] = ['spike', 'ramp', 'leaked_key', 'quota_burn'];

/**
 * A quota burn reported after a labelled anomaly's extra calls ate into the same quota window (the same UTC
 * day for the daily request quota, the same month for monthly credits): the projection is right, the quota
 * will run out because of the anomaly, even hours after it ended.
 */
function usedUpTheQuota(label: AnomalyLabel, episode: Episode): boolean {
  if (episode.kind !== 'quota_burn' || !QUOTA_CONSUMING.includes(label.kind)) {
    return false;
  }
  if (label.startMinute > episode.endMinute) {
    return false;
  }
  const start = new Date(episode.startMinute * 60_000);
  const windowStartMs =
    episode.quota === 'creditsPerMonth'
      ? Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), 1)
      : Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
  return label.endMinute > windowStartMs / 60_000;
}

export function scoreFindings(
  labels: readonly AnomalyLabel[],
  findings: readonly RecordedFinding[],
  options: ScoringOptions = DEFAULT_SCORING,
): ScoreReport {
  return scoreEpisodes(labels, mergeEpisodes(findings, options), options);
}

/** Scores alert episodes (merged findings, or alerts read back from the alerts table) against the labels. */
export function scoreEpisodes(
  labels: readonly AnomalyLabel[],
  episodes: readonly Episode[],
  options: ScoringOptions = DEFAULT_SCORING,
): ScoreReport {
  const byKey = new Map<string, Episode[]>();
  for (const episode of episodes) {
    const id = episode.key ?? `net:${episode.network ?? ''}`;
    byKey.set(id, [...(byKey.get(id) ?? []), episode]);
  }
  const episodesFor = (label: AnomalyLabel): Episode[] => [
    ...(label.key === null ? [] : (byKey.get(label.key) ?? [])),
    ...(label.network === null ? [] : (byKey.get(`net:${label.network}`) ?? [])),
  ];
  const delays = new Map<string, number[]>();
  const missed: AnomalyLabel[] = [];
  const slow: SlowDetection[] = [];
  const groups = new Map<string, { labels: number; detected: number }>();
  const groupOf = (label: AnomalyLabel): string[] => {
    const extra =
      label.kind === 'spike'
        ? [`spike ×${label.details.factor === 0 ? 'quiet key' : String(label.details.factor)}`]
        : [];
    const cause =
      label.kind === 'retired_key_use' ? [`retired_key_use (${String(label.details.cause)})`] : [];
    const keyless =
      label.kind === 'credential_stuffing'
        ? [label.key === null ? 'credential_stuffing (no key id)' : 'credential_stuffing (on a key)']
        : [];
    return [label.kind, ...extra, ...cause, ...keyless];
  };
  for (const label of labels) {
    const detecting = DETECTING_KINDS[label.kind];
    const firstMinute = episodesFor(label)
      .filter((episode) => detecting.includes(episode.kind) && labelMatches(label, episode))
      .flatMap((episode) =>
        overlaps(label, episode, options.trailingMinutes)
          ? [Math.max(episode.startMinute, label.startMinute)]
          : [],
      )
      .sort((a, b) => a - b)[0];
    const delay = firstMinute === undefined ? undefined : firstMinute - label.startMinute + 1;
    // An episode already open when the label starts: its first finding inside the label counts. The
    // episode start is then before the label; we use the label start as a conservative stand-in.
    for (const group of groupOf(label)) {
      const entry = groups.get(group) ?? { labels: 0, detected: 0 };
      entry.labels += 1;
      if (delay !== undefined) {
        entry.detected += 1;
        delays.set(group, [...(delays.get(group) ?? []), delay]);
      }
      groups.set(group, entry);
    }
    if (delay === undefined) {
      missed.push(label);
    } else if (KINDS_WITH_DELAY_TARGET.includes(label.kind) && delay > DELAY_TARGET_MINUTES) {
      slow.push({ label, delayMinutes: delay });
    }
  }
  slow.sort((a, b) => b.delayMinutes - a.delayMinutes);
  const order = (name: string): number => {
    const base = LABEL_KINDS.findIndex((kind) => name.startsWith(kind));
    return base * 100 + (name.includes('(') || name.includes('×') ? 1 : 0);
  };
  const byLabel = [...groups.entries()]
    .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b, 'en', { numeric: true }))
    .map(([kind, entry]) => {
      const sorted = (delays.get(kind) ?? []).sort((a, b) => a - b);
      return {
        kind,
        labels: entry.labels,
        detected: entry.detected,
        recall: entry.labels === 0 ? 1 : entry.detected / entry.labels,
        medianDelayMinutes: quantile(sorted, 0.5),
        p90DelayMinutes: quantile(sorted, 0.9),
        maxDelayMinutes: quantile(sorted, 1),
      };
    });
  const falsePositives: Episode[] = [];
  const precision = new Map<AnomalyKind, { episodes: number; truePositives: number }>();
  for (const episode of episodes) {
    const candidates =
      episode.key === null
        ? labels.filter((label) => label.network === episode.network)
        : labels.filter((label) => label.key === episode.key);
    const explained = candidates.some(
      (label) =>
        labelMatches(label, episode) &&
        ((EXPLAINED_KINDS[label.kind].includes(episode.kind) &&
          overlaps(label, episode, options.trailingMinutes)) ||
          usedUpTheQuota(label, episode)),
    );
    const entry = precision.get(episode.kind) ?? { episodes: 0, truePositives: 0 };
    entry.episodes += 1;
    entry.truePositives += explained ? 1 : 0;
    precision.set(episode.kind, entry);
    if (!explained) {
      falsePositives.push(episode);
    }
  }
  const byFinding = [...precision.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, entry]) => ({
      kind,
      ...entry,
      precision: entry.episodes === 0 ? 1 : entry.truePositives / entry.episodes,
    }));
  return { byLabel, byFinding, missed, slow, falsePositives };
}
