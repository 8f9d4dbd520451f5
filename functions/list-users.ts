import { listUsers, UserListQuery } from '#shared/accounts/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** GET /users?cursor=&limit=: the accounts, in username order, a page at a time. */
export const handler = apiHandler({ query: UserListQuery }, async ({ query }) => ({
  json: await listUsers(db, query),
}));
