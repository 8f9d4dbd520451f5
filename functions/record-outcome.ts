import * as z from 'zod';
import { NewOutcome, recordOutcome } from '#shared/outcome/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

const Params = z.object({ id: z.string().min(1).max(64) });

/** POST /households/{id}/outcomes: the paired cadre records a problem solved (a job found, a child in school). */
export const handler = apiHandler({ body: NewOutcome, params: Params }, async ({ caller, body, params, now }) => ({
  status: 201,
  json: await recordOutcome(db, caller, params.id, body, now),
}));
