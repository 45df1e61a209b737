/**
 * Keyed partitioning: murmur2 of the key's UTF-8 bytes, made non-negative, modulo the partition count.
 * This is the hash of Kafka's default partitioner (Java client and kafkajs alike), so a key lands on the
 * same partition number in the embedded log as in Kafka for the same partition count.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** 32-bit murmur2 (signed result), as used by Kafka. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length - (length % 4);
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length % 4;
  if (tail === 3) h ^= data[whole + 2] << 16;
  if (tail >= 2) h ^= data[whole + 1] << 8;
  if (tail >= 1) {
    h ^= data[whole];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}
