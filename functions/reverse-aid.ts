import * as z from 'zod';
import { reverseAid } from '#shared/aid/ledger.ts';
import { NewReversal } from '#shared/aid/rules.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

const Params = z.object({ id: z.string().min(1).max(64) });

/** POST /aid-records/{id}/reversal: the recording cadre or an admin cancels an entry, with a reason. */
export const handler = apiHandler(
  { body: NewReversal, params: Params },
  async ({ caller, body, params, now, requestId }) => ({
    status: 201,
    json: await reverseAid(db, caller, params.id, body, now, { requestId }),
  }),
);
