import { CSV_BOM, csvRow, csvText } from './csv';

/** Columns typed by people (names): neutralised so a spreadsheet never runs them as formulas. */
const TEXT_COLUMNS = new Set<string>(['customerName', 'planName', 'keyName']);

function csvRecord<T extends object>(columns: ReadonlyArray<keyof T & string>, row: T): string {
  return csvRow(
    columns.map((column) => {
      const value = String((row as Record<string, string | number | undefined>)[column] ?? '');
      return TEXT_COLUMNS.has(column) ? csvText(value) : value;
    }),
  );
}

/** The rows as CSV (header first), ready for a spreadsheet. */
export function toCsv<T extends object>(
  columns: ReadonlyArray<keyof T & string>,
  rows: readonly T[],
): string {
  return CSV_BOM + csvRow(columns) + rows.map((row) => csvRecord(columns, row)).join('');
}

/**
 * The same CSV as `toCsv`, byte for byte, as text pieces: the header, then one piece per chunk of rows,
 * so a large report is written out while the next chunk is read instead of held whole.
 */
export async function* csvPieces<T extends object>(
  columns: ReadonlyArray<keyof T & string>,
  chunks: AsyncIterable<readonly T[]>,
): AsyncGenerator<string> {
  yield CSV_BOM + csvRow(columns);
  for await (const rows of chunks) {
    if (rows.length > 0) yield rows.map((row) => csvRecord(columns, row)).join('');
  }
}
