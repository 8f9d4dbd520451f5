import { Reassignment, reassignPairing } from '#shared/pairing/reassign.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** POST /pairings/reassignment: an admin hands a household-year to another cadre from a date. */
export const handler = apiHandler({ body: Reassignment }, async ({ body, now }) => ({
  json: await reassignPairing(db, body, now),
}));
