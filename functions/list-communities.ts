import { CommunityListQuery, listCommunities } from '#shared/registry/lists.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** GET /communities?search=&districtId=&townshipId=&active=&cursor=&limit=: communities with their regions. */
export const handler = apiHandler({ query: CommunityListQuery }, async ({ query }) => ({
  json: await listCommunities(db, query),
}));
