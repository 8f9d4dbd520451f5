import * as z from 'zod';
import { ExportRequest, getExport, listExports, startExport } from '#shared/exports/job.ts';
import { db } from './lib/clients.ts';
import { getExportRunner } from './lib/export-jobs.ts';
import { apiHandler, routeHandlers } from './lib/http.ts';
import { getObjectStore } from './lib/objects.ts';

const Params = z.strictObject({ id: z.string().regex(/^[\w-]{1,64}$/, '导出任务编号无效') });

/**
 * Export jobs, one Lambda: `POST /exports` starts one (202 `{id}`), `GET /exports/{id}` is its status and
 * progress with a short-lived download link once done, `GET /exports` the caller's recent exports.
 */
export const handler = routeHandlers({
  'POST /exports': apiHandler({ body: ExportRequest }, async ({ caller, body, now }) => ({
    status: 202,
    json: await startExport(db, getExportRunner(), caller, body, now),
  })),
  'GET /exports/{id}': apiHandler({ params: Params }, async ({ caller, params }) => ({
    json: await getExport(db, getObjectStore(), caller, params.id),
  })),
  'GET /exports': apiHandler({}, async ({ caller }) => ({ json: await listExports(db, getObjectStore(), caller) })),
});
