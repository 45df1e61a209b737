/** The metered quantities of one customer over a time range, as exact decimal strings. */
export interface UsageQuantities {
  /** Billable calls. */
  requests: string;
  /** Sum of the units (credits) of billable calls. */
  credits: string;
  /** Sum of the response bytes of billable calls. */
  egress_bytes: string;
}

/** The quantities of one API key of a customer. */
export interface KeyUsageQuantities extends UsageQuantities {
  keyId: string;
}

/**
 * The ingestion watermark a set of numbers is valid up to: every event written at or before it is
 * counted, none after it. `offsets` maps each source partition to the first offset NOT included, so a
 * later read "as of" the same cut-off counts exactly the same events, whatever arrived since.
 */
export interface UsageCutoff {
  asOf: Date;
  offsets: Record<string, string>;
}

/** One customer's time range, UTC instants, start inclusive, end exclusive. */
export interface UsageRange {
  customerId: string;
  from: Date;
  to: Date;
}

/**
 * Where invoices read metered usage from. Each event is counted exactly once. Ranges are UTC instants,
 * start inclusive, end exclusive. With `asOf`, only events included in that cut-off are counted (used to
 * re-derive an invoice); without it, everything ingested so far.
 */
export interface UsageSource {
  quantities(
    customerId: string,
    fromInclusive: Date,
    toExclusive: Date,
    asOf?: UsageCutoff,
  ): Promise<UsageQuantities>;
  /**
   * The quantities of many ranges (of many customers) as of one cut-off, in the order of `ranges`: what an
   * invoice run reads, in as few queries as the source can answer them.
   */
  quantitiesMany(ranges: readonly UsageRange[], asOf: UsageCutoff): Promise<UsageQuantities[]>;
  /** Per key, for finance reports; keys without usage in the range may be left out. */
  perKey(
    customerId: string,
    fromInclusive: Date,
    toExclusive: Date,
    asOf?: UsageCutoff,
  ): Promise<KeyUsageQuantities[]>;
  /**
   * Per key for many ranges as of one cut-off, in the order of `ranges` (each range's keys sorted by id, as
   * `perKey` gives them): what a finance report reads, in as few queries as the source can answer them.
   */
  perKeyMany(ranges: readonly UsageRange[], asOf: UsageCutoff): Promise<KeyUsageQuantities[][]>;
  /** The current ingestion watermark. Read it first, then pass it as `asOf` for a consistent snapshot. */
  cutoff(): Promise<UsageCutoff>;
}

export const ZERO_USAGE: Readonly<UsageQuantities> = Object.freeze({
  requests: '0',
  credits: '0',
  egress_bytes: '0',
});

/** The usage source could not answer (not configured, or the analytics store is unreachable). */
export class UsageSourceUnavailableError extends Error {
  override readonly name = 'UsageSourceUnavailableError';
}
