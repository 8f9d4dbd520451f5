import type { Context } from 'aws-lambda';
import { runJob } from './lib/background-jobs.ts';
import { getImportRunner } from './lib/import-jobs.ts';
import { logger } from './lib/logger.ts';

/** Time kept in hand: a chunk of 2,000 rows takes seconds; the next invocation starts well before the limit. */
const RESERVE_MS = 3 * 60_000;

/**
 * The import's background worker, invoked asynchronously with `{importId}` (an import, or a carry-over of
 * pairings: ids `carry-over-…`): writes chunks from the job's
 * checkpoint until the file ends or its time runs short, then invokes itself for the rest. A duplicate or
 * retried invocation finds the checkpoint moved and stops without counting anything twice.
 */
export async function handler(event: { importId: string }, context: Context): Promise<{ result: string }> {
  const result = await runJob(event.importId, {
    shouldStop: () => context.getRemainingTimeInMillis() < RESERVE_MS,
  });
  logger.info('import chunks', { importId: event.importId, result });
  if (result === 'more') await getImportRunner().continue(event.importId);
  return { result };
}
