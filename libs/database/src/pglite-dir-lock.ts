import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

const LOCK_FILE_NAME = 'keymeter.lock';

export interface DirLock {
  release(): Promise<void>;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolderPid(lockPath: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(lockPath, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes an exclusive, process-wide lock on a PGlite data directory.
 * PGlite itself does not stop two processes (or two instances in one process) from opening the
 * same directory, and both writing to it corrupts it. A lock left by a process that has exited is
 * taken over.
 */
export async function lockDataDir(dir: string): Promise<DirLock> {
  const lockPath = join(dir, LOCK_FILE_NAME);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const file = await open(lockPath, 'wx');
      try {
        await file.writeFile(`${process.pid}\n`);
      } finally {
        await file.close();
      }
      return { release: () => rm(lockPath, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await readHolderPid(lockPath);
      if (holder !== undefined && isProcessAlive(holder)) {
        throw new Error(
          `pgliteDir ${dir} is already open in process ${holder}; PGlite allows one user per directory ` +
            `(lock file ${lockPath})`,
        );
      }
      await rm(lockPath, { force: true });
    }
  }
  throw new Error(`pgliteDir ${dir}: could not take the lock file ${lockPath}`);
}
