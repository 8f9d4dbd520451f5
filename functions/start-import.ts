import { ImportRequest, startImport } from '#shared/imports/index.ts';
import { apiHandler } from './lib/http.ts';
import { importDeps } from './lib/import-deps.ts';
import { getImportRunner } from './lib/import-jobs.ts';

/**
 * POST /imports: a dry run (200, every row checked, nothing written) or a commit (202 with the job's id; it runs
 * in the background). A commit of a file with bad rows is a 400 unless `skipInvalid` is true.
 */
export const handler = apiHandler({ body: ImportRequest }, async ({ body, caller, now }) =>
  startImport({ ...(await importDeps(now)), runner: getImportRunner() }, body, caller.sub),
);
