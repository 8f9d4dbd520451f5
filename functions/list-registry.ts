import { listHouseholds } from '#shared/household/list.ts';
import {
  CadreListQuery,
  CommunityListQuery,
  HouseholdListQuery,
  listCadres,
  listCommunities,
  listUnits,
  UnitListQuery,
} from '#shared/registry/lists.ts';
import { listRegions } from '#shared/registry/regions.ts';
import { db } from './lib/clients.ts';
import { apiHandler, routeHandlers } from './lib/http.ts';

/**
 * The registry's lists, one Lambda: `GET /communities`, `/units`, `/cadres`, `/households` (search, filters,
 * `active`, cursor, limit; households masked, never the full ID number) and `GET /regions`.
 */
export const handler = routeHandlers({
  'GET /communities': apiHandler({ query: CommunityListQuery }, async ({ query }) => ({
    json: await listCommunities(db, query),
  })),
  'GET /units': apiHandler({ query: UnitListQuery }, async ({ query }) => ({ json: await listUnits(db, query) })),
  'GET /cadres': apiHandler({ query: CadreListQuery }, async ({ query }) => ({ json: await listCadres(db, query) })),
  'GET /households': apiHandler({ query: HouseholdListQuery }, async ({ query }) => ({
    json: await listHouseholds(db, query),
  })),
  'GET /regions': apiHandler({}, async () => ({ json: await listRegions(db) })),
});
