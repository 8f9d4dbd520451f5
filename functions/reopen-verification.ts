import * as z from 'zod';
import { ReopenInput, reopen } from '#shared/verification/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';
import { verificationConfig } from './lib/verification-config.ts';
import { getWorkflow } from './lib/workflow.ts';

const Params = z.object({ id: z.string().min(1).max(128) });

/** POST /verifications/{id}/reopen: an admin unlocks a final community-year, with a reason; a new round starts. */
export const handler = apiHandler({ body: ReopenInput, params: Params }, async ({ caller, body, params, now }) => ({
  json: await reopen(
    { db, workflow: getWorkflow(), now, config: verificationConfig() },
    caller,
    params.id,
    body.reason,
  ),
}));
