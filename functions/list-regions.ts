import { listRegions } from '#shared/registry/regions.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** GET /regions: every district with its townships, as communities created them. */
export const handler = apiHandler({}, async () => ({ json: await listRegions(db) }));
