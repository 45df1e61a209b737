import fc from 'fast-check';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { keyedMurmur2Partitioner } from '../src/kafka/keyed-partitioner';
import { partitionForKey } from '../src/murmur2-partitioner';

const partitionMetadata = (partitions: number): PartitionMetadata[] =>
  Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));

describe('murmur2 partitioner (embedded log and Kafka producer)', () => {
  const kafkaDefault = Partitioners.DefaultPartitioner();
  const kafkaPartition = (key: string | Buffer, partitions: number): number =>
    kafkaDefault({
      topic: 'any',
      partitionMetadata: partitionMetadata(partitions),
      message: { key, value: null },
    });

  it("puts every key on the partition Kafka's default partitioner picks", () => {
    const keys = [
      '',
      'a',
      'ab',
      'abc',
      'abcd',
      'key_01HZX3J9QW',
      'héllo ✓',
      ...Array.from({ length: 500 }, (_, index) => `key-${index * 7919}`),
    ];
    for (const partitions of [1, 2, 3, 6, 7, 64]) {
      for (const key of keys) {
        expect({ key, partitions, partition: partitionForKey(key, partitions) }).toEqual({
          key,
          partitions,
          partition: kafkaPartition(key, partitions),
        });
      }
    }
  });

  it('spreads keys over every partition', () => {
    const counts = new Array<number>(6).fill(0);
    for (let index = 0; index < 6000; index += 1) counts[partitionForKey(`customer-${index}`, 6)] += 1;
    for (const count of counts) expect(count).toBeGreaterThan(700);
  });

  it("gives kafkajs producers the default partitioner's partition for any key, string or bytes", () => {
    const keyed = keyedMurmur2Partitioner();
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 64 }), fc.uint8Array({ maxLength: 64 })),
        fc.integer({ min: 1, max: 200 }),
        (rawKey, partitions) => {
          const key = typeof rawKey === 'string' ? rawKey : Buffer.from(rawKey);
          const partition = keyed({
            topic: 'any',
            partitionMetadata: partitionMetadata(partitions),
            message: { key, value: null },
          });
          expect(partition).toBe(kafkaPartition(key, partitions));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('keeps an explicit partition and spreads keyless messages like the default', () => {
    const keyed = keyedMurmur2Partitioner();
    const metadata = partitionMetadata(4);
    expect(
      keyed({ topic: 'any', partitionMetadata: metadata, message: { key: 'k', value: null, partition: 3 } }),
    ).toBe(3);
    const keyless = new Set<number>();
    for (let index = 0; index < 40; index += 1) {
      keyless.add(keyed({ topic: 'any', partitionMetadata: metadata, message: { value: 'v' } }));
    }
    expect([...keyless].sort()).toEqual([0, 1, 2, 3]);
  });
});
