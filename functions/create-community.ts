import { createCommunity, NewCommunity } from '#shared/registry/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** POST /communities: an admin registers a community (社区/村). */
export const handler = apiHandler({ body: NewCommunity }, async ({ body, now }) => ({
  status: 201,
  json: await createCommunity(db, body, now),
}));
