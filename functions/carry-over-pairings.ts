import { CarryOver, carryOverPairings } from '#shared/pairing/carry-over.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** POST /pairings/carry-over: last year's pairings into the next year, previewed (dryRun) or committed. */
export const handler = apiHandler({ body: CarryOver }, async ({ body, now }) => ({
  json: await carryOverPairings(db, body, now),
}));
