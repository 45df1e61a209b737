import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where chDB reads large insert bodies and id lists from: files in a directory of this process, on
 * tmpfs (`/dev/shm`) when there is one.
 *
 * Why: chdb's connection puts an insert body into the SQL text and binds a list parameter as text, and
 * the engine then lexes, copies and parses that text as part of the statement. Reading the same bytes
 * from a file (`INSERT … FROM INFILE`, `file()`) uses the engine's input-format readers directly: a
 * 10 000-row TabSeparated insert took 80 → 14 ms on a raw table, 108 → 43 ms with every view, and a
 * 10 000-id lookup 46 → 26 ms (docs/benchmarks.md, "Insert formats").
 *
 * Names are a process-unique directory plus a counter, so concurrent calls never share a file. Each
 * file is removed once its statement settled, the directory when the engine is released or the process
 * exits. A killed process leaves its directory (with the files of the statement it was running and of the one
 * staged next, staged-bulk-files.ts); the next process to create one removes the directories of processes that
 * no longer run.
 */
export class BulkDataFiles {
  #dir: string | null = null;
  #next = 0;
  #removeAtExit: (() => void) | null = null;

  constructor(private readonly baseDir: string) {}

  /** A usable instance, or null when the temp directory's path cannot be quoted safely into SQL. */
  static create(): BulkDataFiles | null {
    const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    // INFILE and file() expand globs and the path sits in a SQL string literal: keep it plain.
    return /^[A-Za-z0-9_\-./]+$/.test(base) ? new BulkDataFiles(base) : null;
  }

  /** Writes `data` to a fresh file and returns its path (plain characters only, safe inside '…'). */
  async write(data: Buffer | string): Promise<string> {
    if (this.#dir === null) {
      removeDirectoriesOfEndedProcesses(this.baseDir);
      const dir = mkdtempSync(join(this.baseDir, `${DIRECTORY_PREFIX}${process.pid}-`));
      this.#removeAtExit = () => rmSync(dir, { recursive: true, force: true });
      process.once('exit', this.#removeAtExit);
      this.#dir = dir;
    }
    this.#next += 1;
    const path = join(this.#dir, `${this.#next}.data`);
    try {
      await writeFile(path, data);
    } catch (error) {
      await this.remove(path);
      throw error;
    }
    return path;
  }

  async remove(path: string): Promise<void> {
    await unlink(path).catch(() => undefined);
  }

  /** Removes the directory (when the engine is released). Files of calls still running go with it. */
  dispose(): void {
    if (this.#dir === null) return;
    rmSync(this.#dir, { recursive: true, force: true });
    if (this.#removeAtExit) process.removeListener('exit', this.#removeAtExit);
    this.#removeAtExit = null;
    this.#dir = null;
  }
}

const DIRECTORY_PREFIX = 'keymeter-chdb-';

/** Directories `keymeter-chdb-<pid>-*` in `baseDir` whose process has ended (SIGKILL, OOM). Best effort. */
function removeDirectoriesOfEndedProcesses(baseDir: string): void {
  let names: string[];
  try {
    names = readdirSync(baseDir);
  } catch {
    return;
  }
  for (const name of names) {
    const match = /^keymeter-chdb-(\d+)-/.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isRunning(pid)) continue;
    rmSync(join(baseDir, name), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
