import * as z from 'zod';
import { householdDetail } from '#shared/household/index.ts';
import { getFieldCipher } from './lib/cipher.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

const Params = z.object({ id: z.string().min(1).max(64) });

/** GET /households/{id}: one household; the full ID number for admins, the masked one for auditors. */
export const handler = apiHandler({ params: Params }, async ({ caller, params }) => ({
  json: await householdDetail({ db, cipher: getFieldCipher() }, caller, params.id),
}));
