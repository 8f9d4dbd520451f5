import type { ObjectStore } from '../objects.ts';
import { csvChunks, type ExportColumn, toXlsx } from '../reports/export.ts';
import { IMPORT_COLUMNS, type ImportKind, KIND_LABELS, NOTES_MARK } from './columns.ts';
import { errorReportRows, type ImportJob } from './jobs.ts';

/**
 * The files an admin downloads around an import: a template per kind and a dry run's error report. Kept apart
 * from the import itself, so the functions that only read files do not carry the workbook writer.
 */

type Cells = Record<string, string>;

/** A file to answer with: text (CSV) or bytes (XLSX). */
export type ImportFile = { text: string; fileName: string } | { bytes: Uint8Array; fileName: string };

/**
 * A kind's template. XLSX: the Chinese headers, a notes row (what each column takes; its first cell starts
 * with 【填写说明】, which the reader skips) and an example row, every cell text (an ID number typed into a
 * number cell loses its last digits). CSV (UTF-8 with BOM): the headers and the example; CSV has no place for
 * notes that every reader would skip, so the page shows them beside the download.
 */
export async function templateFile(kind: ImportKind, format: 'xlsx' | 'csv'): Promise<ImportFile> {
  const cols = IMPORT_COLUMNS[kind];
  const columns: ExportColumn<Cells>[] = cols.map((c) => ({ key: c.code, header: c.header, kind: 'text' }));
  const example = Object.fromEntries(cols.map((c) => [c.code, c.example]));
  const fileName = `import-${kind}.${format}`;
  if (format === 'csv') {
    let text = '';
    for await (const chunk of csvChunks(columns, [example])) text += chunk;
    return { text, fileName };
  }
  const notes = Object.fromEntries(cols.map((c, i) => [c.code, (i === 0 ? NOTES_MARK : '') + c.note]));
  return { bytes: await toXlsx(`${KIND_LABELS[kind]}导入模板`, columns, [notes, example]), fileName };
}

/** A dry run's (or a commit's) errors as the file's own rows with an 错误 column and the row number. */
export async function errorReportFile(store: ObjectStore, job: ImportJob, format: 'xlsx' | 'csv'): Promise<ImportFile> {
  let columns: ExportColumn<Cells>[] = [];
  const rows: Cells[] = [];
  for await (const r of errorReportRows(store, job)) {
    if ('header' in r) {
      columns = r.header.map((h, i) => ({ key: `c${i}`, header: h || `第 ${i + 1} 列`, kind: 'text' as const }));
      columns.push({ key: 'error', header: '错误', kind: 'text' }, { key: 'row', header: '原行号', kind: 'text' });
      continue;
    }
    const cells: Cells = { error: r.messages, row: String(r.row) };
    r.cells.forEach((c, i) => {
      if (i < columns.length - 2) cells[`c${i}`] = c;
    });
    rows.push(cells);
  }
  const fileName = `import-${job.id}-errors.${format}`;
  if (format === 'csv') {
    let text = '';
    for await (const chunk of csvChunks(columns, rows)) text += chunk;
    return { text, fileName };
  }
  return { bytes: await toXlsx('错误行', columns, rows), fileName };
}
