import * as z from 'zod';
import { verificationPacket } from '#shared/verification/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

const Params = z.object({ id: z.string().min(1).max(128) });

/** GET /verifications/{id}: the packet: status, digest, every household's totals, checks and discrepancies. */
export const handler = apiHandler({ params: Params }, async ({ caller, params }) => ({
  json: await verificationPacket(db, caller, params.id),
}));
