import { endPairing, PairingEnd } from '#shared/pairing/reassign.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** POST /pairings/end: an admin ends a pairing on a date (no new entries dated after it). */
export const handler = apiHandler({ body: PairingEnd }, async ({ body, now }) => ({
  json: await endPairing(db, body, now),
}));
