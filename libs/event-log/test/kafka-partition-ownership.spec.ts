import { PartitionOwnership } from '../src/kafka/partition-ownership';

describe('PartitionOwnership (commit checks of the Kafka consumer)', () => {
  const topic = 'usage-events';

  function owningPartition0(): PartitionOwnership {
    const ownership = new PartitionOwnership();
    ownership.assigned('member-1', { [topic]: [0, 1] });
    return ownership;
  }

  it('accepts commits between where ownership began and the record after the last delivered one', () => {
    const ownership = owningPartition0();
    ownership.delivered(topic, 0, 10n, 19n);
    expect(ownership.commitRefusal(topic, 0, 10n)).toBeUndefined();
    expect(ownership.commitRefusal(topic, 0, 15n)).toBeUndefined();
    expect(ownership.commitRefusal(topic, 0, 20n)).toBeUndefined();
  });

  it('refuses offsets past the last delivered record and before the ownership began', () => {
    const ownership = owningPartition0();
    ownership.delivered(topic, 0, 10n, 19n);
    expect(ownership.commitRefusal(topic, 0, 21n)).toMatch(
      /past the last delivered record \(next offset 20\)/,
    );
    expect(ownership.commitRefusal(topic, 0, 9n)).toMatch(/before 10, where this consumer's ownership began/);
  });

  it('refuses a partition with nothing delivered yet and one that is not assigned', () => {
    const ownership = owningPartition0();
    expect(ownership.commitRefusal(topic, 1, 0n)).toMatch(/nothing was delivered from usage-events\[1\]/);
    expect(ownership.commitRefusal(topic, 2, 0n)).toMatch(/usage-events\[2\] is not assigned/);
  });

  it('keeps what a partition delivered across a rejoin of the same member that keeps it', () => {
    const ownership = owningPartition0();
    ownership.delivered(topic, 0, 0n, 9n);
    ownership.delivered(topic, 1, 0n, 9n);
    ownership.assigned('member-1', { [topic]: [0] });
    expect(ownership.commitRefusal(topic, 0, 10n)).toBeUndefined();
    expect(ownership.commitRefusal(topic, 1, 10n)).toMatch(/not assigned/);
  });

  it('starts over when the member id changes (evicted: another member may have owned the partition meanwhile)', () => {
    const ownership = owningPartition0();
    ownership.delivered(topic, 0, 0n, 9n);
    ownership.assigned('member-2', { [topic]: [0, 1] });
    expect(ownership.commitRefusal(topic, 0, 10n)).toMatch(/nothing was delivered/);
  });

  it('owns nothing after the member left the group', () => {
    const ownership = owningPartition0();
    ownership.delivered(topic, 0, 0n, 9n);
    ownership.lost();
    expect(ownership.owns(topic, 0)).toBe(false);
    expect(ownership.commitRefusal(topic, 0, 10n)).toMatch(/not assigned/);
  });

  it('redelivers from the last commit of the ownership, or from where it began', () => {
    const ownership = owningPartition0();
    ownership.delivered(topic, 0, 5n, 9n);
    expect(ownership.redeliveryOffset(topic, 0)).toBe(5n);
    ownership.committed(topic, 0, 8n);
    ownership.delivered(topic, 0, 10n, 14n);
    expect(ownership.redeliveryOffset(topic, 0)).toBe(8n);
    expect(ownership.redeliveryOffset(topic, 1)).toBeUndefined();
  });
});
