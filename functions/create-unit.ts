import { createUnit, NewUnit } from '#shared/registry/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** POST /units: an admin registers a work unit (帮扶单位). */
export const handler = apiHandler({ body: NewUnit }, async ({ body, now }) => ({
  status: 201,
  json: await createUnit(db, body, now),
}));
