import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { drainPending } from 'chdb';
import { createChdbConnection } from 'chdb/connection';
import { BulkDataFiles } from './bulk-data-files';
import type { ChdbSession } from './client-connection';

/*
 * libchdb binds one data directory per process. Every handle opened on that directory gets its own
 * session on the shared engine (its own default database and settings; sessions run in parallel).
 * Another directory is refused until the last session on the bound one is closed and drained.
 */
let boundPath: string | null = null;
let openSessions = 0;
let releasing: Promise<void> = Promise.resolve();
let bulkDataFiles: BulkDataFiles | null | undefined;

/** The bound engine's directory for bulk-data files (null when no safe directory exists). */
export function engineBulkDataFiles(): BulkDataFiles | null {
  if (bulkDataFiles === undefined) bulkDataFiles = BulkDataFiles.create();
  return bulkDataFiles;
}

/** Opens a new session on the process's chDB engine, binding `path` if nothing is bound yet. */
export async function openChdbSession(path: string): Promise<ChdbSession> {
  const dataDir = resolve(path);
  await releasing;
  if (boundPath !== null && boundPath !== dataDir) {
    throw new Error(
      `chdbPath: this process already has chDB open on ${boundPath}; chDB binds one data directory per process, ` +
        `so close every handle on it before opening ${dataDir}`,
    );
  }
  mkdirSync(dataDir, { recursive: true });
  let session: ChdbSession;
  try {
    session = createChdbConnection({ path: dataDir }) as unknown as ChdbSession;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`chdbPath: cannot open chDB on ${dataDir}: ${reason}`, { cause: error });
  }
  boundPath = dataDir;
  openSessions += 1;
  return session;
}

/** Closes one session; closing the last one frees the engine for another data directory. */
export function closeChdbSession(session: ChdbSession): Promise<void> {
  openSessions -= 1;
  if (openSessions > 0) return session.close();
  boundPath = null;
  const files = bulkDataFiles;
  bulkDataFiles = undefined;
  // close() can return while the engine still finishes an aborted operation; drainPending waits for it.
  releasing = session
    .close()
    .then(() => drainPending())
    .finally(() => files?.dispose());
  return releasing;
}
