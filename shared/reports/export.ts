import writeXlsxFile, { type Cell, type Row } from 'write-excel-file/node';
import * as z from 'zod';
import { BOM, csvCell, csvLine } from '../csv.ts';
import { formatYuan } from '../money.ts';

/**
 * Generic exports for people who open reports in Excel or WPS: CSV (UTF-8 with BOM, RFC 4180) and XLSX. Any
 * list of rows can be exported by describing its columns once: the key of the row's field, the Chinese header,
 * and what kind of value it holds. Reports, and pages offering download links, call these.
 *
 * XLSX is written with write-excel-file (MIT, on fflate): exceljs, the better-known library, bundles to about
 * 960 KB (its streaming writer alone to about 455 KB), four times the 250 KB budget of a function;
 * write-excel-file adds about 75 KB. docs/PERFORMANCE.md has the numbers.
 */

/** What a column holds, which decides how each format shows it. */
export type ColumnKind =
  /** Text as is. In CSV, a leading = + - @ is neutralised so Excel does not run it as a formula. */
  | 'text'
  /** An integer number of fen, shown as yuan with two decimals (CSV `1234.56`; XLSX a number, format `0.00`). */
  | 'fen'
  /** A whole number (households, people, outcomes). */
  | 'int'
  /** Yes or no, shown as 是 / 否. */
  | 'bool';

/** One column of an export: which field of the row, its Chinese header, and its kind. */
export interface ExportColumn<R> {
  key: keyof R & string;
  header: string;
  kind: ColumnKind;
  /** XLSX column width in characters; a width from the header's length when omitted. */
  width?: number;
}

/** The formats every report route takes. */
export const ReportFormat = z.enum(['json', 'csv', 'xlsx'], { error: '格式应为 json、csv 或 xlsx' });
export type ReportFormat = z.infer<typeof ReportFormat>;

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';
export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Rows may come from an array or a generator (a report streamed community by community). */
export type Rows<R> = Iterable<R> | AsyncIterable<R>;

const yesNo = (v: unknown) => (v ? '是' : '否');

/** One cell's CSV text. Yuan are written as they are: `-12.50` (a reversal) is a number, not a formula. */
function csvText(kind: ColumnKind, v: unknown): string {
  if (v === undefined || v === null) return '';
  if (kind === 'fen') return formatYuan(v as number);
  if (kind === 'bool') return yesNo(v);
  return csvCell(v);
}

/** One CSV record, CRLF-terminated. */
function csvRecord<R>(columns: readonly ExportColumn<R>[], row: R): string {
  const line = columns.map((c) => csvText(c.kind, row[c.key])).join(',');
  // A lone empty cell would be a blank line, which readers skip; quoting it keeps the row.
  return `${line === '' && columns.length === 1 ? '""' : line}\r\n`;
}

/** Rows of CSV lines are handed on in batches: one string per line would cost more than the lines themselves. */
const CSV_BATCH = 500;

/**
 * A CSV document as a stream of text chunks: BOM and header first, then the rows in batches. Memory holds one
 * batch, so a city-wide export never exists whole unless the caller collects it.
 */
export async function* csvChunks<R>(columns: readonly ExportColumn<R>[], rows: Rows<R>): AsyncGenerator<string> {
  yield BOM + csvLine(columns.map((c) => c.header));
  let batch = '';
  let n = 0;
  for await (const row of rows) {
    batch += csvRecord(columns, row);
    if (++n === CSV_BATCH) {
      yield batch;
      batch = '';
      n = 0;
    }
  }
  if (batch) yield batch;
}

/** A whole CSV document as one string (for small exports and tests). */
export async function toCsvText<R>(columns: readonly ExportColumn<R>[], rows: Rows<R>): Promise<string> {
  let out = '';
  for await (const chunk of csvChunks(columns, rows)) out += chunk;
  return out;
}

/** Excel refuses sheet names over 31 characters or with any of `[]:*?/\`. */
function sheetNameOf(name: string): string {
  return name.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31) || 'Sheet1';
}

/**
 * A cell of the workbook. Fen become a number of yuan: `fen / 100` is the double nearest the exact decimal (IEEE
 * division is correctly rounded), and any amount below 10^15 fen prints back as exactly its two-decimal yuan
 * (`99999 / 100` is written `999.99`), so the file holds the decimal the ledger holds; the `0.00` format then
 * shows both decimals (`1000.00`). The value stays a number, so auditors can sum and filter in Excel.
 */
function xlsxCell(kind: ColumnKind, v: unknown): Cell {
  if (v === undefined || v === null) return null;
  switch (kind) {
    case 'fen':
      return { value: (v as number) / 100, type: Number, format: '0.00' };
    case 'int':
      return { value: v as number, type: Number };
    case 'bool':
      return yesNo(v);
    default:
      return { value: String(v), type: String };
  }
}

/** Width of a column in characters: CJK characters are about two wide. */
function widthOf(c: ExportColumn<unknown>): number {
  if (c.width) return c.width;
  const text = [...c.header].reduce((w, ch) => w + (ch.charCodeAt(0) > 0x2e80 ? 2 : 1), 0);
  return Math.max(10, text + 2);
}

/**
 * A real XLSX workbook of one sheet: a bold, frozen header row of Chinese headers, then one row per row.
 * The workbook is assembled in memory (about 2 MB for 76,000 rows of the floor report).
 */
export async function toXlsx<R>(
  sheetName: string,
  columns: readonly ExportColumn<R>[],
  rows: Rows<R>,
): Promise<Buffer> {
  const data: Row[] = [columns.map((c) => ({ value: c.header, type: String, fontWeight: 'bold' as const }))];
  for await (const row of rows) data.push(columns.map((c) => xlsxCell(c.kind, row[c.key])));
  return writeXlsxFile(data, {
    sheet: sheetNameOf(sheetName),
    stickyRowsCount: 1,
    columns: columns.map((c) => ({ width: widthOf(c as ExportColumn<unknown>) })),
  }).toBuffer();
}
