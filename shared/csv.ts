/**
 * CSV for auditors who open it in Excel: UTF-8 with a byte-order mark (without it Excel reads Chinese as
 * mojibake), CRLF line ends and RFC 4180 quoting.
 */
export const BOM = '\uFEFF';

/** Quotes a cell when it holds a comma, quote, CR or LF; doubles inner quotes. */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  // A cell that starts with = + - @ is run as a formula by Excel; a leading apostrophe keeps it text.
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV line, CRLF-terminated. */
export function csvLine(cells: readonly unknown[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** A whole CSV document: BOM, header row, then the rows in the header's column order. */
export function toCsv<T extends Record<string, unknown>>(
  columns: readonly (keyof T & string)[],
  rows: Iterable<T>,
): string {
  let out = BOM + csvLine(columns);
  for (const row of rows) out += csvLine(columns.map((c) => row[c]));
  return out;
}
