import { reportJsonPieces } from './report-json';
import type { UsageReportRow } from '../reports/usage-report';

async function* chunksOf<T>(...chunks: T[][]): AsyncGenerator<T[]> {
  yield* chunks;
}

async function joined(pieces: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const piece of pieces) text += piece;
  return text;
}

const row = (customerName: string): UsageReportRow =>
  ({ period: '2026-11', customerName, amount: '1.00' }) as unknown as UsageReportRow;
const revenue = [
  {
    currency: 'USD',
    planId: 'p',
    planName: 'Pro',
    invoices: 2,
    fixedFees: '0.00',
    usage: '2.00',
    commitmentTrueUps: '0.00',
    adjustments: '0.00',
    total: '2.00',
  },
];

describe('reportJsonPieces', () => {
  it('writes what JSON.stringify(report, null, 2) writes, whatever the chunks', async () => {
    const rows = [row('Acme'), row('Zürich "GmbH"\nline'), row('Beta')];
    const expected = JSON.stringify({ period: '2026-11', rows, revenue }, null, 2);
    expect(
      await joined(reportJsonPieces('2026-11', chunksOf([rows[0]], [], rows.slice(1)), () => revenue)),
    ).toBe(expected);
  });

  it('writes an empty report as JSON.stringify does', async () => {
    expect(await joined(reportJsonPieces('2026-11', chunksOf(), () => []))).toBe(
      JSON.stringify({ period: '2026-11', rows: [], revenue: [] }, null, 2),
    );
  });
});
