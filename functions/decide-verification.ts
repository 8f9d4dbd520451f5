import * as z from 'zod';
import { DecisionInput, decide } from '#shared/verification/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';
import { getObjectStore } from './lib/objects.ts';
import { getWorkflow } from './lib/workflow.ts';

const Params = z.object({ id: z.string().min(1).max(128) });

/** POST /verifications/{id}/decision: the community cadre confirms (signature + seal) or rejects (comment). */
export const handler = apiHandler({ body: DecisionInput, params: Params }, async ({ caller, body, params, now }) => ({
  json: await decide({ db, workflow: getWorkflow(), objects: getObjectStore(), now }, caller, params.id, body),
}));
