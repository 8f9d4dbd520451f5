import * as z from 'zod';
import { fileObjection, NewObjection } from '#shared/notice/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';
import { limitObjections } from './lib/rate-limit.ts';

const Params = z.object({ id: z.string().min(1).max(128) });

/**
 * POST /notices/{id}/objections: a member of the public disputes an entry while the window is open. Each
 * well-formed attempt counts toward the client's limit (OBJECTION_RATE_LIMIT) before anything is read; one the
 * schema refuses (400) never reaches the count.
 */
export const handler = apiHandler({ body: NewObjection, params: Params }, async ({ body, params, now, sourceIp }) => {
  await limitObjections(sourceIp, now);
  return { status: 201, json: await fileObjection(db, params.id, body, now) };
});
