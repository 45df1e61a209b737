import type { BulkDataFiles } from './bulk-data-files';

/**
 * Statements whose bulk data is on tmpfs at once: the one the engine runs and the next. Each writes its files
 * before it joins the engine's queue and removes them after it left it, so the engine does not wait for file
 * writes and removals between statements; and no more than two bodies are on tmpfs at a time (a container's
 * /dev/shm is often only 64 MB).
 */
const STAGED_STATEMENTS_AT_ONCE = 2;
let stagedStatements = 0;
const waitingToStage: (() => void)[] = [];

async function stageSlot(): Promise<void> {
  if (stagedStatements < STAGED_STATEMENTS_AT_ONCE) {
    stagedStatements += 1;
    return;
  }
  await new Promise<void>((resolve) => waitingToStage.push(resolve));
}

function releaseStageSlot(): void {
  const next = waitingToStage.shift();
  if (next) next();
  else stagedStatements -= 1;
}

/**
 * Writes `data` to files, runs `statement` with their paths and removes them once it settled. The paths stop
 * at the first file that cannot be written (tmpfs full, not writable): the statement then sends that data
 * inside the SQL text, as chdb's own connection does.
 */
export async function withStagedFiles<T>(
  files: BulkDataFiles,
  data: readonly (Buffer | string)[],
  statement: (paths: readonly string[]) => Promise<T>,
): Promise<T> {
  await stageSlot();
  const paths: string[] = [];
  try {
    for (const item of data) {
      const path = await files.write(item).catch(() => null);
      if (path === null) break;
      paths.push(path);
    }
    return await statement(paths);
  } finally {
    await Promise.all(paths.map((path) => files.remove(path)));
    releaseStageSlot();
  }
}
