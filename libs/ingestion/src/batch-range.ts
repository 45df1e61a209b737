/** An inclusive offset range of one partition: the unit that is planned, inserted and committed. */
export interface BatchRange {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
}

/**
 * The `insert_deduplication_token` of a batch. It names only the range, so the same range always gets the
 * same token, whoever inserts it and however often; ClickHouse drops a block whose token it has seen.
 */
export function deduplicationTokenOf(range: BatchRange): string {
  return `${range.topic}/${range.partition}/${range.firstOffset}-${range.lastOffset}`;
}

export function describeRange(range: BatchRange): string {
  return `${range.topic}[${range.partition}] ${range.firstOffset}..${range.lastOffset}`;
}
