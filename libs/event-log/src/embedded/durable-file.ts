/** Small helpers for files that must survive a crash whole or not at all. */
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let temporarySequence = 0;

/** Makes a directory's entries (created, renamed files) durable. */
export async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` with `content` atomically: write a temporary file, fsync it, rename it over the
 * target, fsync the directory. A crash leaves either the old or the new content, never a mix
 * (at worst a stray temporary file, which readers ignore).
 */
export async function writeFileAtomic(path: string, content: string | Buffer): Promise<void> {
  temporarySequence += 1;
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${temporarySequence}.tmp`);
  try {
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await fsyncDirectory(dirname(path));
}

export function isTemporaryFile(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}
