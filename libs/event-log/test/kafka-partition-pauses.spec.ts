import { PartitionPauses } from '../src/kafka/partition-pauses';

describe('PartitionPauses (pause state of the Kafka consumer)', () => {
  it('pauses single partitions and resumes them', () => {
    const pauses = new PartitionPauses();
    pauses.pause('a', [1]);
    expect([pauses.isPaused('a', 0), pauses.isPaused('a', 1)]).toEqual([false, true]);
    pauses.resume('a', [1]);
    expect(pauses.isPaused('a', 1)).toBe(false);
  });

  it('pauses a whole topic, including partitions it does not know yet, and leaves other topics alone', () => {
    const pauses = new PartitionPauses();
    pauses.pause('a');
    expect([pauses.isPaused('a', 0), pauses.isPaused('a', 99), pauses.isPaused('ab', 0)]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('resumes one partition of a paused topic while the rest stays paused', () => {
    const pauses = new PartitionPauses();
    pauses.pause('a');
    pauses.resume('a', [2]);
    expect([pauses.isPaused('a', 1), pauses.isPaused('a', 2)]).toEqual([true, false]);
    pauses.pause('a', [2]);
    expect(pauses.isPaused('a', 2)).toBe(true);
  });

  it('resuming a topic clears its partition pauses too', () => {
    const pauses = new PartitionPauses();
    pauses.pause('a', [0]);
    pauses.pause('a');
    pauses.resume('a');
    expect([pauses.isPaused('a', 0), pauses.isPaused('a', 1)]).toEqual([false, false]);
  });
});
