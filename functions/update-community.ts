import * as z from 'zod';
import { auditChanges } from '#shared/audit/index.ts';
import { CommunityPatch, patchCommunity } from '#shared/registry/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

const Params = z.strictObject({ id: z.string().trim().min(1).max(64) });

/** PATCH /communities/{id}: an admin edits a 社区, or deactivates it (`active: false`); the change is audited. */
export const handler = apiHandler({ body: CommunityPatch, params: Params }, async ({ body, params, now }) => {
  const edit = await patchCommunity(db, params.id, body, now);
  return { json: edit.after, audit: auditChanges(edit) };
});
