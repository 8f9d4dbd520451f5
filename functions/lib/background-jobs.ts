import { runImportChunks } from '#shared/imports/index.ts';
import { CARRY_OVER_JOB_PREFIX, runCarryOverUnits } from '#shared/pairing/carry-over-jobs.ts';
import { importDeps } from './import-deps.ts';

/**
 * One run of a background job on the import runner: an import's chunks, or a carry-over's units (ids
 * `carry-over-…`). Both checkpoint with a conditional update and answer `done`, `more` or `not-running`.
 */
export async function runJob(
  id: string,
  opts: { chunkRows?: number | undefined; shouldStop?: () => boolean },
): Promise<'done' | 'more' | 'not-running'> {
  const deps = await importDeps();
  if (id.startsWith(CARRY_OVER_JOB_PREFIX)) {
    return runCarryOverUnits(deps.db, id, opts.shouldStop ? { shouldStop: opts.shouldStop } : {});
  }
  return runImportChunks(deps, id, opts);
}
