import { partitionKey } from './offsets';

/**
 * Which partitions the application paused. Kept apart from kafkajs, which forgets pauses when its
 * consumer restarts after a crash and rejects pause calls before `run`.
 */
export class PartitionPauses {
  private readonly wholeTopics = new Set<string>();
  /** Partitions resumed one by one while their whole topic is paused. */
  private readonly resumedExceptions = new Set<string>();
  private readonly partitions = new Set<string>();

  pause(topic: string, partitions?: readonly number[]): void {
    if (partitions === undefined) {
      this.wholeTopics.add(topic);
      this.forget(topic);
      return;
    }
    for (const partition of partitions) {
      const key = partitionKey(topic, partition);
      this.partitions.add(key);
      this.resumedExceptions.delete(key);
    }
  }

  resume(topic: string, partitions?: readonly number[]): void {
    if (partitions === undefined) {
      this.wholeTopics.delete(topic);
      this.forget(topic);
      return;
    }
    for (const partition of partitions) {
      const key = partitionKey(topic, partition);
      this.partitions.delete(key);
      if (this.wholeTopics.has(topic)) this.resumedExceptions.add(key);
    }
  }

  isPaused(topic: string, partition: number): boolean {
    const key = partitionKey(topic, partition);
    return this.partitions.has(key) || (this.wholeTopics.has(topic) && !this.resumedExceptions.has(key));
  }

  private forget(topic: string): void {
    const prefix = partitionKey(topic, 0).slice(0, -1);
    for (const set of [this.partitions, this.resumedExceptions]) {
      for (const key of set) if (key.startsWith(prefix)) set.delete(key);
    }
  }
}
