/**
 * Consumer groups of one process. Members of a group share its topics' partitions: each topic's
 * partitions are dealt round-robin to the members subscribed to it, in the order they joined
 * (a single member gets everything). Membership changes rebalance the group stop-the-world: every
 * member finishes its batch in flight and takes no new one, then all receive their new partitions,
 * starting from the group's committed offsets (uncommitted work is redelivered, as in Kafka).
 */

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface GroupMember {
  readonly topics: readonly string[];
  /** Take no new batch until the next `assign`. */
  suspend(): void;
  /** Resolves when no batch is in flight. */
  idle(): Promise<void>;
  assign(partitions: readonly TopicPartition[]): void;
}

/** Round-robin assignment of each topic's partitions over the members subscribed to it. */
export function assignPartitions(
  members: readonly GroupMember[],
  partitionCount: (topic: string) => number,
): Map<GroupMember, TopicPartition[]> {
  const assignment = new Map<GroupMember, TopicPartition[]>(members.map((member) => [member, []]));
  const topics = [...new Set(members.flatMap((member) => member.topics))].sort();
  for (const topic of topics) {
    const subscribers = members.filter((member) => member.topics.includes(topic));
    for (let partition = 0; partition < partitionCount(topic); partition += 1) {
      assignment.get(subscribers[partition % subscribers.length])!.push({ topic, partition });
    }
  }
  return assignment;
}

export class ConsumerGroup {
  private readonly members: GroupMember[] = [];
  private rebalancing: Promise<void> = Promise.resolve();

  constructor(
    readonly groupId: string,
    private readonly partitionCount: (topic: string) => number,
  ) {}

  get size(): number {
    return this.members.length;
  }

  join(member: GroupMember): Promise<void> {
    this.members.push(member);
    return this.rebalance();
  }

  leave(member: GroupMember): Promise<void> {
    const index = this.members.indexOf(member);
    if (index >= 0) this.members.splice(index, 1);
    return this.rebalance();
  }

  private rebalance(): Promise<void> {
    const run = this.rebalancing.then(async () => {
      const members = [...this.members];
      for (const member of members) member.suspend();
      await Promise.all(members.map((member) => member.idle()));
      for (const [member, partitions] of assignPartitions(members, this.partitionCount)) {
        member.assign(partitions);
      }
    });
    this.rebalancing = run.catch(() => undefined);
    return run;
  }
}
