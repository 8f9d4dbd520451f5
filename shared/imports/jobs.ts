import { type Db, getItem } from '../db.ts';
import { notFound } from '../errors.ts';
import type { ObjectStore } from '../objects.ts';
import { keys, stripKeys } from '../table.ts';
import type { ImportKind } from './columns.ts';
import type { SheetFormat } from './read.ts';
import type { RowError } from './rows.ts';

/**
 * An import's stored state: the job item and its error report in the object store. Apart from the import's
 * rules, so the functions that only show a job or its errors stay small.
 */

export type ImportStatus = 'running' | 'done' | 'failed';

/** An import as stored and as `GET /imports/{id}` answers it. */
export interface ImportJob {
  id: string;
  kind: ImportKind;
  key: string;
  dryRun: boolean;
  skipInvalid: boolean;
  status: ImportStatus;
  rowsTotal: number;
  /** Data rows handled so far, in file order (valid and skipped alike): the progress bar. */
  rowsDone: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  /** The first errors (validation, then any row the commit could not write); `errorCount` counts them all. */
  errors: RowError[];
  errorCount: number;
  startedBy: string;
  createdAt: string;
  heartbeatAt: string;
  finishedAt?: string;
  failure?: string;
}

export const formatOf = (key: string): SheetFormat => (key.endsWith('.csv') ? 'csv' : 'xlsx');
export const errorsKey = (id: string) => `imports/${id}/errors.json`;

export function opener(store: ObjectStore, key: string) {
  return async () => {
    const stream = await store.getStream(key);
    if (!stream) throw notFound('import.file_not_found', '找不到上传的文件：请重新上传后再导入');
    return stream;
  };
}

/** An import, or 404. */
export async function getImport(db: Db, id: string): Promise<ImportJob> {
  const item = await getItem(db, keys.importJob(id));
  if (!item) throw notFound('import.not_found', '导入任务不存在');
  return stripKeys(item) as unknown as ImportJob;
}

/**
 * An import's error report as stored: the file's header, every error, and the original cells of each row with
 * an error, so the downloadable report is written without reading the file again.
 */
export interface StoredReport {
  header: string[];
  errors: RowError[];
  cells: [row: number, cells: string[]][];
}

export async function storedReport(store: ObjectStore, id: string): Promise<StoredReport> {
  const bytes = await store.get(errorsKey(id));
  return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as StoredReport) : { header: [], errors: [], cells: [] };
}

export async function storeReport(store: ObjectStore, id: string, report: StoredReport): Promise<void> {
  await store.put(errorsKey(id), new TextEncoder().encode(JSON.stringify(report)), 'application/json');
}

/** The rows of the file that have errors, each with its messages: for the downloadable report. */
export async function* errorReportRows(
  store: ObjectStore,
  job: ImportJob,
): AsyncGenerator<{ header: string[] } | { cells: string[]; row: number; messages: string }> {
  const report = await storedReport(store, job.id);
  const byRow = new Map<number, string[]>();
  for (const e of report.errors) byRow.set(e.row, [...(byRow.get(e.row) ?? []), `${e.column}：${e.message}`]);
  yield { header: report.header };
  for (const [row, cells] of [...report.cells].sort((a, b) => a[0] - b[0])) {
    yield { cells, row, messages: (byRow.get(row) ?? []).join('；') };
  }
}
