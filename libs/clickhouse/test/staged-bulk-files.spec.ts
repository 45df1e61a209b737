import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BulkDataFiles } from '../src/chdb/bulk-data-files';
import { withStagedFiles } from '../src/chdb/staged-bulk-files';

/** A statement that runs until the test finishes it, with the files it was given. */
interface HeldStatement {
  readonly paths: readonly string[];
  finish(): void;
}

describe('bulk data staged ahead of the engine queue', () => {
  let base: string;
  let files: BulkDataFiles;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'keymeter-staged-'));
    files = new BulkDataFiles(base);
  });

  afterEach(() => {
    files.dispose();
    rmSync(base, { recursive: true, force: true });
  });

  const held: HeldStatement[] = [];
  const started: Promise<unknown>[] = [];
  const hold =
    <T>(value: T) =>
    (paths: readonly string[]): Promise<T> =>
      new Promise<T>((resolve) => {
        held.push({ paths, finish: () => resolve(value) });
      });
  const stage = <T>(
    data: readonly string[],
    statement: (paths: readonly string[]) => Promise<T>,
  ): Promise<T> => {
    const result = withStagedFiles(files, data, statement);
    started.push(result.catch(() => undefined));
    return result;
  };
  /** The held statement whose first file holds `text`: file writes finish in any order, so does holding. */
  const heldWith = (text: string): HeldStatement => {
    const statement = held.find((candidate) => readFileSync(candidate.paths[0], 'utf8') === text);
    if (!statement) throw new Error(`no held statement has ${JSON.stringify(text)}`);
    return statement;
  };

  /** Until `count` statements are held (file writes take their time), then a little longer. */
  async function heldReach(count: number): Promise<void> {
    for (let waited = 0; held.length < count && waited < 5_000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  afterEach(async () => {
    // A failed test must not leave the process-wide slots taken, nor statements still waiting for one: finish
    // whatever is held until every statement the test started has settled.
    let settled = false;
    void Promise.all(started.splice(0)).then(() => (settled = true));
    while (!settled) {
      held.splice(0).forEach((statement) => statement.finish());
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    held.splice(0);
  });

  it('has the files of at most two statements written at a time, and removes each once its statement settled', async () => {
    const results = [1, 2, 3, 4].map((n) => stage([`body ${n}\n`, `ids ${n}\n`], hold(n)));
    await heldReach(2);
    expect(held).toHaveLength(2);
    for (const statement of held) {
      expect(statement.paths).toHaveLength(2);
      expect(statement.paths.every((path) => existsSync(path))).toBe(true);
    }
    // Slots go in call order: the first two statements hold them.
    const first = heldWith('body 1\n');
    const second = heldWith('body 2\n');
    expect(readFileSync(second.paths[1], 'utf8')).toBe('ids 2\n');

    first.finish();
    expect(await results[0]).toBe(1);
    expect(first.paths.some((path) => existsSync(path))).toBe(false);
    await heldReach(3);
    expect(held).toHaveLength(3);
    expect(readFileSync(held[2].paths[1], 'utf8')).toBe('ids 3\n');

    second.finish();
    held[2].finish();
    await heldReach(4);
    held[3].finish();
    expect(await Promise.all(results)).toEqual([1, 2, 3, 4]);
  });

  it('removes the files and frees the slot when the statement fails', async () => {
    let given: readonly string[] = [];
    const failing = stage(['x\n'], (paths) => {
      given = paths;
      return Promise.reject(new Error('engine down'));
    });
    await expect(failing).rejects.toThrow('engine down');
    expect(given).toHaveLength(1);
    expect(existsSync(given[0])).toBe(false);
    // Both slots are free again: two statements get their files at once.
    const both = [1, 2].map((n) => stage(['y\n'], hold(n)));
    await heldReach(2);
    expect(held).toHaveLength(2);
    held.forEach((statement) => statement.finish());
    expect(await Promise.all(both)).toEqual([1, 2]);
  });

  it('gives the statement only the files written before one failed, so it sends the rest inline', async () => {
    const unwritable = new BulkDataFiles(join(base, 'missing', 'dir'));
    let given: readonly string[] | undefined;
    await withStagedFiles(unwritable, ['a\n', 'b\n'], (paths) => {
      given = paths;
      return Promise.resolve();
    });
    expect(given).toEqual([]);
  });
});
