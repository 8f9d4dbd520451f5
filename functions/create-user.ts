import { inviteUser, NewUser } from '#shared/accounts/index.ts';
import { getAccountDirectory } from './lib/accounts.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** POST /users: an admin invites a user with a role and its scope from the registry (Cognito on AWS). */
export const handler = apiHandler({ body: NewUser }, async ({ caller, body, now }) => ({
  status: 201,
  json: await inviteUser({ db, directory: getAccountDirectory() }, caller.sub, body, now),
}));
