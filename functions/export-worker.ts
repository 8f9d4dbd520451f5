import type { Context } from 'aws-lambda';
import { runExport } from '#shared/exports/run.ts';
import { db } from './lib/clients.ts';
import { getExportRunner } from './lib/export-jobs.ts';
import { logger } from './lib/logger.ts';
import { getObjectStore } from './lib/objects.ts';

/** Time kept in hand: a chunk (16 communities) takes a second or two; the checkpoint and the hand-over less. */
const RESERVE_MS = 2 * 60_000;

/**
 * The export's background worker, invoked asynchronously with `{exportId}`: writes chunks from the job's
 * checkpoint until the report ends or its time runs short, then checkpoints and invokes itself for the rest. A
 * duplicate or retried invocation finds the checkpoint moved and stops.
 */
export async function handler(event: { exportId: string }, context: Context): Promise<{ result: string }> {
  const result = await runExport(db, getObjectStore(), event.exportId, {
    shouldStop: () => context.getRemainingTimeInMillis() < RESERVE_MS,
  });
  logger.info('export chunks', { exportId: event.exportId, result });
  if (result === 'more') await getExportRunner().continue(event.exportId);
  return { result };
}
