import { listObjections, ObjectionListQuery } from '#shared/notice/objections.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** GET /objections?status=open|resolved&cursor=&limit=: the admin's objections, a page at a time. */
export const handler = apiHandler({ query: ObjectionListQuery }, async ({ query }) => ({
  json: await listObjections(db, query),
}));
