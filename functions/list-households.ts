import { listHouseholds } from '#shared/household/list.ts';
import { HouseholdListQuery } from '#shared/registry/lists.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/**
 * GET /households?search=&communityId=&townshipId=&districtId=&active=&cursor=&limit=: households with their ID
 * numbers masked, never in full.
 */
export const handler = apiHandler({ query: HouseholdListQuery }, async ({ query }) => ({
  json: await listHouseholds(db, query),
}));
