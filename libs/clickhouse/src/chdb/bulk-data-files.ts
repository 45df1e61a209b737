import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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
 * file is removed once its statement settled; after a crash only the files of statements in flight
 * remain, in a directory named after the process id.
 */
export class BulkDataFiles {
  #dir: string | null = null;
  #next = 0;

  constructor(private readonly baseDir: string) {}

  /** A usable instance, or null when the temp directory's path cannot be quoted safely into SQL. */
  static create(): BulkDataFiles | null {
    const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    // INFILE and file() expand globs and the path sits in a SQL string literal: keep it plain.
    return /^[A-Za-z0-9_\-./]+$/.test(base) ? new BulkDataFiles(base) : null;
  }

  /** Writes `data` to a fresh file and returns its path (plain characters only, safe inside '…'). */
  async write(data: Buffer | string): Promise<string> {
    this.#dir ??= mkdtempSync(join(this.baseDir, `keymeter-chdb-${process.pid}-`));
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
    this.#dir = null;
  }
}
