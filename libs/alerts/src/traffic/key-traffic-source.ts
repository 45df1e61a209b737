import type { EpochMinute, MinuteCounts, SourceCounts } from '@keymeter/domain';

/** One key's counts per minute (only minutes with calls are present). */
export interface KeyMinuteSeries {
  readonly keyId: string;
  readonly customerId: string;
  readonly minutes: ReadonlyMap<EpochMinute, MinuteCounts>;
  /**
   * Set when the series was read with calls only before this minute (`activeKeys` with `countsFrom`): the
   * minutes before it carry their `requests` (every call), every other counter reads 0. Absent: every minute
   * carries all its counts.
   */
  readonly countsFrom?: EpochMinute;
}

/** Calls per client IP, per route and per country (calls whose country is known) of a key in one minute. */
export interface KeyMinuteSources {
  readonly clientIps: SourceCounts;
  readonly routes: SourceCounts;
  /** Absent: the source knows no countries (then `new_country` is not evaluated). */
  readonly countries?: SourceCounts;
}

/** When a key first and last used a client IP, route or country (epoch minutes) over a stretch of history. */
export interface KeySourceHistory {
  readonly clientIps: Readonly<Record<string, readonly [EpochMinute, EpochMinute]>>;
  readonly routes: Readonly<Record<string, readonly [EpochMinute, EpochMinute]>>;
  readonly countries?: Readonly<Record<string, readonly [EpochMinute, EpochMinute]>>;
}

/** A key and its customer: the usage tables are sorted by customer, then key. */
export interface KeyRef {
  readonly keyId: string;
  readonly customerId: string;
}

/** A key's quota windows: usage is counted from each start (epoch ms, a minute boundary) through a minute. */
export interface KeyQuotaWindows {
  readonly keyId: string;
  readonly dayStartMs: number;
  readonly monthStartMs: number;
}

/** Billable calls since the day's start and credits since the month's start. */
export interface KeyQuotaUse {
  readonly requestsToday: number;
  readonly creditsThisMonth: number;
}

/**
 * The port the anomaly evaluator reads per-key traffic through (ClickHouse in production). Every method
 * answers many keys with one or a few grouped queries, never one query per key. Minute ranges include both
 * ends.
 */
export interface KeyTrafficSource {
  /**
   * The per-minute series of every key with at least one call in the range. With `countsFrom` (inside the
   * range), the minutes before it come with their calls only (`requests`; see `KeyMinuteSeries.countsFrom`),
   * the minutes from it with all their counts: what the evaluator's look-back needs every minute, as the
   * detectors read more than calls only over its newest minutes.
   */
  activeKeys(
    fromMinute: EpochMinute,
    toMinute: EpochMinute,
    countsFrom?: EpochMinute,
  ): Promise<KeyMinuteSeries[]>;
  /** Client IPs and routes of the given minute, per key. */
  minuteSources(minute: EpochMinute): Promise<Map<string, KeyMinuteSources>>;
  /** The per-minute series of the given keys over the range (history for a new baseline). */
  history(
    keys: readonly KeyRef[],
    fromMinute: EpochMinute,
    toMinute: EpochMinute,
  ): Promise<KeyMinuteSeries[]>;
  /** Quota use of many keys, each from its own window starts, through `throughMinute` (included). */
  quotaUse(keys: readonly KeyQuotaWindows[], throughMinute: EpochMinute): Promise<Map<string, KeyQuotaUse>>;
  /**
   * Rejected authentications (401/403 of the gateway) per client IP in the given minute, across keys and
   * including calls whose key is unknown: the input of the per-network auth-failure burst.
   */
  authFailuresByIp(minute: EpochMinute): Promise<Record<string, number>>;
  /**
   * `minuteSources` of every minute of the range, read at once (catching up a range of minutes): the same
   * counts, per minute and key. Minutes without calls are absent.
   */
  sourcesOverRange(
    fromMinute: EpochMinute,
    toMinute: EpochMinute,
  ): Promise<Map<EpochMinute, Map<string, KeyMinuteSources>>>;
  /** `authFailuresByIp` of every minute of the range, read at once. Minutes without failures are absent. */
  authFailuresOverRange(
    fromMinute: EpochMinute,
    toMinute: EpochMinute,
  ): Promise<Map<EpochMinute, Record<string, number>>>;
  /** The client IPs and routes the given keys used over the range, with first and last minute. */
  sourceHistory(
    keys: readonly KeyRef[],
    fromMinute: EpochMinute,
    toMinute: EpochMinute,
  ): Promise<Map<string, KeySourceHistory>>;
}
