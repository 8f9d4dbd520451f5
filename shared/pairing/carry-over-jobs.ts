import { randomUUID } from 'node:crypto';
import type * as z from 'zod';
import { type Db, getItem, putIfAbsent, updateIf } from '../db.ts';
import { notFound } from '../errors.ts';
import { keys, stripKeys } from '../table.ts';
import {
  type CarryOver,
  type CarryOverResult,
  carryOverPairings,
  carryOverUnits,
  checkedCarryOver,
  type SkipReason,
} from './carry-over.ts';

/**
 * A carry-over commit at a city's size (76,000 pairings) outlasts an API call's 30 seconds, so a commit runs as a
 * job on the imports' machinery: a job item whose checkpoint is the number of units done (units in a stable
 * order), moved by an update conditional on the count it started from, so a unit run twice (a retry, a resumed
 * job) counts once; the pairings a run creates carry the job's id, so a unit run again after a lost checkpoint
 * still counts them as created. The route runs units inline until a limit, then hands the rest to the import
 * worker (the same runner, ids prefixed `carry-over-`) and answers `running` with the job's id.
 */

/** Ids of carry-over jobs: the background runner tells them from imports by this prefix. */
export const CARRY_OVER_JOB_PREFIX = 'carry-over-';
/** Skipped pairings kept on the job item (an item holds 400 KB); `skippedCount` counts them all. */
const MAX_JOB_SKIPPED = 1_000;

export interface CarryOverJob {
  id: string;
  status: 'running' | 'done';
  fromYear: number;
  toYear: number;
  dryRun: false;
  unitId?: string;
  unitIds: string[];
  unitsTotal: number;
  /** Units carried so far, in `unitIds` order: the checkpoint. */
  unitsDone: number;
  pairings: number;
  created: number;
  unchanged: number;
  skipped: { householdId: string; reason: SkipReason; cadreId: string }[];
  skippedCount: number;
  digest: string;
  startedBy: string;
  createdAt: string;
  heartbeatAt: string;
  finishedAt?: string;
}

/** Whatever runs a job's next units in the background (the import runner port). */
export interface CarryOverRunner {
  continue(id: string): Promise<void>;
}

const xorHex = (a: string, b: string) => {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  for (let i = 0; i < 32; i++) x[i]! ^= y[i]!;
  return x.toString('hex');
};

/** A carry-over job, or 404. */
export async function getCarryOver(db: Db, id: string): Promise<CarryOverJob> {
  const item = id.startsWith(CARRY_OVER_JOB_PREFIX) ? await getItem(db, keys.carryOverJob(id)) : undefined;
  if (!item) throw notFound('pairing.carry_over_not_found', '结转任务不存在');
  const { unitIds: _ids, ...job } = stripKeys(item) as unknown as CarryOverJob;
  return job as CarryOverJob;
}

/** What a finished job answers: the same body an inline commit gives. */
export function resultOf(job: CarryOverJob): CarryOverResult {
  return {
    fromYear: job.fromYear,
    toYear: job.toYear,
    dryRun: false,
    pairings: job.pairings,
    created: job.created,
    unchanged: job.unchanged,
    skipped: [...job.skipped].sort((a, b) =>
      a.householdId < b.householdId ? -1 : a.householdId > b.householdId ? 1 : 0,
    ),
    digest: job.digest,
  };
}

/**
 * Runs a job's units from its checkpoint until they are done (`done`) or `shouldStop` says to hand over
 * (`more`). A run whose checkpoint condition fails (another run moved it) stops (`not-running`).
 */
export async function runCarryOverUnits(
  db: Db,
  id: string,
  opts: { shouldStop?: (job: CarryOverJob) => boolean } = {},
): Promise<'done' | 'more' | 'not-running'> {
  const item = await getItem(db, keys.carryOverJob(id));
  if (!item) return 'not-running';
  let job = stripKeys(item) as unknown as CarryOverJob;
  if (job.status !== 'running') return 'not-running';
  // The job's own start time: a run after midnight on 31 December checks and stamps the same years.
  const at = new Date(job.createdAt);
  while (job.unitsDone < job.unitsTotal) {
    const unitId = job.unitIds[job.unitsDone]!;
    const r = await carryOverPairings(db, { fromYear: job.fromYear, toYear: job.toYear, dryRun: false, unitId }, at, {
      runId: id,
    });
    const last = job.unitsDone + 1 === job.unitsTotal;
    const now = new Date().toISOString();
    const next: CarryOverJob = {
      ...job,
      unitsDone: job.unitsDone + 1,
      pairings: job.pairings + r.pairings,
      created: job.created + r.created,
      unchanged: job.unchanged + r.unchanged,
      skipped: [...job.skipped, ...r.skipped].slice(0, MAX_JOB_SKIPPED),
      skippedCount: job.skippedCount + r.skipped.length,
      digest: xorHex(job.digest, r.digest),
      heartbeatAt: now,
      ...(last ? { status: 'done' as const, finishedAt: now } : {}),
    };
    const ok = await updateIf(
      db,
      keys.carryOverJob(id),
      {
        set: {
          unitsDone: next.unitsDone,
          pairings: next.pairings,
          created: next.created,
          unchanged: next.unchanged,
          skipped: next.skipped,
          skippedCount: next.skippedCount,
          digest: next.digest,
          heartbeatAt: now,
          ...(last ? { status: 'done', finishedAt: now } : {}),
        },
        ...(last ? { remove: ['gsi3pk', 'gsi3sk'] } : {}),
      },
      {
        expression: '#unitsDone = :expected AND #status = :running',
        values: { ':expected': job.unitsDone, ':running': 'running' },
      },
    );
    if (!ok) return 'not-running';
    job = next;
    if (last) return 'done';
    if (opts.shouldStop?.(job)) return 'more';
  }
  return 'done';
}

/** How much of a commit runs inside the API call before the rest goes to the background. */
export interface InlineLimit {
  /** Pairings considered inline, at most (a unit in progress is finished). */
  pairings: number;
  /** Time spent inline, at most (API Gateway answers within 30 s). */
  ms: number;
}

export const INLINE_LIMIT: InlineLimit = { pairings: 5_000, ms: 10_000 };

/**
 * A carry-over commit: a job item, then units inline until the limit. Finished inline: the same body as ever.
 * Otherwise the runner continues the job and the answer says `running`, with the job's id and progress so far.
 */
export async function commitCarryOver(
  deps: { db: Db; now: Date; runner: CarryOverRunner },
  rawInput: z.input<typeof CarryOver>,
  startedBy: string,
  limit: InlineLimit = INLINE_LIMIT,
): Promise<CarryOverResult | (Omit<CarryOverJob, 'unitIds' | 'id' | 'status'> & { status: 'running'; jobId: string })> {
  const { db, now } = deps;
  const input = checkedCarryOver(rawInput, now);
  const unitIds = await carryOverUnits(db, input);
  const id = `${CARRY_OVER_JOB_PREFIX}${randomUUID()}`;
  const at = now.toISOString();
  const job: CarryOverJob = {
    id,
    status: 'running',
    fromYear: input.fromYear,
    toYear: input.toYear,
    dryRun: false,
    ...(input.unitId ? { unitId: input.unitId } : {}),
    unitIds,
    unitsTotal: unitIds.length,
    unitsDone: 0,
    pairings: 0,
    created: 0,
    unchanged: 0,
    skipped: [],
    skippedCount: 0,
    digest: '0'.repeat(64),
    startedBy,
    createdAt: at,
    heartbeatAt: at,
  };
  await putIfAbsent(db, {
    ...keys.carryOverJob(id),
    ...(unitIds.length ? keys.runningImport(id) : {}),
    entity: 'carryOver',
    ...job,
    ...(unitIds.length ? {} : { status: 'done', finishedAt: at }),
  });
  const started = Date.now();
  const run = await runCarryOverUnits(db, id, {
    shouldStop: (j) => j.pairings >= limit.pairings || Date.now() - started >= limit.ms,
  });
  const stored = await getCarryOver(db, id);
  if (run === 'more') await deps.runner.continue(id);
  if (stored.status === 'done') return resultOf(stored);
  const { id: _id, status: _status, ...progress } = stored;
  return { ...progress, status: 'running', jobId: id };
}
