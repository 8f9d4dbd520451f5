import * as z from 'zod';
import { fileObjection, NewObjection } from '#shared/notice/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

const Params = z.object({ id: z.string().min(1).max(128) });

/** POST /notices/{id}/objections: a member of the public disputes an entry while the window is open. */
export const handler = apiHandler({ body: NewObjection, params: Params }, async ({ body, params, now }) => ({
  status: 201,
  json: await fileObjection(db, params.id, body, now),
}));
