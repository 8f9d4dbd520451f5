import * as z from 'zod';
import { Role } from '../caller.ts';
import { type Db, putIfAbsent, updateIf } from '../db.ts';
import { AppError, conflict, type FieldIssue, notFound } from '../errors.ts';
import { PageLimit } from '../paging.ts';
import { findEntity } from '../registry/index.ts';
import { keys } from '../table.ts';
import { parseInput } from '../validate.ts';
import { findUser, listUserPage, USERNAME_PATTERN, type User, type UserStatus } from './list.ts';

export * from './list.ts';

/**
 * Accounts (issue #12, item 7): an admin invites a user with a role and the scope that role needs, chosen from the
 * registry; disables, re-enables, and resends the invitation. Two stores, kept in step by the commands here:
 *
 * - the **directory** that signs people in (`AccountDirectory`, a port): Cognito on AWS, where the role is the
 *   user's group and the scope the `custom:*` attributes only an admin may set; locally, nothing at all, because
 *   local sign-in reads the user list below;
 * - the **user list** in the table (`USER#<username>`, listed in `byKind` under `KIND#user`), on AWS and locally
 *   alike: what the admin's page shows, what the audit trail names, and, locally, who may sign in.
 *
 * Without transactions the two cannot change together, so each command calls the directory first and writes the
 * list after, with calls that may be repeated: a retry after a failure in between finishes the job (Cognito's
 * create adopts a user it already has with the same email and scope; disable and enable are idempotent).
 */

/**
 * Usernames: 3–64 characters, lower-case Latin letters, digits, `_` and `-`, starting with a letter; upper
 * case is folded to lower. Narrower than Cognito allows, on purpose: the pool signs in case-sensitively and takes
 * the email as an alias, so a name with `@` or one differing only in case would confuse people; and the name is
 * a path segment of the API and the pages (`/users/{username}/disable`), where `.` and `%` would need care.
 */
const USERNAME_RULE = '用户名为 3–64 位小写字母、数字、下划线或连字符，以字母开头';

export const Username = z.string({ error: USERNAME_RULE }).trim().toLowerCase().regex(USERNAME_PATTERN, USERNAME_RULE);

/** The path of the account routes (`/users/{username}/…`): the username by the same rule as at invitation. */
export const UserPath = z.object({ username: Username });

const Email = z
  .string({ error: '请填写电子邮箱' })
  .trim()
  .toLowerCase()
  .min(1, '请填写电子邮箱')
  .max(254, '电子邮箱不超过 254 个字符')
  .pipe(z.email('电子邮箱格式不正确'));

const ScopeId = z.string().trim().min(1, '不能为空').max(64, '不超过 64 个字符');

/** What the admin sends to invite a user: the role, and the scope ids that role takes (checked by `checkScope`). */
export const NewUser = z.strictObject({
  username: Username,
  email: Email,
  role: z.enum(Role.options, { error: '角色应为 admin、cadre、communityCadre 或 auditor' }),
  cadreId: ScopeId.optional(),
  communityId: ScopeId.optional(),
  unitId: ScopeId.optional(),
});
export type NewUser = z.infer<typeof NewUser>;

/** The scope a role carries into the directory (Cognito's `custom:*` attributes), as checked against the registry. */
export interface Scope {
  cadreId?: string;
  communityId?: string;
  unitId?: string;
}

/**
 * The directory that signs users in: Cognito on AWS (`functions/lib/accounts.ts`), nothing locally. Every call
 * may be repeated with the same effect (see the module comment).
 */
export interface AccountDirectory {
  /** Creates the user with an invitation by email, in the role's group, with the scope attributes. */
  create(user: { username: string; email: string; role: Role } & Scope): Promise<{ sub?: string | undefined }>;
  disable(username: string): Promise<void>;
  enable(username: string): Promise<void>;
  /** Sends the invitation again (a new temporary password; the old one stops working). */
  resend(user: { username: string; email: string }): Promise<void>;
}

interface Registered {
  id: string;
  name: string;
  unitId?: string;
  active?: boolean;
}

const NO_SCOPE = '该角色不需要此项';

/**
 * The scope of a new user, checked against the registry: a cadre needs an existing, active cadre (its unit comes
 * from the cadre; a `unitId` given must be that unit), a community cadre an existing, active community; admins and
 * auditors take none. Every problem is a field issue, all at once, so the page shows each beside its field.
 */
export async function checkScope(db: Db, input: NewUser): Promise<Scope> {
  const issues: FieldIssue[] = [];
  const none = (...fields: (keyof Scope)[]) => {
    for (const f of fields) if (input[f] !== undefined) issues.push({ path: f, message: NO_SCOPE });
  };
  let scope: Scope = {};
  if (input.role === 'cadre') {
    none('communityId');
    if (!input.cadreId) issues.push({ path: 'cadreId', message: '帮扶责任人账号须选择一名帮扶责任人' });
    else {
      const cadre = await findEntity<Registered>(db, 'cadre', input.cadreId);
      if (!cadre) issues.push({ path: 'cadreId', message: '帮扶责任人不存在' });
      else if (cadre.active === false) issues.push({ path: 'cadreId', message: '该帮扶责任人已停用' });
      else if (input.unitId !== undefined && input.unitId !== cadre.unitId) {
        issues.push({ path: 'unitId', message: '帮扶单位与该帮扶责任人所在单位不一致' });
      } else scope = { cadreId: cadre.id, ...(cadre.unitId ? { unitId: cadre.unitId } : {}) };
    }
  } else if (input.role === 'communityCadre') {
    none('cadreId', 'unitId');
    if (!input.communityId) issues.push({ path: 'communityId', message: '社区干部账号须选择一个社区' });
    else {
      const community = await findEntity<Registered>(db, 'community', input.communityId);
      if (!community) issues.push({ path: 'communityId', message: '社区不存在' });
      else if (community.active === false) issues.push({ path: 'communityId', message: '该社区已停用' });
      else scope = { communityId: community.id };
    }
  } else {
    none('cadreId', 'communityId', 'unitId');
  }
  if (issues.length) throw new AppError('user.scope_invalid', `账号范围有误：${issues[0]!.message}`, issues);
  return scope;
}

/** The two stores a command keeps in step. The `actor` each takes is the caller's token subject. */
export interface Deps {
  db: Db;
  directory: AccountDirectory;
}

async function requireUser(db: Db, username: string): Promise<User> {
  const user = await findUser(db, username);
  if (!user) throw notFound('user.not_found', '没有这个账号');
  return user;
}

/**
 * POST /users: invites a user. Nothing is written and the directory is not called unless the input and its scope
 * are valid; a username already in the list is 409 `user.exists` (and so is one the directory has with another
 * email or scope).
 */
export async function inviteUser(deps: Deps, actor: string, raw: unknown, now: Date): Promise<User> {
  const input = parseInput(NewUser, raw);
  const scope = await checkScope(deps.db, input);
  if (await findUser(deps.db, input.username)) throw conflict('user.exists', '该用户名已被使用');
  const created = await deps.directory.create({
    username: input.username,
    email: input.email,
    role: input.role,
    ...scope,
  });
  const at = now.toISOString();
  const user: User = {
    username: input.username,
    email: input.email,
    role: input.role,
    ...scope,
    status: 'invited',
    ...(created.sub ? { sub: created.sub } : {}),
    createdAt: at,
    createdBy: actor,
    invitations: 1,
    lastInvitedAt: at,
  };
  const stored = await putIfAbsent(deps.db, {
    ...keys.user(user.username),
    ...keys.userListing(user.username),
    entity: 'user',
    ...user,
  });
  // Two invitations of one name at once: the directory took both (the second as the same user), the list one.
  if (!stored) throw conflict('user.exists', '该用户名已被使用');
  return user;
}

export const UserListQuery = z.strictObject({
  cursor: Username.optional(),
  limit: PageLimit.optional(),
});

/** GET /users: the accounts in username order, a page at a time (`nextCursor` is the last username). */
export function listUsers(db: Db, rawQuery: unknown = {}): Promise<{ items: User[]; nextCursor: string | null }> {
  return listUserPage(db, parseInput(UserListQuery, rawQuery, '查询参数'));
}

/** POST /users/{username}/disable and /enable: the directory first, then the list. Repeating either changes nothing. */
export async function setUserEnabled(
  deps: Deps,
  actor: string,
  username: string,
  enabled: boolean,
  now: Date,
): Promise<User> {
  const user = await requireUser(deps.db, username);
  if (enabled) await deps.directory.enable(user.username);
  else await deps.directory.disable(user.username);
  const status: UserStatus = !enabled ? 'disabled' : user.firstSignInAt ? 'active' : 'invited';
  const at = now.toISOString();
  await updateIf(deps.db, keys.user(user.username), { set: { status, updatedAt: at, updatedBy: actor } });
  return { ...user, status, updatedAt: at, updatedBy: actor };
}

/**
 * POST /users/{username}/resend: the invitation again, for someone who has not yet signed in. A disabled or
 * already active user gets 409 `user.not_invited` and no mail.
 */
export async function resendInvitation(deps: Deps, actor: string, username: string, now: Date): Promise<User> {
  const user = await requireUser(deps.db, username);
  if (user.status !== 'invited') {
    throw conflict(
      'user.not_invited',
      user.status === 'disabled' ? '该账号已停用，请先启用再重发邀请' : '该用户已登录过，无需重发邀请',
    );
  }
  await deps.directory.resend({ username: user.username, email: user.email });
  const at = now.toISOString();
  await updateIf(
    deps.db,
    keys.user(user.username),
    { set: { lastInvitedAt: at, updatedAt: at, updatedBy: actor }, add: { invitations: 1 } },
    { expression: 'attribute_exists(pk)' },
  );
  return { ...user, invitations: user.invitations + 1, lastInvitedAt: at, updatedAt: at, updatedBy: actor };
}
