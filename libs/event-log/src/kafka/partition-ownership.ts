import { partitionKey } from './offsets';

/** One partition while this consumer continuously owns it. */
interface OwnedPartition {
  /** First offset delivered since the partition was assigned: where this ownership began. */
  firstDelivered: bigint | null;
  /** Last delivered offset + 1. */
  nextDelivered: bigint | null;
  /** Last offset this consumer committed during this ownership. */
  committed: bigint | null;
}

/** A partition's assignment as reported after a group join: topic -> partitions. */
export type MemberAssignment = Readonly<Record<string, readonly number[]>>;

/**
 * Tracks which partitions this group member owns and what it delivered from them, so that
 * commits can be checked and failed batches redelivered from the right offset.
 *
 * kafkajs commits with the member's current generation and does not check ownership, so a commit
 * issued after a rebalance (e.g. by a flush that finishes late) would be accepted for a partition
 * that now belongs to another member, moving that member's position. A commit is therefore
 * accepted only for a partition owned without interruption, and only for an offset between where
 * this ownership began and the record after the last one delivered.
 *
 * Ownership is continuous across a rejoin only when the member id is unchanged: a member that
 * was evicted (session timeout, crash) rejoins with a new id, and another member may have owned
 * its partitions in between.
 */
export class PartitionOwnership {
  private owned = new Map<string, OwnedPartition>();
  private memberId: string | null = null;

  /** A group join completed with this assignment. */
  assigned(memberId: string, assignment: MemberAssignment): void {
    const continuous = this.memberId !== null && memberId === this.memberId;
    const next = new Map<string, OwnedPartition>();
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const key = partitionKey(topic, partition);
        const previous = continuous ? this.owned.get(key) : undefined;
        next.set(key, previous ?? { firstDelivered: null, nextDelivered: null, committed: null });
      }
    }
    this.owned = next;
    this.memberId = memberId;
  }

  /** The member left the group (stop, crash): nothing is owned any more. */
  lost(): void {
    this.owned.clear();
    this.memberId = null;
  }

  owns(topic: string, partition: number): boolean {
    return this.owned.has(partitionKey(topic, partition));
  }

  /** Records `firstOffset..lastOffset` (inclusive) of an owned partition being handed to the handler. */
  delivered(topic: string, partition: number, firstOffset: bigint, lastOffset: bigint): void {
    const state = this.owned.get(partitionKey(topic, partition));
    if (!state) return;
    if (state.firstDelivered === null || firstOffset < state.firstDelivered) {
      state.firstDelivered = firstOffset;
    }
    const next = lastOffset + 1n;
    if (state.nextDelivered === null || next > state.nextDelivered) state.nextDelivered = next;
  }

  /** Why committing `offset` for this partition must be refused, or undefined when it is fine. */
  commitRefusal(topic: string, partition: number, offset: bigint): string | undefined {
    const state = this.owned.get(partitionKey(topic, partition));
    const name = `${topic}[${partition}]`;
    if (!state) {
      return `partition ${name} is not assigned to this consumer (it moved in a rebalance); its uncommitted records go to its current owner`;
    }
    if (state.firstDelivered === null || state.nextDelivered === null) {
      return `nothing was delivered from ${name} since it was assigned to this consumer`;
    }
    if (offset < state.firstDelivered) {
      return `offset ${offset} for ${name} is before ${state.firstDelivered}, where this consumer's ownership began (a commit from before a rebalance)`;
    }
    if (offset > state.nextDelivered) {
      return `offset ${offset} for ${name} is past the last delivered record (next offset ${state.nextDelivered})`;
    }
    return undefined;
  }

  committed(topic: string, partition: number, offset: bigint): void {
    const state = this.owned.get(partitionKey(topic, partition));
    if (state) state.committed = offset;
  }

  /**
   * The offset to redeliver from after a failed batch: the last commit of this ownership, or, with
   * none, where this ownership began (the group's committed offset or its starting position).
   */
  redeliveryOffset(topic: string, partition: number): bigint | undefined {
    const state = this.owned.get(partitionKey(topic, partition));
    if (!state) return undefined;
    return state.committed ?? state.firstDelivered ?? undefined;
  }
}
