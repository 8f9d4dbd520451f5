import * as z from 'zod';
import { getImport } from '#shared/imports/jobs.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

const Params = z.strictObject({ id: z.string().regex(/^[\w-]{1,64}$/, '导入任务编号无效') });

/** GET /imports/{id}: an import's status, progress (rowsDone of rowsTotal), counts and first errors. */
export const handler = apiHandler({ params: Params }, async ({ params }) => ({ json: await getImport(db, params.id) }));
