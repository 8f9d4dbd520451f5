import { setUserEnabled, UserPath } from '#shared/accounts/index.ts';
import { getAccountDirectory } from './lib/accounts.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** POST /users/{username}/disable: an admin disables an account (it can no longer sign in). */
export const handler = apiHandler({ params: UserPath }, async ({ caller, params, now }) => ({
  json: await setUserEnabled({ db, directory: getAccountDirectory() }, caller.sub, params.username, false, now),
}));
