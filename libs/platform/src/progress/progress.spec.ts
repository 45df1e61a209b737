import { createProgress, renderProgressLine, type ProgressStream } from './progress';

function fakeStream(isTTY: boolean): { stream: ProgressStream; written: string[] } {
  const written: string[] = [];
  return { stream: { isTTY, write: (chunk: string) => written.push(chunk) > 0 }, written };
}

function manualClock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let at = start;
  return { now: () => at, advance: (ms) => (at += ms) };
}

describe('renderProgressLine', () => {
  it('shows the bar, share, counts, rate and time left', () => {
    expect(
      renderProgressLine({ label: 'replay', done: 500, total: 1000, elapsedMs: 4000, unit: 'records' }),
    ).toBe('replay [###############...............] 50% 500/1,000 records, 125/s, ETA 4s');
  });

  it('appends a detail and says done at the end', () => {
    expect(
      renderProgressLine({
        label: 'invoices 2026-11',
        done: 4,
        total: 4,
        elapsedMs: 2000,
        unit: 'customers',
        detail: 'created 3, updated 1',
      }),
    ).toBe(
      'invoices 2026-11 [##############################] 100% 4/4 customers, 2.0/s, done · created 3, updated 1',
    );
  });

  it('counts without a bar when the total is unknown', () => {
    expect(
      renderProgressLine({
        label: 'demo traffic',
        done: 12_345,
        total: undefined,
        elapsedMs: 61_000,
        unit: 'calls',
      }),
    ).toBe('demo traffic 12,345 calls, 202/s, 1m01s');
  });

  it('treats an empty job as complete and never shows more than 100 %', () => {
    expect(renderProgressLine({ label: 'x', done: 0, total: 0, elapsedMs: 10, unit: 'rows' })).toContain(
      '100% 0/0 rows, 0/s, done',
    );
    expect(renderProgressLine({ label: 'x', done: 7, total: 5, elapsedMs: 1000, unit: 'rows' })).toContain(
      '[##############################] 100% 7/5',
    );
  });
});

describe('createProgress', () => {
  it('redraws one line in place on a terminal, throttled, and ends it with a newline', () => {
    const { stream, written } = fakeStream(true);
    const clock = manualClock();
    const progress = createProgress('report 2026-11', { stream, now: clock.now, unit: 'rows' });
    clock.advance(1000);
    progress.update(1, 4);
    clock.advance(10);
    progress.update(2, 4); // within 100 ms: not drawn
    clock.advance(1000);
    progress.update(4, 4);
    progress.finish('wrote 4 rows');
    expect(written).toEqual([
      '\rreport 2026-11 [########......................] 25% 1/4 rows, 1.0/s, ETA 3s\x1b[K',
      '\rreport 2026-11 [##############################] 100% 4/4 rows, 2.0/s, done\x1b[K',
      '\rreport 2026-11 [##############################] 100% 4/4 rows, 2.0/s, done\x1b[K',
      '\n',
      'wrote 4 rows\n',
    ]);
  });

  it('writes plain lines when not a terminal: the first update, then at most every lineMs, then the end', () => {
    const { stream, written } = fakeStream(false);
    const clock = manualClock();
    const progress = createProgress('replay', { stream, now: clock.now, unit: 'records', lineMs: 5000 });
    for (let done = 1; done <= 100; done += 1) {
      clock.advance(100); // 10 s in all
      progress.update(done, 100);
    }
    progress.finish();
    expect(written).toEqual([
      'replay [..............................] 1% 1/100 records, 10/s, ETA 10s\n',
      'replay [###############...............] 51% 51/100 records, 10/s, ETA 5s\n',
      'replay [##############################] 100% 100/100 records, 10/s, done\n',
    ]);
    expect(written.join('')).not.toContain('\r');
  });

  it('ignores updates after finish', () => {
    const { stream, written } = fakeStream(false);
    const progress = createProgress('x', { stream });
    progress.finish('ok');
    progress.update(5, 10);
    progress.finish('again');
    expect(written).toHaveLength(2);
  });
});
