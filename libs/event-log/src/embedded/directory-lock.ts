/**
 * One process at a time owns a data directory: the owner holds `LOCK`, a file naming its pid and host.
 * A lock left by a process that is gone (crash, SIGKILL) is taken over; one held by a live process is not.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, realpathSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { errorCode } from './durable-file';

interface LockContent {
  readonly pid: number;
  /** Start time of the holder (Linux), to tell it from a later process that got the same pid. */
  readonly startTicks?: string;
  readonly host: string;
  readonly token: string;
  readonly acquiredAt: string;
}

/** Directories this process holds, so a second open in the same process fails just as clearly. */
const heldByThisProcess = new Set<string>();

export class DirectoryLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DirectoryLockedError';
  }
}

/** State and start time (clock ticks since boot) of a process, from /proc (Linux); null elsewhere. */
function processStat(pid: number): { state: string; startTicks: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', startTicks: fields[19] ?? '' };
  } catch {
    return null;
  }
}

/** Whether the process that wrote a lock still runs: the pid answers, and is not a later process reusing it. */
function holderIsAlive(holder: LockContent): boolean {
  if (holder.pid === process.pid) return false; // Not open in this process (checked before): an earlier run.
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
  const stat = processStat(holder.pid);
  if (stat === null) return true;
  // A killed process that its parent has not reaped yet still answers signal 0: it is gone all the same.
  if (stat.state === 'Z') return false;
  return holder.startTicks === undefined || holder.startTicks === stat.startTicks;
}

function readLock(path: string): LockContent | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return null;
    return {
      pid: parsed.pid,
      startTicks: typeof parsed.startTicks === 'string' ? parsed.startTicks : undefined,
      host: parsed.host,
      token: String(parsed.token),
      acquiredAt: String(parsed.acquiredAt),
    };
  } catch (error) {
    if (errorCode(error) === 'ENOENT') throw error;
    return null;
  }
}

export class DirectoryLock {
  private released = false;

  private constructor(
    readonly path: string,
    private readonly directory: string,
    private readonly token: string,
  ) {}

  /** Takes the lock of `directory` (which must exist) or throws DirectoryLockedError naming the holder. */
  static acquire(directory: string): DirectoryLock {
    const canonical = realpathSync(directory);
    const path = join(canonical, 'LOCK');
    if (heldByThisProcess.has(canonical)) {
      throw new DirectoryLockedError(
        `event log data directory ${directory} is already open in this process (pid ${process.pid}); close it first`,
      );
    }
    const content: LockContent = {
      pid: process.pid,
      startTicks: processStat(process.pid)?.startTicks,
      host: hostname(),
      token: randomBytes(8).toString('hex'),
      acquiredAt: new Date().toISOString(),
    };
    for (let attempt = 0; attempt < 5; attempt += 1) {
      let fd: number;
      try {
        fd = openSync(path, 'wx');
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw error;
        DirectoryLock.removeIfStale(directory, path);
        continue;
      }
      try {
        writeSync(fd, JSON.stringify(content));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      // Another process that judged the same stale lock may have replaced ours meanwhile.
      const written = readLock(path);
      if (written?.token !== content.token) continue;
      heldByThisProcess.add(canonical);
      return new DirectoryLock(path, canonical, content.token);
    }
    throw new DirectoryLockedError(`could not take the lock ${path}: other processes keep taking it`);
  }

  private static removeIfStale(directory: string, path: string): void {
    let holder: LockContent | null;
    try {
      holder = readLock(path);
    } catch {
      return; // Removed meanwhile: try again.
    }
    if (holder !== null) {
      if (holder.host !== hostname()) {
        throw new DirectoryLockedError(
          `event log data directory ${directory} is locked by process ${holder.pid} on host ${holder.host} ` +
            `(${path}); if that process is gone, delete the lock file`,
        );
      }
      if (holderIsAlive(holder)) {
        throw new DirectoryLockedError(
          `event log data directory ${directory} is locked by running process ${holder.pid} (${path}); ` +
            'only one process may open it at a time',
        );
      }
    }
    // The holder is dead, or the file is unreadable (a crash while it was written): the lock is stale.
    try {
      unlinkSync(path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    heldByThisProcess.delete(this.directory);
    try {
      if (readLock(this.path)?.token === this.token) unlinkSync(this.path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
    }
  }
}
