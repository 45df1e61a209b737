/**
 * Committed offsets of consumer groups: one JSON file per group under `groups/`, replaced atomically
 * on every commit. Commits that arrive while a write is in progress are written together by the next
 * one. A commit resolves once its file is durable; committed offsets only ever reflect durable writes.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isTemporaryFile, writeFileAtomic } from './durable-file';

export interface OffsetCommit {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Stored with the offset and replaced by the next commit (a commit without it clears it). */
  readonly metadata?: string;
}

interface GroupFile {
  readonly groupId: string;
  readonly offsets: Record<string, Record<string, string>>;
  /** Commit metadata per topic and partition, only where a commit had some (absent in older files). */
  readonly metadata?: Record<string, Record<string, string>>;
}

interface CommittedOffset {
  readonly offset: number;
  readonly metadata?: string;
}

interface PendingCommit {
  readonly offsets: readonly OffsetCommit[];
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

type OffsetTable = Map<string, Map<number, CommittedOffset>>;

function cloneTable(table: OffsetTable): OffsetTable {
  return new Map([...table].map(([topic, partitions]) => [topic, new Map(partitions)]));
}

class GroupOffsets {
  durable: OffsetTable = new Map();
  private pending: PendingCommit[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    readonly groupId: string,
    private readonly path: string,
  ) {}

  commit(offsets: readonly OffsetCommit[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ offsets, resolve, reject });
      if (this.flushing === null) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const round = this.pending.splice(0);
      const next = cloneTable(this.durable);
      for (const commit of round) {
        for (const { topic, partition, offset, metadata } of commit.offsets) {
          const partitions = next.get(topic) ?? new Map<number, CommittedOffset>();
          partitions.set(partition, metadata ? { offset, metadata } : { offset });
          next.set(topic, partitions);
        }
      }
      try {
        await writeFileAtomic(this.path, this.serialize(next));
        this.durable = next;
        for (const commit of round) commit.resolve();
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const commit of round) commit.reject(failure);
      }
    }
    this.flushing = null;
  }

  async settled(): Promise<void> {
    while (this.flushing !== null) await this.flushing;
  }

  private serialize(table: OffsetTable): string {
    const offsets: Record<string, Record<string, string>> = {};
    const metadata: Record<string, Record<string, string>> = {};
    for (const [topic, partitions] of table) {
      offsets[topic] = Object.fromEntries(
        [...partitions].map(([partition, entry]) => [partition, String(entry.offset)]),
      );
      const withMetadata = [...partitions].filter(([, entry]) => entry.metadata !== undefined);
      if (withMetadata.length > 0) {
        metadata[topic] = Object.fromEntries(
          withMetadata.map(([partition, entry]) => [partition, entry.metadata as string]),
        );
      }
    }
    const file: GroupFile =
      Object.keys(metadata).length === 0
        ? { groupId: this.groupId, offsets }
        : { groupId: this.groupId, offsets, metadata };
    return `${JSON.stringify(file, null, 2)}\n`;
  }
}

export class GroupOffsetStore {
  private readonly groups = new Map<string, GroupOffsets>();
  private closed = false;

  constructor(private readonly root: string) {}

  /** File name from a hash: group ids are free text, file names are not. */
  private pathOf(groupId: string): string {
    return join(this.root, `group-${createHash('sha256').update(groupId).digest('hex').slice(0, 32)}.json`);
  }

  async load(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    for (const name of await readdir(this.root)) {
      const path = join(this.root, name);
      if (isTemporaryFile(name)) {
        await rm(path, { force: true }); // Left by a crash before its rename: never committed.
        continue;
      }
      if (!name.endsWith('.json')) continue;
      const file = JSON.parse(await readFile(path, 'utf8')) as GroupFile;
      if (typeof file.groupId !== 'string' || this.pathOf(file.groupId) !== path) {
        throw new Error(`${path} does not hold the offsets of the group its name is derived from`);
      }
      const group = new GroupOffsets(file.groupId, path);
      for (const [topic, partitions] of Object.entries(file.offsets ?? {})) {
        const metadata = file.metadata?.[topic] ?? {};
        group.durable.set(
          topic,
          new Map(
            Object.entries(partitions).map(([p, o]) => [
              Number(p),
              typeof metadata[p] === 'string'
                ? { offset: Number(o), metadata: metadata[p] }
                : { offset: Number(o) },
            ]),
          ),
        );
      }
      this.groups.set(file.groupId, group);
    }
  }

  private group(groupId: string): GroupOffsets {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new GroupOffsets(groupId, this.pathOf(groupId));
      this.groups.set(groupId, group);
    }
    return group;
  }

  /** The committed (durable) offset, or null when the group never committed this partition. */
  committed(groupId: string, topic: string, partition: number): number | null {
    return this.groups.get(groupId)?.durable.get(topic)?.get(partition)?.offset ?? null;
  }

  /** The metadata of the latest durable commit of the partition, or undefined when it had none. */
  committedMetadata(groupId: string, topic: string, partition: number): string | undefined {
    return this.groups.get(groupId)?.durable.get(topic)?.get(partition)?.metadata;
  }

  commit(groupId: string, offsets: readonly OffsetCommit[]): Promise<void> {
    if (this.closed)
      return Promise.reject(new Error(`cannot commit offsets of group ${groupId}: the event log is closed`));
    if (offsets.length === 0) return Promise.resolve();
    return this.group(groupId).commit(offsets);
  }

  /** Waits for commits in progress. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.groups.values()].map((group) => group.settled()));
  }
}
