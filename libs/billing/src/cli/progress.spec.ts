import { stderrProgress } from './progress';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = {
    isTTY,
    write: (chunk: string) => written.push(chunk) > 0,
  } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('stderrProgress', () => {
  it('redraws one bar in place on a terminal', () => {
    const { stream, written } = fakeStream(true);
    const progress = stderrProgress('invoices 2026-11', stream);
    progress.update(1, 4);
    progress.update(4, 4);
    progress.finish('done');
    expect(written).toEqual([
      `\rinvoices 2026-11 [########......................] 1/4 25%`,
      `\rinvoices 2026-11 [##############################] 4/4 100%`,
      '\ndone\n',
    ]);
  });

  it('writes a line per tenth when not a terminal', () => {
    const { stream, written } = fakeStream(false);
    const progress = stderrProgress('report', stream);
    for (let done = 1; done <= 20; done += 1) progress.update(done, 20);
    expect(written).toHaveLength(11); // 0 %, 10 %, …, 100 %
    expect(written[written.length - 1]).toBe('report: 20/20 (100%)\n');
  });
});
