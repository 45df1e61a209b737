import {
  DEFAULT_ANOMALY_CONFIG,
  NO_SOURCES,
  ZERO_MINUTE,
  createKeyBaseline,
  requiredWindowMinutes,
  sourceNetwork,
  updateKeyBaseline,
  type AnomalyConfig,
  type EpochMinute,
  type KeyBaseline,
  type KeyTrafficWindow,
  type KnownSources,
  type MinuteCounts,
  type MinuteSources,
  type SeenSpan,
} from '@keymeter/domain';
import type {
  KeyMinuteSeries,
  KeyRef,
  KeySourceHistory,
  KeyTrafficSource,
} from '../traffic/key-traffic-source';

/** Keys whose history is read per warm-up query: bounds the rows of one answer. */
const WARMUP_BATCH_KEYS = 200;

/** The dense window of `length` minutes ending at `endMinute` (a silent minute is ZERO_MINUTE). */
export function denseWindow(
  keyId: string,
  minutes: ReadonlyMap<EpochMinute, MinuteCounts>,
  endMinute: EpochMinute,
  length: number,
  sources: MinuteSources = NO_SOURCES,
): KeyTrafficWindow {
  const dense: MinuteCounts[] = [];
  for (let minute = endMinute - length + 1; minute <= endMinute; minute++) {
    dense.push(minutes.get(minute) ?? ZERO_MINUTE);
  }
  return { keyId, endMinute, minutes: dense, sources };
}

/** Client IPs → source networks (a network's span covers every IP of it). */
export function networksOf(clientIps: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const ip in clientIps) {
    const network = safeNetwork(ip);
    if (network !== null) out[network] = (out[network] ?? 0) + clientIps[ip];
  }
  return out;
}

function safeNetwork(ip: string): string | null {
  try {
    return sourceNetwork(ip);
  } catch {
    return null;
  }
}

function knownFrom(
  spans: Readonly<Record<string, readonly [EpochMinute, EpochMinute]>>,
  name: (value: string) => string | null,
  maxKnown: number,
): KnownSources {
  const merged = new Map<string, [number, number]>();
  for (const value in spans) {
    const key = name(value);
    if (key === null) continue;
    const [first, last] = spans[value];
    const current = merged.get(key);
    merged.set(
      key,
      current === undefined ? [first, last] : [Math.min(current[0], first), Math.max(current[1], last)],
    );
  }
  const kept = [...merged].sort((a, b) => b[1][1] - a[1][1]).slice(0, maxKnown);
  return Object.fromEntries(kept.map(([key, span]) => [key, span as SeenSpan]));
}

/**
 * What the detectors remember per key, kept in memory by the evaluator. A key seen for the first time gets a
 * baseline built from its history in ClickHouse (`warmupMinutes`, read in batches of keys): the baseline is a
 * cache of what ClickHouse holds, so a restart rebuilds it rather than losing it.
 */
export class KeyBaselines {
  private readonly baselines = new Map<string, KeyBaseline>();
  private readonly windowLength: number;

  constructor(
    private readonly traffic: KeyTrafficSource,
    private readonly warmupMinutes: number,
    private readonly config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
  ) {
    this.windowLength = requiredWindowMinutes(config);
  }

  get size(): number {
    return this.baselines.size;
  }

  get(keyId: string): KeyBaseline | undefined {
    return this.baselines.get(keyId);
  }

  set(keyId: string, baseline: KeyBaseline): void {
    this.baselines.set(keyId, baseline);
  }

  /** Builds the baselines of the keys not known yet from the history before `beforeMinute`. */
  async warmUp(keys: readonly KeyRef[], beforeMinute: EpochMinute): Promise<number> {
    const missing = keys.filter((key) => !this.baselines.has(key.keyId));
    for (let start = 0; start < missing.length; start += WARMUP_BATCH_KEYS) {
      const batch = missing.slice(start, start + WARMUP_BATCH_KEYS);
      const from = beforeMinute - this.warmupMinutes;
      const to = beforeMinute - 1;
      const [series, sources] =
        this.warmupMinutes > 0
          ? await Promise.all([
              this.traffic.history(batch, from, to),
              this.traffic.sourceHistory(batch, from, to),
            ])
          : [[], new Map<string, KeySourceHistory>()];
      const byKey = new Map(series.map((entry) => [entry.keyId, entry]));
      for (const { keyId } of batch) {
        this.baselines.set(keyId, this.build(keyId, byKey.get(keyId), sources.get(keyId), to));
      }
    }
    return missing.length;
  }

  /**
   * Folds the key's history minute by minute, as the evaluator would have. Stretches without calls longer than
   * the window are skipped, as they are for a key that is not active (the seasonal hours count them as idle).
   */
  private build(
    keyId: string,
    series: KeyMinuteSeries | undefined,
    sources: KeySourceHistory | undefined,
    throughMinute: EpochMinute,
  ): KeyBaseline {
    const maxKnown = this.config.novelty.maxKnown;
    let baseline: KeyBaseline = {
      ...createKeyBaseline(keyId, this.config),
      networks: sources ? knownFrom(sources.clientIps, safeNetwork, maxKnown) : {},
      routes: sources ? knownFrom(sources.routes, (route) => route, maxKnown) : {},
      countries: sources?.countries ? knownFrom(sources.countries, (country) => country, maxKnown) : {},
    };
    if (series === undefined) return baseline;
    const active = [...series.minutes.keys()].sort((a, b) => a - b);
    let foldedThrough = Number.NEGATIVE_INFINITY;
    for (const minute of active) {
      const last = Math.min(minute + this.windowLength - 1, throughMinute);
      for (let current = Math.max(minute, foldedThrough + 1); current <= last; current++) {
        baseline = updateKeyBaseline(
          baseline,
          denseWindow(keyId, series.minutes, current, this.windowLength),
          this.config,
        );
        foldedThrough = current;
      }
    }
    return { ...baseline, recentNew: this.recentNewFrom(baseline) };
  }

  /**
   * The decaying counts of recently first-seen sources, as the folds would have kept them had they seen the
   * sources: each source first seen a day or more after the key's first call (its home is not churn) counts
   * 0.5^(age / half-life) at the baseline's last minute. The folds above carry no sources, so without this a
   * key warmed up after a start would read as stable however often it changes networks.
   */
  private recentNewFrom(baseline: KeyBaseline): KeyBaseline['recentNew'] {
    const { firstMinute, lastMinute } = baseline;
    if (firstMinute === null || lastMinute === null) return baseline.recentNew;
    const { homeMinutes, churnHalfLifeMinutes } = this.config.novelty;
    const weight = (known: KnownSources): number => {
      let total = 0;
      for (const key in known) {
        const first = known[key][0];
        if (first - firstMinute >= homeMinutes && first <= lastMinute) {
          total += Math.pow(0.5, (lastMinute - first) / churnHalfLifeMinutes);
        }
      }
      return total;
    };
    return {
      networks: weight(baseline.networks),
      countries: weight(baseline.countries),
      routes: weight(baseline.routes),
    };
  }
}
