import * as z from 'zod';
import { verifyIntegrity } from '#shared/verification/integrity.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

const Params = z.object({ id: z.string().min(1).max(128) });

/**
 * GET /verifications/{id}/integrity: recomputes a confirmed round's digest from the table and names every
 * difference from what the community cadre signed: `{ok, expectedDigest, actualDigest, mismatches, …}`.
 */
export const handler = apiHandler({ params: Params }, async ({ caller, params }) => ({
  json: await verifyIntegrity(db, caller, params.id),
}));
