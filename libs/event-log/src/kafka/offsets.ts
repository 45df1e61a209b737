/** Kafka offsets travel as decimal strings; comparisons use bigint so no precision is lost. */
export function parseOffset(value: unknown, field: string): bigint {
  if (typeof value !== 'string' || !/^(0|[1-9]\d*)$/.test(value)) {
    throw new TypeError(
      `${field} must be a non-negative decimal offset string (got ${JSON.stringify(value)})`,
    );
  }
  return BigInt(value);
}

export function requireTopicName(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`${field} must be a non-empty topic name`);
  }
  return value;
}

export function requirePartition(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new TypeError(`${field} must be a non-negative integer partition (got ${String(value)})`);
  }
  return value;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export function byPartition<T extends { readonly partition: number }>(a: T, b: T): number {
  return a.partition - b.partition;
}

/** Runtime check for callers outside TypeScript; deliberately not a type guard (keeps element types). */
export function isList(value: unknown): boolean {
  return Array.isArray(value);
}
