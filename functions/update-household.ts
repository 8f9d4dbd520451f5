import * as z from 'zod';
import { auditChanges } from '#shared/audit/index.ts';
import { HouseholdPatch, patchHousehold } from '#shared/household/index.ts';
import { getFieldCipher } from './lib/cipher.ts';
import { db, idHashKey } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

const Params = z.strictObject({ id: z.string().trim().min(1).max(64) });

/**
 * PATCH /households/{id}: an admin edits a household (head name, size, community, deactivation) or corrects its
 * resident ID number with a reason; the audit entry holds before and after, the number masked only.
 */
export const handler = apiHandler({ body: HouseholdPatch, params: Params }, async ({ body, params, now }) => {
  const edit = await patchHousehold(
    { db, now, idHashKey: await idHashKey(), cipher: getFieldCipher() },
    params.id,
    body,
  );
  return { json: edit.after, audit: auditChanges(edit) };
});
