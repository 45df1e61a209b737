import { csvPieces, toCsv } from './report-csv';

async function* chunksOf<T>(...chunks: T[][]): AsyncGenerator<T[]> {
  yield* chunks;
}

describe('csvPieces', () => {
  it('gives the same bytes as toCsv, header first, whatever the chunks', async () => {
    const rows = [
      { keyName: '=cmd()', amount: '1.00' },
      { keyName: 'a,b', amount: '-0.50' },
      { keyName: 'plain', amount: '2' },
    ];
    const columns = ['keyName', 'amount'] as const;
    let text = '';
    for await (const piece of csvPieces(columns, chunksOf(rows.slice(0, 1), [], rows.slice(1))))
      text += piece;
    expect(text).toBe(toCsv(columns, rows));
    let empty = '';
    for await (const piece of csvPieces(columns, chunksOf<(typeof rows)[number]>())) empty += piece;
    expect(empty).toBe(toCsv(columns, []));
  });
});
