/** Minutes since the Unix epoch (UTC): `Math.floor(epochMs / 60_000)`. */
export type EpochMinute = number;

export const MINUTE_MS = 60_000;
export const MINUTES_PER_HOUR = 60;
export const MINUTES_PER_DAY = 1_440;
export const MINUTES_PER_WEEK = 10_080;

/** What one key (or one source network) did in one minute, as the minute rollups count it. */
export interface MinuteCounts {
  /** Every call that carried the key, whatever its outcome. */
  readonly requests: number;
  /** Billable calls (forwarded, upstream status < 500): what request quotas and meters count. */
  readonly billable: number;
  /** Calls the upstream answered with a 5xx. */
  readonly serverErrors: number;
  /** `rejected_auth` calls carrying the key id (401: wrong, revoked, expired or retired secret). */
  readonly authRejected: number;
  /** `rejected_scope` calls (403: the key may not call that route or method). */
  readonly scopeRejected: number;
  /** `rate_limited` calls (429). */
  readonly rateLimited: number;
  /** Credits (units) of billable calls, as a number: detectors project, they never bill. */
  readonly credits: number;
}

export const ZERO_MINUTE: MinuteCounts = Object.freeze({
  requests: 0,
  billable: 0,
  serverErrors: 0,
  authRejected: 0,
  scopeRejected: 0,
  rateLimited: 0,
  credits: 0,
});

/** Calls per source network, country or route in one minute. */
export type SourceCounts = Readonly<Record<string, number>>;

/**
 * The recent traffic of one key, as the detectors read it every minute. `minutes` is dense: one entry per
 * minute, oldest first, the last one being `endMinute` (the minute just completed and under evaluation);
 * a minute without traffic is `ZERO_MINUTE`. Thirty minutes of history are enough for the default detectors
 * (`requiredWindowMinutes`). `sources` describes only the newest minute.
 */
export interface KeyTrafficWindow {
  readonly keyId: string;
  readonly endMinute: EpochMinute;
  readonly minutes: readonly MinuteCounts[];
  readonly sources: MinuteSources;
}

/** Where the newest minute's calls came from and what they called. */
export interface MinuteSources {
  /** Calls per source network, as `sourceNetwork(ip)` names it (`203.0.113.0/24`, `2001:db8:1::/48`). */
  readonly networks: SourceCounts;
  /** Calls per ISO 3166-1 alpha-2 country (only calls whose country is known). */
  readonly countries: SourceCounts;
  /** Calls per route template. */
  readonly routes: SourceCounts;
}

export const NO_SOURCES: MinuteSources = Object.freeze({
  networks: Object.freeze({}),
  countries: Object.freeze({}),
  routes: Object.freeze({}),
});

export type AnomalySeverity = 'low' | 'medium' | 'high' | 'critical';

export const ANOMALY_SEVERITIES: readonly AnomalySeverity[] = ['low', 'medium', 'high', 'critical'];

export const ANOMALY_KINDS = [
  'traffic_spike',
  'traffic_drop',
  'auth_failure_burst',
  'rate_limit_burst',
  'error_burst',
  'new_source_network',
  'new_country',
  'new_route',
  'quota_burn',
  'retired_key_use',
] as const;

export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/** The minutes a finding looked at: `[startMinute, endMinute]`, both included. */
export interface EvidenceWindow {
  readonly startMinute: EpochMinute;
  readonly endMinute: EpochMinute;
}

/**
 * The numbers behind a finding. `observed` and `expected` are in the unit the detector compares (calls per
 * minute, calls in the window, minutes until exhaustion…, named in the finding's summary); further numeric or
 * string fields add context (ratio, z-score, the network, the projected exhaustion time…).
 */
export interface FindingEvidence {
  readonly observed: number;
  readonly expected: number;
  readonly window: EvidenceWindow;
  readonly [detail: string]: number | string | EvidenceWindow;
}

export interface AnomalyFinding {
  readonly kind: AnomalyKind;
  readonly severity: AnomalySeverity;
  readonly evidence: FindingEvidence;
  /** One sentence for people, with the key numbers. */
  readonly summary: string;
}

/** The severity at `index` of the scale, clamped to it. */
export function severityAt(index: number): AnomalySeverity {
  const clamped = Math.max(0, Math.min(ANOMALY_SEVERITIES.length - 1, Math.floor(index)));
  return ANOMALY_SEVERITIES[clamped];
}

/** Evidence window of the `length` minutes ending at `endMinute`. */
export function windowEnding(endMinute: EpochMinute, length: number): EvidenceWindow {
  return { startMinute: endMinute - Math.max(1, length) + 1, endMinute };
}
