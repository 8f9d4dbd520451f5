import { CadreListQuery, listCadres } from '#shared/registry/lists.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** GET /cadres?search=&unitId=&active=&cursor=&limit=: cadres, a unit's by a key condition. */
export const handler = apiHandler({ query: CadreListQuery }, async ({ query }) => ({
  json: await listCadres(db, query),
}));
