/**
 * Where `lastUsedAt` of API keys comes from. The gateway's usage events are the record of use, so the
 * answer belongs to the analytics store (ClickHouse), not to a per-request write in Postgres. Until that
 * source is wired in, every key reports null.
 */
export interface LastUsedAtSource {
  /** Last use per key id; keys never seen are absent. */
  lastUsedAt(keyIds: readonly string[]): Promise<ReadonlyMap<string, Date>>;
}

export const NO_LAST_USED_AT: LastUsedAtSource = {
  lastUsedAt: async () => new Map(),
};
