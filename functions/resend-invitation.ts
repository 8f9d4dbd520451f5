import { resendInvitation, UserPath } from '#shared/accounts/index.ts';
import { getAccountDirectory } from './lib/accounts.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** POST /users/{username}/resend: the invitation again, to a user who has not signed in yet. */
export const handler = apiHandler({ params: UserPath }, async ({ caller, params, now }) => ({
  json: await resendInvitation({ db, directory: getAccountDirectory() }, caller.sub, params.username, now),
}));
