import { NewHousehold, registerHousehold } from '#shared/household/index.ts';
import { getFieldCipher } from './lib/cipher.ts';
import { db, idHashKey } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** POST /households: an admin registers a household; a bad ID number is a 400, a registered one a 409. */
export const handler = apiHandler({ body: NewHousehold }, async ({ body, now }) => ({
  status: 201,
  json: await registerHousehold({ db, now, idHashKey: await idHashKey(), cipher: getFieldCipher() }, body),
}));
