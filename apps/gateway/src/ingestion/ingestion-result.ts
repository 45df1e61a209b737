/** One problem with one event of a batch: its position in the request, the field and why. */
export interface EventError {
  readonly index: number;
  readonly field: string;
  readonly reason: string;
}

/** Body of a successful ingestion response (202). */
export interface IngestionResult {
  /** Events validated and durably accepted (produced to the event log or spooled on disk). */
  readonly accepted: number;
  /** Events of the request that repeated an earlier event of the same request (same id and content). */
  readonly duplicates: number;
  /** Events refused; each has at least one entry in `errors`. */
  readonly rejected: number;
  readonly errors: readonly EventError[];
}
