import { listPairings, PairingListQuery } from '#shared/pairing/list.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** GET /pairings?year=&cadreId=|communityId=|unitId=&cursor=&limit=: one year's pairings, a page at a time. */
export const handler = apiHandler({ query: PairingListQuery }, async ({ query }) => ({
  json: await listPairings(db, query),
}));
