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
  const line = cells.map(csvCell).join(',');
  // A lone empty cell would be a blank line, which readers skip; quoting it keeps the row.
  return `${line === '' && cells.length === 1 ? '""' : line}\r\n`;
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

/**
 * Parses RFC 4180 CSV (quoted cells, doubled quotes, CRLF or LF, optional BOM) into rows of cells.
 * Small and strict on purpose: an unterminated quote is an error, not a guess.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = text.startsWith(BOM) ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (quoted) throw new SyntaxError('unterminated quoted cell');
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** Rows of a CSV with a header row, as objects keyed by the header's names. */
export function csvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  const names = header.map((h) => h.trim());
  return rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i] ?? ''])));
}
