import * as z from 'zod';
import { getNotice } from '#shared/notice/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

const Params = z.object({ id: z.string().min(1).max(128) });

/** GET /notices/{id}: one notice: masked names, household sizes, totals, the window and the digest. No login. */
export const handler = apiHandler({ params: Params }, async ({ params }) => ({
  json: await getNotice(db, params.id),
}));
