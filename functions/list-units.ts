import { listUnits, UnitListQuery } from '#shared/registry/lists.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** GET /units?search=&active=&cursor=&limit=: the work units. */
export const handler = apiHandler({ query: UnitListQuery }, async ({ query }) => ({
  json: await listUnits(db, query),
}));
