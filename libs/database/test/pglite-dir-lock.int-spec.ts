import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockDataDir } from '../src/pglite-dir-lock';

describe('PGlite data directory lock', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'km-lock-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lets one holder at a time have the directory', async () => {
    const lock = await lockDataDir(dir);
    await expect(lockDataDir(dir)).rejects.toThrow(`is already open in process ${process.pid}`);
    await lock.release();
    const again = await lockDataDir(dir);
    await again.release();
  });

  it('takes over a lock left by a process that has exited', async () => {
    const exited = spawnSync(process.execPath, ['-e', '']);
    expect(exited.status).toBe(0);
    await writeFile(join(dir, 'keymeter.lock'), `${exited.pid}\n`);

    const lock = await lockDataDir(dir);
    expect((await readFile(join(dir, 'keymeter.lock'), 'utf8')).trim()).toBe(String(process.pid));
    await lock.release();
  });
});
