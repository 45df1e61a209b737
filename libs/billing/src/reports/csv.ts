/**
 * CSV for spreadsheets: RFC 4180 (comma separated, CRLF line ends, a field quoted when it holds a comma,
 * a quote, a line break or leading/trailing space, quotes doubled), UTF-8 with a byte-order mark so that
 * spreadsheet programs detect the encoding.
 */
export const CSV_BOM = '\uFEFF';

export function csvField(value: string | null | undefined): string {
  const text = value ?? '';
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Free text typed by people (names) is neutralised so a spreadsheet never evaluates it as a formula:
 * a leading =, +, -, @, tab or carriage return gets a leading apostrophe.
 */
export function csvText(value: string | null | undefined): string {
  const text = value ?? '';
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export function csvRow(fields: ReadonlyArray<string | null | undefined>): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
