import * as z from 'zod';
import { ObjectionResolution, resolveObjection } from '#shared/notice/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';
import { getWorkflow } from './lib/workflow.ts';

const Params = z.object({ id: z.string().min(1).max(64) });

/**
 * POST /objections/{id}/resolution: an admin upholds or dismisses an objection, with a note; the round waiting
 * on it is signalled.
 */
export const handler = apiHandler(
  { body: ObjectionResolution, params: Params },
  async ({ caller, body, params, now }) => ({
    json: await resolveObjection({ db, workflow: getWorkflow() }, caller.sub, params.id, body, now),
  }),
);
