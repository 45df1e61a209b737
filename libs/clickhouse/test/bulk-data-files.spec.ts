import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BulkDataFiles } from '../src/chdb/bulk-data-files';

describe('chDB bulk-data files', () => {
  let base: string;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'keymeter-bulk-files-'));
  });

  afterEach(() => {
    rmSync(base, { recursive: true, force: true });
  });

  it('writes each call to its own file and removes it, and the directory on dispose', async () => {
    const files = new BulkDataFiles(base);
    const first = await files.write('a\n');
    const second = await files.write(Buffer.from('b\n'));

    expect(first).not.toBe(second);
    expect(existsSync(first) && existsSync(second)).toBe(true);
    await files.remove(first);
    expect(existsSync(first)).toBe(false);
    files.dispose();
    expect(readdirSync(base)).toEqual([]);
  });

  it('removes directories left by processes that ended, and keeps those of running ones', async () => {
    // The pid of a process that has certainly ended: a child that ran and exited.
    const ended = spawnSync(process.execPath, ['-e', '0']).pid;
    const stale = join(base, `keymeter-chdb-${ended}-abc123`);
    const running = join(base, `keymeter-chdb-${process.ppid}-def456`);
    for (const dir of [stale, running]) {
      mkdirSync(dir);
      writeFileSync(join(dir, '7.data'), 'left behind');
    }
    const unrelated = join(base, 'something-else');
    mkdirSync(unrelated);

    const files = new BulkDataFiles(base);
    await files.write('x\n');

    expect(existsSync(stale)).toBe(false);
    expect(existsSync(running)).toBe(true);
    expect(existsSync(unrelated)).toBe(true);
    files.dispose();
  });
});
