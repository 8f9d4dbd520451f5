import { createCadre, NewCadre } from '#shared/registry/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** POST /cadres: an admin registers a cadre (帮扶责任人) of a unit. */
export const handler = apiHandler({ body: NewCadre }, async ({ body, now }) => ({
  status: 201,
  json: await createCadre(db, body, now),
}));
