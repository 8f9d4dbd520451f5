import { CarryOver, carryOverPairings } from '#shared/pairing/carry-over.ts';
import { commitCarryOver } from '#shared/pairing/carry-over-jobs.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';
import { carryOverInlineLimit, getImportRunner } from './lib/import-jobs.ts';

/**
 * POST /pairings/carry-over: last year's pairings into the next year, previewed (dryRun) or committed. A commit
 * that does not finish within the inline limit goes on in the background on the import worker: 200 with
 * `{status: 'running', jobId, …}`, followed at `GET /pairings/carry-over/{jobId}`.
 */
export const handler = apiHandler({ body: CarryOver }, async ({ body, caller, now }) => ({
  json: body.dryRun
    ? await carryOverPairings(db, body, now)
    : await commitCarryOver({ db, now, runner: getImportRunner() }, body, caller.sub, carryOverInlineLimit()),
}));
