import * as z from 'zod';
import { NewVisit, recordVisit } from '#shared/visit/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';
import { getObjectStore } from './lib/objects.ts';

const Params = z.object({ id: z.string().min(1).max(64) });

/** POST /households/{id}/visits: the paired cadre records a visit (a note, up to four of their own photos). */
export const handler = apiHandler(
  { body: NewVisit, params: Params },
  async ({ caller, body, params, headers, now }) => {
    const { visit, created } = await recordVisit(
      { db, objects: getObjectStore() },
      caller,
      params.id,
      headers['idempotency-key'] ?? '',
      body,
      now,
    );
    return { status: created ? 201 : 200, json: visit };
  },
);
