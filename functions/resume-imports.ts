import { resumeStaleExports } from '#shared/exports/job.ts';
import { resumeStaleImports } from '#shared/imports/index.ts';
import { db } from './lib/clients.ts';
import { getExportRunner } from './lib/export-jobs.ts';
import { getImportRunner } from './lib/import-jobs.ts';
import { logger } from './lib/logger.ts';

/**
 * A checkpoint older than this means no worker is on the job (a worker checkpoints every chunk, seconds apart,
 * and hands over before its 15 minutes): a lost invocation, or one that failed after its retries.
 */
const STALE_MS = 20 * 60_000;

/** The sweep (every 10 minutes): continues running imports and exports whose worker has gone quiet. */
export async function handler(): Promise<{ resumed: string[] }> {
  const now = new Date();
  const resumed = [
    ...(await resumeStaleImports(db, getImportRunner(), now, STALE_MS)),
    ...(await resumeStaleExports(db, getExportRunner(), now, STALE_MS)),
  ];
  if (resumed.length) logger.warn('jobs resumed by the sweep', { resumed });
  return { resumed };
}
