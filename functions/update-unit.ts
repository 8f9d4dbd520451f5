import * as z from 'zod';
import { auditChanges } from '#shared/audit/index.ts';
import { patchUnit, UnitPatch } from '#shared/registry/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

const Params = z.strictObject({ id: z.string().trim().min(1).max(64) });

/** PATCH /units/{id}: an admin edits a 帮扶单位, or deactivates it (`active: false`); the change is audited. */
export const handler = apiHandler({ body: UnitPatch, params: Params }, async ({ body, params, now }) => {
  const edit = await patchUnit(db, params.id, body, now);
  return { json: edit.after, audit: auditChanges(edit) };
});
