import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Role } from '../caller.ts';
import { type Db, getItem, updateIf } from '../db.ts';
import { keys, stripKeys, TABLE_DESIGN } from '../table.ts';

/**
 * The account list's reads and its sign-in side, without the schemas: what the field pages' Lambda needs (local
 * sign-in, the first sign-in), kept apart so its bundle carries none of the invitation's validation. The
 * commands and rules are in `index.ts`, which re-exports all of this.
 */

/** Usernames (see `Username` in index.ts for why this narrow). */
export const USERNAME_PATTERN = /^[a-z][a-z0-9_-]{2,63}$/;

export type UserStatus = 'invited' | 'active' | 'disabled';

/** One account as the list keeps it. `sub` is the directory's id of the user (what tokens and the audit trail carry). */
export interface User {
  username: string;
  email: string;
  role: Role;
  cadreId?: string;
  communityId?: string;
  unitId?: string;
  status: UserStatus;
  sub?: string;
  createdAt: string;
  createdBy: string;
  updatedAt?: string;
  updatedBy?: string;
  /** How many invitations were sent (the first, then each resend), and when the last was. */
  invitations: number;
  lastInvitedAt: string;
  /** When the user first signed in (the invitation accepted): `invited` becomes `active`. */
  firstSignInAt?: string;
}

const record = (item: Record<string, unknown>) => stripKeys(item) as unknown as User;

/** One account, or undefined. */
export async function findUser(db: Db, username: string): Promise<User | undefined> {
  const name = username.trim().toLowerCase();
  if (!USERNAME_PATTERN.test(name)) return undefined;
  const item = await getItem(db, keys.user(name));
  return item ? record(item) : undefined;
}

/** The accounts in username order after `cursor` (a username, already checked), `limit` at most. */
export async function listUserPage(
  db: Db,
  query: { cursor?: string | undefined; limit?: number | undefined },
): Promise<{ items: User[]; nextCursor: string | null }> {
  const limit = query.limit ?? 100;
  const out = await db.doc.send(
    new QueryCommand({
      TableName: db.table,
      IndexName: 'byKind',
      KeyConditionExpression: '#p = :p',
      ExpressionAttributeNames: { '#p': TABLE_DESIGN.indexes.byKind.partitionKey },
      ExpressionAttributeValues: { ':p': keys.userListing('').gsi3pk },
      ExclusiveStartKey: query.cursor ? { ...keys.user(query.cursor), ...keys.userListing(query.cursor) } : undefined,
      Limit: limit,
    }),
  );
  const items = (out.Items ?? []).map((i) => record(i as Record<string, unknown>));
  return { items, nextCursor: out.LastEvaluatedKey && items.length ? items[items.length - 1]!.username : null };
}

/**
 * The first sign-in of an invited user makes them `active` (the sign-in pages call it; once, by its condition).
 * A user the list does not know (a demo user, one made with the AWS CLI) is left alone.
 */
export async function markSignedIn(db: Db, username: string, now: Date): Promise<void> {
  if (!USERNAME_PATTERN.test(username)) return;
  await updateIf(
    db,
    keys.user(username),
    { set: { status: 'active', firstSignInAt: now.toISOString() } },
    { expression: '#status = :invited', values: { ':invited': 'invited' } },
  );
}

/**
 * Whether a user of the list may sign in: an account that is not disabled. Local sign-in asks it at sign-in and
 * for every page (a disabled user's cookie stops working); on AWS, Cognito refuses a disabled user itself.
 */
export const maySignIn = (user: User | undefined): user is User => !!user && user.status !== 'disabled';

/** The claims a local sign-in token carries for a user of the list: the role's group and the stored scope only. */
export function localClaimsOf(user: User): {
  sub: string;
  username: string;
  groups: Role[];
  cadreId?: string;
  communityId?: string;
  unitId?: string;
} {
  return {
    sub: user.sub ?? `local-${user.username}`,
    username: user.username,
    groups: [user.role],
    ...(user.cadreId ? { cadreId: user.cadreId } : {}),
    ...(user.communityId ? { communityId: user.communityId } : {}),
    ...(user.unitId ? { unitId: user.unitId } : {}),
  };
}

/**
 * Every account's username by its directory subject (what tokens and the audit trail carry), read a page of 100
 * at a time: how the audit trail's page and export name the person behind an entry.
 */
export async function accountNamesBySub(db: Db): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await listUserPage(db, { cursor, limit: 100 });
    for (const u of page.items) if (u.sub) names.set(u.sub, u.username);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return names;
}
