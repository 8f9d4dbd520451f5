import * as z from 'zod';
import { NewReceipt, recordReceipt } from '#shared/aid/receipt.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';
import { getObjectStore } from './lib/objects.ts';

const Params = z.object({ id: z.string().min(1).max(64) });

/** POST /aid-records/{id}/receipt: the household's acknowledgement of an entry. */
export const handler = apiHandler({ body: NewReceipt, params: Params }, async ({ caller, body, params, now }) => ({
  status: 201,
  json: await recordReceipt({ db, objects: getObjectStore() }, caller, params.id, body, now),
}));
