import { Partitioners } from 'kafkajs';
import { partitionForKey } from '../src/embedded/murmur2-partitioner';

describe('embedded log partitioner', () => {
  const kafkaDefault = Partitioners.DefaultPartitioner();
  const kafkaPartition = (key: string, partitions: number): number =>
    kafkaDefault({
      topic: 'any',
      partitionMetadata: Array.from({ length: partitions }, (_, partitionId) => ({
        partitionId,
        leader: 0,
        replicas: [0],
        isr: [0],
        partitionErrorCode: 0,
      })),
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
});
