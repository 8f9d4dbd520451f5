import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { shanghaiDate } from '../dates.ts';
import { type Db, putIfAbsent, queryAll, updateIf } from '../db.ts';
import { AppError, invalid } from '../errors.ts';
import type { ObjectStore } from '../objects.ts';
import { keys } from '../table.ts';
import { APPLY } from './apply.ts';
import { type ColumnMap, headerOf, ImportKind, mapHeader } from './columns.ts';
import { formatOf, getImport, type ImportJob, opener, storedReport, storeReport } from './jobs.ts';
import { readRows, type SheetRow } from './read.ts';
import { type ImportDeps, openRegistry } from './registry-port.ts';
import { isNotesRow, parseRow, type RowError, type RowItem, type RuleContext, rulesOf } from './rows.ts';

export { IMPORT_COLUMNS, ImportKind, KIND_LABELS } from './columns.ts';
export { getImport, type ImportJob, type ImportStatus } from './jobs.ts';
export type { RowError } from './rows.ts';

/**
 * Bulk import (批量导入) of the registry, pairings and the fund ledger from an uploaded CSV or XLSX file.
 * A dry run reads every row, checks it and writes nothing but its report; a commit checks the same way, then
 * runs as a background job: the file is read as a stream and written in chunks, each chunk's counts
 * checkpointed on the job's item by an update conditional on the previous checkpoint, so a chunk run twice (a
 * retry, a resumed job) counts once. Every write is idempotent, so re-importing a file creates nothing.
 */

/** Rows written between two checkpoints. */
export const CHUNK_ROWS = 2_000;
/** Rows checked against the registry in one batch of reads. */
const RESOLVE_BATCH = 500;
/** Errors returned in a JSON answer or kept on the job item; the downloadable report has them all. */
export const MAX_ERRORS_SHOWN = 1_000;
const MAX_JOB_ERRORS = 100;

export const ImportRequest = z.strictObject({
  kind: ImportKind,
  key: z
    .string({ error: '请给出上传文件的 key' })
    .regex(/^uploads\/import\/[\w./-]{1,300}\.(csv|xlsx)$/, 'key 应为用途为 import 的上传所返回的 key'),
  dryRun: z.boolean({ error: 'dryRun 应为 true 或 false' }),
  skipInvalid: z.boolean({ error: 'skipInvalid 应为 true 或 false' }).optional(),
});
export type ImportRequest = z.infer<typeof ImportRequest>;

/** The engine that runs a commit's chunks in the background: a Lambda invoked asynchronously, or in-process. */
export interface ImportRunner {
  continue(importId: string): Promise<void>;
}

/** The data rows of a file with the header mapped: the notes row and blank rows left out. */
async function* dataRows(kind: ImportKind, store: ObjectStore, key: string) {
  let map: ColumnMap | undefined;
  let header: string[] = [];
  for await (const r of readRows(formatOf(key), opener(store, key))) {
    if (!map) {
      map = mapHeader(kind, r.cells, r.row);
      header = r.cells;
      continue;
    }
    if (isNotesRow(r)) continue;
    yield { map, r, header };
  }
  if (!map) throw invalid('import.empty', '文件是空的：第一行应为表头', [{ path: 'key', message: '文件是空的' }]);
}

interface Validation {
  rows: number;
  valid: number;
  errors: RowError[];
  header: string[];
  /** The cells of each row with an error, for the report. */
  cells: [number, string[]][];
}

/**
 * Reads and checks every row: each row's cells, duplicates inside the file, and the registry in batches.
 * Memory holds the duplicate keys (one short string per row) and the errors, not the file.
 */
async function validateFile(deps: ImportDeps, store: ObjectStore, kind: ImportKind, key: string): Promise<Validation> {
  const today = shanghaiDate(deps.now);
  const ctx: RuleContext = { kind, today, registry: openRegistry(deps), deps };
  const seen = new Map<string, number>();
  const errors: RowError[] = [];
  const cells: [number, string[]][] = [];
  let header: string[] = [];
  let rows = 0;
  let valid = 0;
  let batch: RowItem[] = [];
  const rowCells = new Map<number, string[]>();
  const flush = async () => {
    const ready = batch.filter((i) => !i.errors.length);
    if (ready.length) await rulesOf(kind).resolve(ready, ctx);
    for (const i of batch) {
      if (i.errors.length) {
        errors.push(...i.errors);
        cells.push([i.row, rowCells.get(i.row) ?? []]);
      } else valid++;
    }
    rowCells.clear();
    batch = [];
  };
  for await (const { map, r, header: h } of dataRows(kind, store, key)) {
    rows++;
    header = h;
    rowCells.set(r.row, r.cells);
    const item = parseRow(kind, map, r, today);
    if (item.unique !== undefined) {
      const first = seen.get(item.unique);
      if (first !== undefined) {
        const dup = rulesOf(kind).duplicate;
        item.errors.push({
          row: r.row,
          column: headerOf(kind, dup.column),
          message: `${dup.message}（与第 ${first} 行重复）`,
        });
      } else seen.set(item.unique, r.row);
    }
    batch.push(item);
    if (batch.length >= RESOLVE_BATCH) await flush();
  }
  await flush();
  if (!rows) throw invalid('import.empty', '文件只有表头，没有数据行', [{ path: 'key', message: '没有数据行' }]);
  return { rows, valid, errors, header, cells };
}

/** The answer of a dry run. */
export interface DryRunReport {
  id: string;
  rows: number;
  valid: number;
  errors: RowError[];
  errorCount: number;
  /** Where the whole report is, as a spreadsheet: the file's rows with errors and an 错误 column. */
  errorsUrl: string;
}

async function storeJob(db: Db, job: ImportJob, running: boolean): Promise<void> {
  await putIfAbsent(db, {
    ...keys.importJob(job.id),
    ...(running ? keys.runningImport(job.id) : {}),
    entity: 'import',
    ...job,
  });
}

/**
 * Runs a dry run (nothing written but the report) or starts a commit. A commit of a file with bad rows is
 * refused (400 naming them) unless `skipInvalid` asks to write the valid rows and skip the rest.
 */
export async function startImport(
  deps: ImportDeps & { store: ObjectStore; runner: ImportRunner },
  req: ImportRequest,
  startedBy: string,
): Promise<{ status: 200; json: DryRunReport } | { status: 202; json: { id: string } }> {
  const { rows, valid, errors, header, cells } = await validateFile(deps, deps.store, req.kind, req.key);
  if (!req.dryRun && errors.length && !req.skipInvalid) {
    throw invalid(
      'import.rows_invalid',
      `文件有 ${errors.length} 处错误，未导入任何行。请改正后重新上传，或选择只导入正确的行`,
      errors.slice(0, MAX_ERRORS_SHOWN).map((e) => ({ path: `rows.${e.row}.${e.column}`, message: e.message })),
    );
  }
  const id = randomUUID();
  const at = deps.now.toISOString();
  await storeReport(deps.store, id, { header, errors, cells });
  const job: ImportJob = {
    id,
    kind: req.kind,
    key: req.key,
    dryRun: req.dryRun,
    skipInvalid: !!req.skipInvalid,
    status: req.dryRun ? 'done' : 'running',
    rowsTotal: rows,
    rowsDone: req.dryRun ? rows : 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    errors: errors.slice(0, MAX_JOB_ERRORS),
    errorCount: errors.length,
    startedBy,
    createdAt: at,
    heartbeatAt: at,
    ...(req.dryRun ? { finishedAt: at } : {}),
  };
  await storeJob(deps.db, job, !req.dryRun);
  if (req.dryRun) {
    return {
      status: 200,
      json: {
        id,
        rows,
        valid,
        errors: errors.slice(0, MAX_ERRORS_SHOWN),
        errorCount: errors.length,
        errorsUrl: `/imports/${id}/errors?format=xlsx`,
      },
    };
  }
  await deps.runner.continue(id);
  return { status: 202, json: { id } };
}

/** What one run of the chunk step did. */
export type ChunkRun = 'done' | 'more' | 'not-running';

/**
 * The commit's step: reads the file from the job's checkpoint, writes chunks of `chunkRows` rows and
 * checkpoints each, until the file ends (`done`) or `shouldStop` says the time is up (`more`: continue in a
 * new invocation). The checkpoint is conditional on the count it started from, so when two runs of one job
 * overlap only one chunk's counts land; the other run finds the condition failed and stops (`not-running`).
 */
export async function runImportChunks(
  deps: ImportDeps & { store: ObjectStore },
  id: string,
  opts: { chunkRows?: number; shouldStop?: () => boolean } = {},
): Promise<ChunkRun> {
  const chunkRows = opts.chunkRows ?? CHUNK_ROWS;
  let job = await getImport(deps.db, id);
  if (job.status !== 'running') return 'not-running';
  const invalidRows = new Set((await storedReport(deps.store, id)).errors.map((e) => e.row));
  const ctx: RuleContext = { kind: job.kind, today: shanghaiDate(deps.now), registry: openRegistry(deps), deps };
  const rules = rulesOf(job.kind);
  let position = 0;
  let chunk: { r: SheetRow; map: ColumnMap; header: string[] }[] = [];

  const writeChunk = async (last: boolean): Promise<boolean> => {
    const items = chunk.map(({ r, map }) => parseRow(job.kind, map, r, ctx.today));
    const skip = (i: RowItem) => invalidRows.has(i.row) || i.errors.length > 0;
    const todo = items.filter((i) => !skip(i));
    for (let i = 0; i < todo.length; i += RESOLVE_BATCH) await rules.resolve(todo.slice(i, i + RESOLVE_BATCH), ctx);
    const writable = todo.filter((i) => !i.errors.length);
    await APPLY[job.kind](writable, ctx);
    const count = { created: 0, updated: 0, unchanged: 0, skipped: 0 };
    const fresh: RowError[] = [];
    for (const i of items) {
      if (i.outcome && !i.errors.length) count[i.outcome]++;
      else {
        count.skipped++;
        // Rows refused by the dry run are in its report already; only what the commit found is new.
        if (!invalidRows.has(i.row)) fresh.push(...i.errors);
      }
    }
    const now = new Date().toISOString();
    const next = job.rowsDone + items.length;
    const ok = await updateIf(
      deps.db,
      keys.importJob(id),
      {
        set: {
          rowsDone: next,
          heartbeatAt: now,
          ...(fresh.length ? { errors: [...job.errors, ...fresh].slice(0, MAX_JOB_ERRORS) } : {}),
          ...(last ? { status: 'done', finishedAt: now } : {}),
        },
        add: { ...count, errorCount: fresh.length },
        ...(last ? { remove: ['gsi3pk', 'gsi3sk'] } : {}),
      },
      {
        expression: '#rowsDone = :expected AND #status = :running',
        values: { ':expected': job.rowsDone, ':running': 'running' },
      },
    );
    if (!ok) return false;
    if (fresh.length) {
      const cellsOf = new Map(chunk.map(({ r }) => [r.row, r.cells]));
      await appendErrors(deps.store, id, fresh, cellsOf);
    }
    job = {
      ...job,
      rowsDone: next,
      errors: [...job.errors, ...fresh].slice(0, MAX_JOB_ERRORS),
    };
    chunk = [];
    return true;
  };

  try {
    for await (const row of dataRows(job.kind, deps.store, job.key)) {
      if (position++ < job.rowsDone) continue;
      chunk.push(row);
      if (chunk.length >= chunkRows) {
        if (!(await writeChunk(false))) return 'not-running';
        if (opts.shouldStop?.()) return 'more';
      }
    }
    if (!(await writeChunk(true))) return 'not-running';
    return 'done';
  } catch (e) {
    // A file that cannot be read will not become readable by retrying: the job fails and says why.
    if (e instanceof AppError) {
      await updateIf(
        deps.db,
        keys.importJob(id),
        {
          set: { status: 'failed', failure: e.message, finishedAt: new Date().toISOString() },
          remove: ['gsi3pk', 'gsi3sk'],
        },
        { expression: '#status = :running', values: { ':running': 'running' } },
      );
      return 'not-running';
    }
    throw e;
  }
}

async function appendErrors(
  store: ObjectStore,
  id: string,
  fresh: RowError[],
  cellsOf: Map<number, string[]>,
): Promise<void> {
  const report = await storedReport(store, id);
  const rows = [...new Set(fresh.map((e) => e.row))];
  await storeReport(store, id, {
    ...report,
    errors: [...report.errors, ...fresh],
    cells: [...report.cells, ...rows.map((r): [number, string[]] => [r, cellsOf.get(r) ?? []])],
  });
}

/**
 * Continues every running import whose last checkpoint is older than `staleMs`: after a crash or a restart
 * (locally at start, with 0), or a worker whose invocation was lost (on AWS, by the sweep).
 */
export async function resumeStaleImports(db: Db, runner: ImportRunner, now: Date, staleMs: number): Promise<string[]> {
  const running = await queryAll<{ id: string; heartbeatAt: string }>(db, {
    index: 'byKind',
    partition: keys.runningImport('').gsi3pk,
    attributes: ['id', 'heartbeatAt'],
  });
  const stale = running.filter((j) => now.getTime() - Date.parse(j.heartbeatAt) >= staleMs);
  for (const j of stale) await runner.continue(j.id);
  return stale.map((j) => j.id);
}
