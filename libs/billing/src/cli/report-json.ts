import type { RevenueRow, UsageReportRow } from '../reports/usage-report';

/** `text` nested `depth` levels deep in 2-space indented JSON: every line after the first indented. */
function nested(text: string, depth: number): string {
  return text.replace(/\n/g, `\n${'  '.repeat(depth)}`);
}

/**
 * The usage report as `JSON.stringify(report, null, 2)` gives it, byte for byte, in pieces: one per chunk
 * of rows, then the revenue summary (complete once the rows have been read).
 */
export async function* reportJsonPieces(
  period: string,
  chunks: AsyncIterable<readonly UsageReportRow[]>,
  revenue: () => RevenueRow[],
): AsyncGenerator<string> {
  yield `{\n  "period": ${JSON.stringify(period)},\n  "rows": [`;
  let any = false;
  for await (const rows of chunks) {
    if (rows.length === 0) continue;
    const body = rows.map((row) => `\n    ${nested(JSON.stringify(row, null, 2), 2)}`).join(',');
    yield any ? `,${body}` : body;
    any = true;
  }
  yield `${any ? '\n  ' : ''}],\n  "revenue": ${nested(JSON.stringify(revenue(), null, 2), 1)}\n}`;
}
