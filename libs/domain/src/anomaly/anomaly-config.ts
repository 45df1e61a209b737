import { MINUTES_PER_DAY } from './types';

/** Traffic spike, slow ramp and drop against the key's own seasonal baseline (see docs/anomaly-detection.md). */
export interface TrafficDetectorConfig {
  /** Past weeks an hour of week needs before the key's traffic is judged against it. */
  readonly minHistoryWeeks: number;
  /** Spread never below this share of the expectation: a level that moved 10 % is not a surprise. */
  readonly relativeSpreadFloor: number;
  /** One-minute check: fast, for sudden spikes. */
  readonly spike: {
    /** Absolute floors: below them nothing is a spike, whatever the ratio (a quiet key going 0 → 3 calls). */
    readonly minCalls: number;
    readonly minExcess: number;
    readonly minRatio: number;
    readonly minZ: number;
    /**
     * And above this multiple of the largest minute seen around this hour of week in the past weeks: keys
     * whose clients send batches have heavy-tailed minutes that a z-score alone would flag.
     */
    readonly minPeakRatio: number;
    /**
     * And (observed − expected) / √max(expected, 1) at least this multiple of the key's burstiness (see
     * `SeasonalExpectation.burstiness`): a batch the size this key often sends is not a spike.
     */
    readonly minBurstinessMultiple: number;
    /**
     * And at least this many of the key's usual batches (`SeasonalExpectation.dispersion` calls each): for a
     * client that sends 20 calls at once, two batches landing in the same minute are chance, not a spike.
     */
    readonly minBatches: number;
    /**
     * The same check over the sum of the newest `persistentMinutes` minutes, with these two thresholds in place
     * of `minRatio` and `minPeakRatio` (the latter for each minute): a minute above anything seen around this
     * hour in past weeks is rare, several in a row are not chance (a busy key's 3× spike at its daily peak).
     */
    readonly persistentMinutes: number;
    readonly persistentMinRatio: number;
    readonly persistentMinPeakRatio: number;
    /**
     * And each minute above that past peak by at least this many of its counting deviations
     * (√(peak × dispersion)): a quiet key's daily cron of about 20 calls a minute beats the few runs of it seen
     * in the past weeks by a few calls now and then, which is not a spike.
     */
    readonly persistentPeakMarginZ: number;
    /**
     * "The largest minute seen around this hour" in both checks above leaves out the peaks of a job that recurs
     * at the same time of day unless the judged minute is at most this many minutes after such a peak, or before
     * it by no more than its runs started (`pastPeakNear`, `RUN_LEAD_MINUTES`): a daily cron's runs count only
     * near the time it runs (1–60).
     */
    readonly peakNearMinutes: number;
    /**
     * The same check over the sum of the newest 2, 5 and 10 minutes (`windowed`; a structural setting, not
     * overridable: the baseline keeps each window's busiest sum per hour), counted in the key's usual batches:
     * two minutes beyond the key's busiest two, which the minute checks miss while each is within its busiest
     * minute; a batch client's sustained rise that no minute or two show. Each window needs the sum at least
     * `windowMinRatio` × its expectation, `minExcess` calls a minute above it and `minZ` level spreads…
     */
    readonly windowsMinutes: readonly number[];
    readonly windowMinRatio: number;
    /** …at least as improbable as this under Poisson(expectation in batches) (upper tail, per window test)… */
    readonly windowFalseAlarmProbability: number;
    /**
     * …and above the largest sum over as many minutes around this hour in past weeks by this many of its counting
     * deviations (√(peak × dispersion)): a cron's run or a batch client's busiest minutes repeating is not a spike.
     */
    readonly windowPeakMarginZ: number;
  };
  /** Check over the last `minutes` minutes: catches slow ramps and moderate sustained rises. */
  readonly sustained: {
    readonly minutes: number;
    readonly minExcessPerMinute: number;
    readonly minRatio: number;
    readonly minZ: number;
    /** And above this multiple of the largest such sum seen around this hour in the past weeks. */
    readonly minPeakRatio: number;
  };
  readonly drop: {
    readonly minutes: number;
    /** Only keys expected to make at least this many calls per minute can drop noticeably. */
    readonly minExpectedPerMinute: number;
    /** Fires when observed ≤ expected × maxRatio… */
    readonly maxRatio: number;
    /** …and observed × this ≤ the smallest such sum seen around this hour in the past weeks. */
    readonly minLowRatio: number;
    readonly minZ: number;
  };
  /**
   * Drop of a key below `drop.minExpectedPerMinute` or sending batches (traffic-drop-detector.ts): its count,
   * in batches, against the sum of its quietest half hours of past weeks, with a Poisson lower tail.
   */
  readonly lowRateDrop: {
    /** Windows tested every minute (minutes, ascending, multiples of `sustained.minutes`, at most 150). */
    readonly windowsMinutes: readonly number[];
    /** Nothing is judged unless the past low and the expectation over the window reach this many calls. */
    readonly minPastLow: number;
    /** Observed at most this share of the past low (and at most `drop.maxRatio` of the expectation)… */
    readonly maxLowRatio: number;
    /** …and at least as improbable as this under Poisson(past low in batches) (lower tail, per window test). */
    readonly falseAlarmProbability: number;
  };
}

/**
 * Bursts of auth failures (401/403), 429s or 5xx for a key or a source network. For a key the background is
 * a share of its other calls (failures grow with traffic, so a busy batch minute is not a burst); for a
 * network, a rate per minute.
 */
export interface BurstDetectorConfig {
  /** EWMA weight of one minute in the background rate (1/1440: about a day of memory). */
  readonly alpha: number;
  /** Background rate never assumed below this many per minute. */
  readonly floorPerMinute: number;
  /** Absolute floor: fewer failures in a minute are never a burst. */
  readonly minCount: number;
  /** The floor for a source network, which carries many clients (and scanners) at once. */
  readonly networkMinCount: number;
  /** And at least this multiple of the background rate… */
  readonly minRatio: number;
  /** …and this many Poisson standard deviations above it. */
  readonly minZ: number;
  /** Upstream 5xx for a key: their own test (the fields above apply to 401/403 and 429). */
  readonly errors: ErrorBurstConfig;
}

/**
 * Upstream 5xx bursts for a key: errors over a short sliding window against the key's own error share, with a
 * fixed false-alarm probability per window test (see docs/anomaly-detection.md for the reasoning).
 */
export interface ErrorBurstConfig {
  /** Windows (minutes, ascending, at most `requiredWindowMinutes`) tested every minute; the shortest firing wins. */
  readonly windowsMinutes: readonly number[];
  /** Fewer errors than this in a window are never a burst. */
  readonly minCount: number;
  /** The key's usual share of 5xx per call is never assumed below this. */
  readonly floorShare: number;
  /** Errors must be at least this share of the window's calls… */
  readonly minShare: number;
  /** …and at least this multiple of the key's usual share… */
  readonly minShareRatio: number;
  /** …and at least as improbable as this under Poisson(usual share × calls) (upper tail, per window test). */
  readonly falseAlarmProbability: number;
}

/** New source networks, countries and routes. */
export interface NoveltyDetectorConfig {
  /** A key's first this-many minutes only learn: new keys do not alert on everything. */
  readonly learningMinutes: number;
  /** Sources first seen in this many minutes after the key's first call are its home, not churn. */
  readonly homeMinutes: number;
  /** Calls from a new source in one minute needed to report it. */
  readonly minCalls: number;
  /** Half-life of the count of recently seen new sources (the key's own churn). */
  readonly churnHalfLifeMinutes: number;
  /** A key with at least this many recent new networks is "churny": its new networks are low severity. */
  readonly churnyAt: number;
  /** New networks first seen within this many minutes of each other count as "several new networks". */
  readonly multipleWithinMinutes: number;
  /**
   * Calls from a new network count as added to the key's usual traffic when the minute's total exceeds the
   * seasonal expectation by this many spreads and the new network carries at least that excess.
   */
  readonly additionZ: number;
  /**
   * A burst of calls carried by the new networks (new-network-burst.ts) is a sign of a leak, on a churny key too:
   * the key's calls over the newest 1 … `burstMinutes` minutes (each window tested; a structural setting, not
   * overridable)…
   */
  readonly burstMinutes: number;
  /** …at least this many calls in the window… */
  readonly burstMinCalls: number;
  /** …and at least as improbable as this under Poisson(the key's expectation, in batches) (per window test). */
  readonly burstFalseAlarmProbability: number;
  /**
   * Calls on routes the key never used, in one minute, that count by themselves as a sign of someone else (for
   * `new_route` from a new network and for `new_source_network`); fewer, on a single new route, need another sign
   * (a new country, several new networks, calls on top of the usual traffic, a carried spike or burst, refused
   * calls) or a later minute of the episode that reaches it. One call is what an owner's client trying a route
   * makes; a stranger exploring a key makes several, or tries several routes.
   */
  readonly newRouteMinCalls: number;
  /** Known sources kept per key (least recently seen forgotten first). */
  readonly maxKnown: number;
}

export interface QuotaBurnDetectorConfig {
  /** The current rate is measured over this many recent minutes… */
  readonly rateMinutes: number;
  /**
   * …split into this many equal parts, each of which must carry it (the rate is the quietest part's): a batch
   * shorter than a part, such as a key's daily cron job, cannot raise them all, wherever it falls.
   */
  readonly rateParts: number;
  /** The rate is taken at `calls − z·√calls` (its lower Poisson bound), so a few calls project no burn. */
  readonly rateLowerBoundZ: number;
  /** The rate is deseasonalised by expected-now vs weekly-average, clamped to this range. */
  readonly minSeasonalFactor: number;
  readonly maxSeasonalFactor: number;
  /** Projected exhaustion earlier than this many minutes before the window ends is reported. */
  readonly minLeadMinutes: number;
  /** Not before this share of the quota is used (projections from a few calls are noise). */
  readonly minUsedFraction: number;
}

export interface RetiredKeyDetectorConfig {
  /**
   * Rejected calls are counted over each of these recent windows (minutes, ascending, at most
   * `requiredWindowMinutes`; only minutes after the retirement count); the shortest window that fires is reported.
   */
  readonly windowsMinutes: readonly number[];
  /** At least this many rejected calls carrying the key id after the grace period or revocation. */
  readonly minAttempts: number;
  /** For a rotated key, also this many Poisson standard deviations above its usual 401 count… */
  readonly minZ: number;
  /** …and at least as improbable as this under Poisson(usual 401 share × the window's calls) (upper tail). */
  readonly falseAlarmProbability: number;
  /** The key's usual share of 401s per authenticated call is never assumed below this. */
  readonly floorShare: number;
  /** Watched for this long after the grace period ended or the key was revoked. */
  readonly horizonMinutes: number;
}

export interface AnomalyConfig {
  /** Weeks of history kept per hour of week. */
  readonly seasonWeeks: number;
  readonly traffic: TrafficDetectorConfig;
  readonly bursts: BurstDetectorConfig;
  readonly novelty: NoveltyDetectorConfig;
  readonly quotaBurn: QuotaBurnDetectorConfig;
  readonly retiredKey: RetiredKeyDetectorConfig;
}

/** Defaults; docs/anomaly-detection.md gives the reasoning for each and the evaluation that tuned them. */
export const DEFAULT_ANOMALY_CONFIG: AnomalyConfig = {
  seasonWeeks: 4,
  traffic: {
    minHistoryWeeks: 1,
    relativeSpreadFloor: 0.1,
    spike: {
      minCalls: 20,
      minExcess: 15,
      minRatio: 2.5,
      minZ: 6,
      minPeakRatio: 1.5,
      minBurstinessMultiple: 2,
      minBatches: 3,
      persistentMinutes: 2,
      persistentMinRatio: 2,
      persistentMinPeakRatio: 1,
      persistentPeakMarginZ: 1,
      peakNearMinutes: 15,
      windowsMinutes: [2, 5, 10],
      windowMinRatio: 2,
      windowFalseAlarmProbability: 1e-7,
      windowPeakMarginZ: 1,
    },
    sustained: { minutes: 30, minExcessPerMinute: 5, minRatio: 1.8, minZ: 6, minPeakRatio: 1.3 },
    drop: { minutes: 30, minExpectedPerMinute: 10, maxRatio: 0.25, minZ: 6, minLowRatio: 1.5 },
    lowRateDrop: {
      windowsMinutes: [30, 60, 120],
      minPastLow: 30,
      maxLowRatio: 0.25,
      falseAlarmProbability: 1e-7,
    },
  },
  bursts: {
    alpha: 1 / MINUTES_PER_DAY,
    floorPerMinute: 0.2,
    minCount: 10,
    networkMinCount: 20,
    minRatio: 5,
    minZ: 5,
    errors: {
      windowsMinutes: [1, 5, 10],
      minCount: 3,
      floorShare: 0.001,
      minShare: 0.05,
      minShareRatio: 5,
      falseAlarmProbability: 1e-7,
    },
  },
  novelty: {
    learningMinutes: 7 * MINUTES_PER_DAY,
    homeMinutes: MINUTES_PER_DAY,
    minCalls: 1,
    churnHalfLifeMinutes: 7 * MINUTES_PER_DAY,
    churnyAt: 1.5,
    multipleWithinMinutes: 60,
    additionZ: 4,
    burstMinutes: 2,
    burstMinCalls: 8,
    burstFalseAlarmProbability: 1e-7,
    newRouteMinCalls: 2,
    maxKnown: 256,
  },
  quotaBurn: {
    rateMinutes: 30,
    rateParts: 3,
    rateLowerBoundZ: 3,
    minSeasonalFactor: 0.1,
    maxSeasonalFactor: 1,
    minLeadMinutes: 10,
    minUsedFraction: 0.02,
  },
  retiredKey: {
    windowsMinutes: [10, 30],
    minAttempts: 3,
    minZ: 5,
    falseAlarmProbability: 1e-7,
    floorShare: 0.001,
    horizonMinutes: 30 * MINUTES_PER_DAY,
  },
};

/** Minutes of history a `KeyTrafficWindow` must hold for these settings. */
export function requiredWindowMinutes(config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG): number {
  return Math.max(
    config.traffic.spike.persistentMinutes,
    ...config.traffic.spike.windowsMinutes,
    config.traffic.sustained.minutes,
    config.traffic.drop.minutes,
    // A key is read while a call lies in the look-back window: one half hour beyond the longest drop window, so a
    // key that went silent is still judged for half an hour after that window holds no call.
    Math.max(0, ...config.traffic.lowRateDrop.windowsMinutes) + config.traffic.sustained.minutes,
    config.quotaBurn.rateMinutes,
    ...config.retiredKey.windowsMinutes,
    ...config.bursts.errors.windowsMinutes,
  );
}
