import type { LocalSession } from '#functions/lib/session.ts';
import { findUser, listUserPage, localClaimsOf, markSignedIn, maySignIn, type User } from '#shared/accounts/list.ts';
import { Role } from '#shared/caller.ts';
import type { Db } from '#shared/db.ts';
import { findEntity } from '#shared/registry/index.ts';
import { DEMO_USERS } from './demo-data.ts';
import { signDevToken, verifyDevToken } from './tokens.ts';

/**
 * The local stack's sign-in for the pages: its own tokens, the demo users, and the users an admin invited (the
 * account list in the table). A token of an invited user names them (`cognito:username`), and is honoured only
 * while their account is not disabled: disabling takes effect at the next page, as a cookie is checked on each.
 * (On AWS, Cognito refuses a disabled user's sign-in; an ID token already issued lasts until it expires.)
 */
export function localSignInSession(opts: { jwtKey: Uint8Array; db: Db; enabled: boolean }): LocalSession {
  const { jwtKey, db, enabled } = opts;
  return {
    verify: async (token) => {
      const claims = await verifyDevToken(jwtKey, token);
      const username = claims?.['cognito:username'];
      if (!claims || typeof username !== 'string') return claims;
      return maySignIn(await findUser(db, username)) ? claims : undefined;
    },
    signDemo: async (user) =>
      enabled && user in DEMO_USERS ? signDevToken(jwtKey, DEMO_USERS[user as keyof typeof DEMO_USERS]) : undefined,
    demoUsers: enabled ? Object.keys(DEMO_USERS) : [],
    accounts: async () => {
      if (!enabled) return [];
      const { items } = await listUserPage(db, { limit: 200 });
      return Promise.all(
        items.filter(maySignIn).map(async (u) => ({ username: u.username, label: await labelOf(db, u) })),
      );
    },
    signAccount: async (username, now) => {
      const user = enabled ? await findUser(db, username) : undefined;
      if (!maySignIn(user)) return undefined;
      const { username: name, groups, ...scope } = localClaimsOf(user);
      const token = await signDevToken(jwtKey, { ...scope, groups: groups.filter(isRole) }, name);
      await markSignedIn(db, name, now);
      return token;
    },
  };
}

const isRole = (g: string): g is Role => Role.safeParse(g).success;

/** How the sign-in page names an account: username, role, and its scope by the registry's name. */
async function labelOf(db: Db, u: User): Promise<string> {
  const name = async (kind: 'cadre' | 'community' | 'unit', id: string | undefined) =>
    id ? ((await findEntity<{ name: string }>(db, kind, id))?.name ?? id) : undefined;
  const scope = u.cadreId
    ? `${await name('cadre', u.cadreId)} · ${await name('unit', u.unitId)}`
    : await name('community', u.communityId);
  return `${u.username}（${u.role}${scope ? ` · ${scope}` : ''}）`;
}
