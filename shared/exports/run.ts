import type { Db } from '../db.ts';
import { updateIf } from '../db.ts';
import { MIN_PART_BYTES, type ObjectStore } from '../objects.ts';
import { keys } from '../table.ts';
import { csvEncoder, type Encoder, type FileLayout, XLSX_MAX_ROWS, type XlsxState, xlsxEncoder } from './encoders.ts';
import { type ExportJob, parseFilters, readExportJob } from './job.ts';
import { describeFilters, openSource, preambleOf, REPORT_TITLES } from './reports.ts';
import { PartSink } from './sink.ts';

/** What a run may be told: when to hand over, and (tests, benchmarks) smaller parts and sheets. */
export interface RunOptions {
  /** Asked after each chunk: true hands the job over (a checkpoint, then `more`). */
  shouldStop?: () => boolean;
  /** Bytes per uploaded part: S3's 5 MiB minimum unless a test forces smaller (the local store takes any). */
  partBytes?: number;
  /** Rows per XLSX sheet (Excel's 1,048,576 unless a test forces a small one). */
  maxSheetRows?: number;
  now?: () => Date;
}

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

/**
 * One run of an export job: claims the job (its `seq` moved on by a conditional update, so of two invocations
 * of the same hand-over, or a run the sweep presumed dead and its continuation, one goes on and the other stops
 * at its next write: `not-running`), then from its checkpoint (or the start) reads chunk after chunk, encodes the
 * rows and streams them to the object store in parts, moving `rowsDone` after each chunk, until the report ends
 * (`done`: the upload completed, the job `done`) or `shouldStop` says the time is short (`more`: checkpointed
 * with the unflushed tail, and the caller hands the job on). After every chunk that uploaded a part the run
 * checkpoints too (the part ends with the chunk, so there is no tail to save): a run that dies is continued by
 * the sweep from its last part, not from its last hand-over. Any failure marks the job `failed` with the reason
 * and aborts the upload.
 */
export async function runExport(
  db: Db,
  store: ObjectStore,
  id: string,
  opts: RunOptions = {},
): Promise<'done' | 'more' | 'not-running'> {
  const read = await readExportJob(db, id);
  if (read?.status !== 'running') return 'not-running';
  const now = opts.now ?? (() => new Date());
  const ownsAt = (seq: number) => ({
    expression: '#status = :running AND #seq = :seq',
    values: { ':running': 'running', ':seq': seq },
  });
  const job = { ...read, seq: read.seq + 1 };
  const claimed = await updateIf(
    db,
    keys.exportJob(id),
    { set: { seq: job.seq, heartbeatAt: now().toISOString() } },
    ownsAt(read.seq),
  );
  if (!claimed) return 'not-running';
  const owns = ownsAt(job.seq);
  // The upload to abort on failure: the checkpoint's, or the one this run starts.
  const upload = { id: job.upload?.uploadId };
  try {
    return await runChunks(db, store, job, opts, now, owns, (uploadId) => {
      upload.id = uploadId;
    });
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    const failed = await updateIf(
      db,
      keys.exportJob(id),
      {
        set: { status: 'failed', error: `导出失败：${reason}`, finishedAt: now().toISOString() },
        remove: ['gsi3pk', 'gsi3sk'],
      },
      owns,
    );
    if (failed && upload.id) await store.abortMultipart(job.key, upload.id).catch(() => undefined);
    return 'done';
  }
}

async function runChunks(
  db: Db,
  store: ObjectStore,
  job: ExportJob,
  opts: RunOptions,
  now: () => Date,
  owns: { expression: string; values: Record<string, unknown> },
  started: (uploadId: string) => void,
): Promise<'done' | 'more' | 'not-running'> {
  const filters = parseFilters(job.report, job.filters);
  const generatedAt = new Date(job.createdAt);
  const source = await openSource(db, job.report, filters, generatedAt);
  const { words } = await describeFilters(db, job.report, filters);
  const layout: FileLayout = {
    preamble: preambleOf(job.report, words, job.requestedBy, job.requestedRoles, generatedAt),
    columns: source.columns,
    headers: job.headers,
    sheetName: `${filters.year ?? ''}${REPORT_TITLES[job.report]}`,
  };
  const fresh = !job.upload;
  const upload = job.upload ?? {
    uploadId: await store.startMultipart(job.key, CONTENT_TYPES[job.format], job.fileName),
    parts: [],
    bytes: 0,
  };
  started(upload.uploadId);
  const tail = job.tailBytes ? await store.get(tailKey(job)) : undefined;
  if (job.tailBytes && tail?.byteLength !== job.tailBytes) throw new Error('续写所需的缓存片段丢失');
  const sink = new PartSink(
    store,
    { key: job.key, ...structuredClone(upload) },
    Math.max(opts.partBytes ?? MIN_PART_BYTES, 1),
    tail,
  );
  const maxRows = opts.maxSheetRows ?? XLSX_MAX_ROWS;
  const encoder: Encoder =
    job.format === 'csv'
      ? csvEncoder(layout, sink)
      : xlsxEncoder(layout, sink, { maxRows, ...(fresh ? {} : { state: job.encoder as XlsxState }) });
  if (fresh) encoder.begin();

  let cursor = job.cursor;
  // Progress written after the last checkpoint by a run that then died is counted again from the checkpoint.
  let rowsDone = job.checkpoint?.rows ?? 0;
  let partitionsDone = job.checkpoint?.partitions ?? 0;
  for (;;) {
    const chunk = await source.next(cursor);
    encoder.rows(chunk.rows);
    rowsDone += chunk.rows.length;
    partitionsDone += chunk.partitions;
    cursor = chunk.cursor;
    const finished = cursor === undefined;
    // Rows expected: the rows so far scaled to the partitions left (exact once done).
    const rowsTotal = finished
      ? rowsDone
      : Math.max(rowsDone, Math.round((rowsDone / Math.max(partitionsDone, 1)) * source.partitionsTotal));
    const progress = {
      rowsDone,
      rowsTotal,
      partitionsDone,
      partitionsTotal: source.partitionsTotal,
      heartbeatAt: now().toISOString(),
    };
    if (finished) {
      encoder.end();
      await sink.finish(store);
      const done = await updateIf(
        db,
        keys.exportJob(job.id),
        { set: { ...progress, status: 'done', finishedAt: now().toISOString() }, remove: ['gsi3pk', 'gsi3sk'] },
        owns,
      );
      return done ? 'done' : 'not-running';
    }
    // The bytes so far made complete at every chunk's end (XLSX: the pending text compressed and sync-flushed;
    // a chunk is a megabyte or two of XML, so this costs nothing in size), then a part of all of them when a
    // part's worth is held: a checkpoint there is exact, and costs one update per part.
    const state = encoder.checkpoint();
    const handOver = opts.shouldStop?.() ?? false;
    if (handOver || sink.full) {
      await sink.drain();
      const rest = sink.tail();
      if (rest.byteLength) await store.put(tailKey(job), rest, 'application/octet-stream');
      const { key: _key, ...uploadState } = sink.state;
      const saved = await updateIf(
        db,
        keys.exportJob(job.id),
        {
          set: {
            ...progress,
            cursor,
            encoder: state,
            upload: uploadState,
            tailBytes: rest.byteLength,
            checkpoint: { rows: rowsDone, partitions: partitionsDone },
          },
        },
        owns,
      );
      if (!saved) return 'not-running';
      if (handOver) return 'more';
      continue;
    }
    if (!(await updateIf(db, keys.exportJob(job.id), { set: progress }, owns))) return 'not-running';
  }
}

/** Where a checkpoint keeps the bytes not yet in a part (under 5 MiB, usually far less). */
function tailKey(job: ExportJob): string {
  return `${job.key}.tail`;
}
