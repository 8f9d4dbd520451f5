import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { auditRangeDays } from '../audit/index.ts';
import { type Caller, hasRole } from '../caller.ts';
import { type Db, getItem, getMany, putIfAbsent, queryAll } from '../db.ts';
import { notFound } from '../errors.ts';
import type { ObjectStore, UploadedPart } from '../objects.ts';
import { keys, stripKeys } from '../table.ts';
import { parseInput } from '../validate.ts';
import {
  describeFilters,
  EXPORT_REPORTS,
  type ExportReport,
  exportFileName,
  FILTERS,
  type Filters,
} from './reports.ts';

/**
 * Export jobs (`POST /exports`): a report written to the object store as a file, in the background, with its
 * progress in the job item. The job item is also the checkpoint a continuation starts from.
 */

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

export const ExportRequest = z.strictObject({
  report: z.enum(EXPORT_REPORTS, { error: '报表应为 floor、units、summary、audit 或 verifications' }),
  format: z.enum(['csv', 'xlsx'], { error: '格式应为 csv 或 xlsx' }),
  /** `codes`: machine field names as headers (and fen as integers), no title rows; Chinese by default. */
  headers: z.enum(['zh', 'codes'], { error: '表头应为 zh（中文）或 codes（字段名）' }).optional(),
  /** The report's query parameters, by the same names and rules as its direct route (`year`, `communityId`, …). */
  filters: z
    .unknown()
    .superRefine((v, ctx) => {
      // A record silently drops `__proto__`: refused here instead, with the names no filter has.
      if (v && typeof v === 'object' && PROTOTYPE_KEYS.some((k) => Object.hasOwn(v, k))) {
        ctx.addIssue({ code: 'custom', message: '筛选条件不能使用这个名称' });
      }
    })
    .pipe(z.record(z.string().max(40), z.union([z.string().max(200), z.number()]), { error: '筛选条件应为对象' }))
    .optional(),
});
export type ExportRequest = z.infer<typeof ExportRequest>;

export type ExportStatus = 'running' | 'done' | 'failed';

/** The job item (without its keys). */
export interface ExportJob {
  id: string;
  report: ExportReport;
  format: 'csv' | 'xlsx';
  headers: 'zh' | 'codes';
  /** The filters as given (strings), parsed again by each run with the report's schema. */
  filters: Record<string, string>;
  requestedBy: string;
  requestedRoles: string[];
  createdAt: string;
  status: ExportStatus;
  rowsDone: number;
  /** Rows expected: exact once done; before, the rows so far scaled by the partitions left. */
  rowsTotal: number;
  partitionsDone: number;
  partitionsTotal: number;
  fileName: string;
  /** Object key of the file (`exports/<id>/<file name>`). */
  key: string;
  /** Why it failed, in words. */
  error?: string;
  finishedAt?: string;
  heartbeatAt: string;
  /** The checkpoint: moved by conditional updates, so a duplicate run stops instead of writing twice. */
  seq: number;
  cursor?: string;
  encoder?: unknown;
  upload?: { uploadId: string; parts: UploadedPart[]; bytes: number };
  /** Rows and partitions written up to the checkpoint. */
  checkpoint?: { rows: number; partitions: number };
  /** Bytes of the unflushed tail saved in `<key>.tail` at the checkpoint. */
  tailBytes?: number;
  /** Epoch seconds: the table's TTL drops the job a month after (the file's lifecycle is shorter). */
  expiresAt: number;
}

export const EXPORT_JOB_PREFIX = 'export-';
const JOB_TTL_SECONDS = 30 * 24 * 3600;

/** The report's filters parsed by its own schema; issues are named `filters.<name>`. */
export function parseFilters(report: ExportReport, raw: Record<string, string | number> | undefined): Filters {
  const strings = Object.fromEntries(Object.entries(raw ?? {}).map(([k, v]) => [k, String(v)]));
  const parsed = parseInput(z.object({ filters: FILTERS[report] }), { filters: strings }, '筛选条件');
  return parsed.filters as Filters;
}

/** Who runs exports (a port: an async invocation of the export worker on AWS, in-process locally). */
export interface ExportRunner {
  continue(id: string): Promise<void>;
}

/**
 * Starts an export: checks the request and the report's filters (400 names the field, nothing written), writes
 * the job item and the requester's listing, and hands the job to the runner.
 */
export async function startExport(
  db: Db,
  runner: ExportRunner,
  caller: Caller,
  raw: unknown,
  now: Date,
): Promise<{ id: string }> {
  const req = parseInput(ExportRequest, raw);
  const filters = parseFilters(req.report, req.filters);
  if (req.report === 'audit') {
    // The range rules (both bounds, at most 31 days, in order) are checked now, not found out by the worker.
    if (!filters.entityId) auditRangeDays(filters as never, now);
  }
  const { nameParts } = await describeFilters(db, req.report, filters);
  const id = `${EXPORT_JOB_PREFIX}${randomUUID()}`;
  const fileName = exportFileName(req.report, nameParts, req.format, now);
  const createdAt = now.toISOString();
  const job: ExportJob = {
    id,
    report: req.report,
    format: req.format,
    headers: req.headers ?? 'zh',
    filters: Object.fromEntries(Object.entries(req.filters ?? {}).map(([k, v]) => [k, String(v)])),
    requestedBy: caller.sub,
    requestedRoles: [...caller.roles],
    createdAt,
    status: 'running',
    rowsDone: 0,
    rowsTotal: 0,
    partitionsDone: 0,
    partitionsTotal: 0,
    fileName,
    key: `exports/${id}/${req.format === 'csv' ? 'export.csv' : 'export.xlsx'}`,
    heartbeatAt: createdAt,
    seq: 0,
    expiresAt: Math.floor(now.getTime() / 1000) + JOB_TTL_SECONDS,
  };
  await putIfAbsent(db, { ...keys.exportJob(id), ...keys.runningExport(id), entity: 'export', ...job });
  await putIfAbsent(db, {
    ...keys.exportOfRequester(caller.sub, createdAt, id),
    entity: 'export-listing',
    id,
    expiresAt: job.expiresAt,
  });
  await runner.continue(id);
  return { id };
}

/** How long a download link lasts. */
export const DOWNLOAD_SECONDS = 15 * 60;

/** A job as its requester sees it: status, progress, file name, and a fresh download link once done. */
export interface ExportView {
  id: string;
  report: ExportReport;
  format: 'csv' | 'xlsx';
  status: ExportStatus;
  rowsDone: number;
  rowsTotal: number;
  partitionsDone: number;
  partitionsTotal: number;
  fileName: string;
  createdAt: string;
  filters: Record<string, string>;
  error?: string;
  finishedAt?: string;
  url?: string;
  expiresAt?: string;
}

async function viewOf(store: ObjectStore, job: ExportJob): Promise<ExportView> {
  const view: ExportView = {
    id: job.id,
    report: job.report,
    format: job.format,
    status: job.status,
    rowsDone: job.rowsDone,
    rowsTotal: job.rowsTotal,
    partitionsDone: job.partitionsDone,
    partitionsTotal: job.partitionsTotal,
    fileName: job.fileName,
    createdAt: job.createdAt,
    filters: job.filters,
    ...(job.error ? { error: job.error } : {}),
    ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
  };
  if (job.status !== 'done') return view;
  return { ...view, ...(await store.presignGet(job.key, job.fileName, DOWNLOAD_SECONDS)) };
}

/** Reads a job item. */
export async function readExportJob(db: Db, id: string): Promise<ExportJob | undefined> {
  const item = await getItem(db, keys.exportJob(id));
  return item ? (stripKeys(item) as unknown as ExportJob) : undefined;
}

/** A job, for its requester or an admin; anyone else is told it does not exist (404), as for an unknown id. */
export async function getExport(db: Db, store: ObjectStore, caller: Caller, id: string): Promise<ExportView> {
  const job = await readExportJob(db, id);
  if (!job || (job.requestedBy !== caller.sub && !hasRole(caller, 'admin'))) {
    throw notFound('export.not_found', '导出任务不存在');
  }
  return viewOf(store, job);
}

/** The caller's most recent exports, newest first (the listing keeps a month). */
export async function listExports(
  db: Db,
  store: ObjectStore,
  caller: Caller,
  limit = 20,
): Promise<{ exports: ExportView[] }> {
  const listed = await queryAll<{ sk: string; id: string }>(db, {
    partition: keys.exportOfRequester(caller.sub, '', '').pk,
    attributes: ['sk', 'id'],
  });
  const recent = listed.sort((a, b) => (a.sk < b.sk ? 1 : -1)).slice(0, limit);
  const items = await getMany(
    db,
    recent.map((l) => keys.exportJob(l.id)),
  );
  const byId = new Map(items.map((i) => [i.id as string, stripKeys(i) as unknown as ExportJob]));
  const jobs = recent.flatMap((l) => (byId.has(l.id) ? [byId.get(l.id)!] : []));
  return { exports: await Promise.all(jobs.map((j) => viewOf(store, j))) };
}

/**
 * Continues running exports whose heartbeat is older than `staleMs` (the sweep; 0 at the local stack's start):
 * from their checkpoint, or from the start when a run died before its first.
 */
export async function resumeStaleExports(db: Db, runner: ExportRunner, now: Date, staleMs: number): Promise<string[]> {
  const running = await queryAll<{ id: string; heartbeatAt: string }>(db, {
    index: 'byKind',
    partition: keys.runningExport('').gsi3pk,
    attributes: ['id', 'heartbeatAt'],
  });
  const stale = running.filter((j) => now.getTime() - Date.parse(j.heartbeatAt) >= staleMs);
  for (const j of stale) await runner.continue(j.id);
  return stale.map((j) => j.id);
}
