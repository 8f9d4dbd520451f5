import * as z from 'zod';
import { auditChanges } from '#shared/audit/index.ts';
import {
  CadrePatch,
  CommunityPatch,
  patchCadre,
  patchCommunity,
  patchUnit,
  UnitPatch,
} from '#shared/registry/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler, routeHandlers } from './lib/http.ts';

const Params = z.strictObject({ id: z.string().trim().min(1).max(64) });

/**
 * `PATCH /communities/{id}`, `/units/{id}`, `/cadres/{id}`: an admin edits a registry entity or deactivates it
 * (`active: false`); the audit entry holds the changed fields before and after. One Lambda for the three.
 */
export const handler = routeHandlers({
  'PATCH /communities/{id}': apiHandler({ body: CommunityPatch, params: Params }, async ({ body, params, now }) => {
    const edit = await patchCommunity(db, params.id, body, now);
    return { json: edit.after, audit: auditChanges(edit) };
  }),
  'PATCH /units/{id}': apiHandler({ body: UnitPatch, params: Params }, async ({ body, params, now }) => {
    const edit = await patchUnit(db, params.id, body, now);
    return { json: edit.after, audit: auditChanges(edit) };
  }),
  'PATCH /cadres/{id}': apiHandler({ body: CadrePatch, params: Params }, async ({ body, params, now }) => {
    const edit = await patchCadre(db, params.id, body, now);
    return { json: edit.after, audit: auditChanges(edit) };
  }),
});
