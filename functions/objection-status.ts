import * as z from 'zod';
import { ObjectionReference, objectionStatus } from '#shared/notice/objections.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

const Query = z.strictObject({ reference: ObjectionReference });

/** GET /objections/status?reference=: what became of an objection, by the reference on its receipt (public). */
export const handler = apiHandler({ query: Query }, async ({ query }) => ({
  json: await objectionStatus(db, query.reference),
}));
