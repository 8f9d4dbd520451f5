import { randomBytes, randomUUID } from 'node:crypto';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { handler as createUser } from '#functions/create-user.ts';
import { handler as disableUser } from '#functions/disable-user.ts';
import { handler as enableUser } from '#functions/enable-user.ts';
import { LOCAL_ACCOUNTS, registerLocalAccounts } from '#functions/lib/accounts.ts';
import { db } from '#functions/lib/clients.ts';
import type { ApiResult } from '#functions/lib/http.ts';
import { pageCaller, registerLocalSession } from '#functions/lib/session.ts';
import { handler as listUsersHandler } from '#functions/list-users.ts';
import { handler as pages } from '#functions/pages.ts';
import { handler as resendInvitation } from '#functions/resend-invitation.ts';
import { PAGE_ROUTES, ROUTES } from '#functions/routes.ts';
import { buildApiEvent } from '#infra/local/event.ts';
import { localSignInSession } from '#infra/local/session.ts';
import { findUser } from '#shared/accounts/index.ts';
import { listAudit } from '#shared/audit/index.ts';
import { updateIf } from '#shared/db.ts';
import { keys } from '#shared/table.ts';
import { admin, cadreUser } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { newCadre, newCommunity, newUnit } from '../support/world.ts';

/**
 * Issue #12, item 7: accounts through the real handlers on dynalite. On AWS the directory is Cognito; the tests
 * of that path mock the AWS SDK's Cognito client only (aws-sdk-client-mock), the one engine with no local
 * stand-in, and check the calls and attributes it is sent. Locally the account list itself is the directory: an
 * invited user signs in through the local sign-in page with exactly the invited role and scope, and not once
 * disabled.
 */

const newName = () => `u${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const emailOf = (username: string) => `${username}@example.cn`;

let unitId: string;
let otherUnitId: string;
let cadreId: string;
let communityId: string;

beforeAll(async () => {
  unitId = await newUnit('市财政局');
  otherUnitId = await newUnit('市教育局');
  cadreId = await newCadre(unitId, '王建国');
  communityId = await newCommunity('幸福社区');
});

const invite = (body: Record<string, unknown>, as = admin) => invoke(createUser, 'POST /users', { as, body });
const act = (h: typeof disableUser, verb: string, username: string, as = admin) =>
  invoke(h, `POST /users/{username}/${verb}`, { as, params: { username } });

describe('on AWS: Cognito (the SDK client mocked)', () => {
  const cognito = mockClient(CognitoIdentityProviderClient);

  beforeAll(() => {
    registerLocalAccounts(undefined);
    process.env.USER_POOL_ID = 'cn-north-1_TestPool';
  });
  afterEach(() => cognito.reset());
  afterAll(() => {
    cognito.restore();
    registerLocalAccounts(LOCAL_ACCOUNTS);
  });

  const created = () =>
    cognito.on(AdminCreateUserCommand).resolves({ User: { Attributes: [{ Name: 'sub', Value: 'sub-from-cognito' }] } });

  it('invites a cadre: the user created with email, verified, and the cadre and its unit as scope; put in the cadre group', async () => {
    created();
    const username = newName();
    const res = await invite({ username, email: emailOf(username), role: 'cadre', cadreId });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({
      username,
      role: 'cadre',
      cadreId,
      unitId,
      status: 'invited',
      sub: 'sub-from-cognito',
    });
    expect(cognito.commandCalls(AdminCreateUserCommand).map((c) => c.args[0].input)).toStrictEqual([
      {
        UserPoolId: 'cn-north-1_TestPool',
        Username: username,
        UserAttributes: [
          { Name: 'email', Value: emailOf(username) },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'custom:cadreId', Value: cadreId },
          { Name: 'custom:unitId', Value: unitId },
        ],
        DesiredDeliveryMediums: ['EMAIL'],
      },
    ]);
    expect(cognito.commandCalls(AdminAddUserToGroupCommand).map((c) => c.args[0].input)).toStrictEqual([
      { UserPoolId: 'cn-north-1_TestPool', Username: username, GroupName: 'cadre' },
    ]);
    expect(await findUser(db, username)).toMatchObject({ status: 'invited', createdBy: admin.sub, invitations: 1 });
  });

  it('invites a community cadre with the community as its only scope attribute', async () => {
    created();
    const username = newName();
    const res = await invite({ username, email: emailOf(username), role: 'communityCadre', communityId });
    expect(res.status, res.text).toBe(201);
    const input = cognito.commandCalls(AdminCreateUserCommand)[0]!.args[0].input;
    expect(input.UserAttributes!.filter((a) => a.Name!.startsWith('custom:'))).toStrictEqual([
      { Name: 'custom:communityId', Value: communityId },
    ]);
    expect(cognito.commandCalls(AdminAddUserToGroupCommand)[0]!.args[0].input.GroupName).toBe('communityCadre');
  });

  it.each(['admin', 'auditor'] as const)('invites an %s with no scope attribute at all', async (role) => {
    created();
    const username = newName();
    const res = await invite({ username, email: emailOf(username), role });
    expect(res.status, res.text).toBe(201);
    const input = cognito.commandCalls(AdminCreateUserCommand)[0]!.args[0].input;
    expect(input.UserAttributes!.map((a) => a.Name)).toStrictEqual(['email', 'email_verified']);
    expect(cognito.commandCalls(AdminAddUserToGroupCommand)[0]!.args[0].input.GroupName).toBe(role);
  });

  it('refuses a bad scope with 400 and field issues, storing nothing and calling Cognito not at all', async () => {
    const inactive = await newCadre(unitId, '停用的干部');
    await updateIf(db, keys.entity('cadre', inactive), { set: { active: false } });
    const closedCommunity = await newCommunity('停用的社区');
    await updateIf(db, keys.entity('community', closedCommunity), { set: { active: false } });
    const cases: [Record<string, unknown>, string, string][] = [
      [{ role: 'cadre' }, 'cadreId', '帮扶责任人账号须选择一名帮扶责任人'],
      [{ role: 'cadre', cadreId: 'no-such-cadre' }, 'cadreId', '帮扶责任人不存在'],
      [{ role: 'cadre', cadreId: inactive }, 'cadreId', '该帮扶责任人已停用'],
      [{ role: 'cadre', cadreId, unitId: otherUnitId }, 'unitId', '帮扶单位与该帮扶责任人所在单位不一致'],
      [{ role: 'cadre', cadreId, communityId }, 'communityId', '该角色不需要此项'],
      [{ role: 'communityCadre' }, 'communityId', '社区干部账号须选择一个社区'],
      [{ role: 'communityCadre', communityId: 'no-such-community' }, 'communityId', '社区不存在'],
      [{ role: 'communityCadre', communityId: closedCommunity }, 'communityId', '该社区已停用'],
      [{ role: 'communityCadre', communityId, cadreId }, 'cadreId', '该角色不需要此项'],
      [{ role: 'admin', cadreId }, 'cadreId', '该角色不需要此项'],
      [{ role: 'auditor', communityId }, 'communityId', '该角色不需要此项'],
      [{ role: 'auditor', unitId }, 'unitId', '该角色不需要此项'],
    ];
    for (const [scope, path, message] of cases) {
      const username = newName();
      const res = await invite({ username, email: emailOf(username), ...scope });
      expect(res.status, JSON.stringify(scope)).toBe(400);
      expect(res.json.error.code).toBe('user.scope_invalid');
      expect(res.json.error.issues).toContainEqual({ path, message });
      expect(await findUser(db, username), JSON.stringify(scope)).toBeUndefined();
    }
    expect(cognito.calls()).toHaveLength(0);
  });

  it('refuses a malformed username, email or role with 400 naming the field, and calls nothing', async () => {
    for (const [body, path] of [
      [{ username: 'ab', email: 'a@example.cn', role: 'admin' }, 'username'],
      [{ username: '1abc', email: 'a@example.cn', role: 'admin' }, 'username'],
      [{ username: 'a@b.cn', email: 'a@example.cn', role: 'admin' }, 'username'],
      [{ username: 'abc.def', email: 'a@example.cn', role: 'admin' }, 'username'],
      [{ username: newName(), email: 'not-an-email', role: 'admin' }, 'email'],
      [{ username: newName(), email: 'a@example.cn', role: 'superuser' }, 'role'],
      [{ username: newName(), email: 'a@example.cn' }, 'role'],
    ] as const) {
      const res = await invite(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.code).toBe('request.invalid');
      expect(res.json.error.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    expect(cognito.calls()).toHaveLength(0);
  });

  it('folds a username to lower case, and refuses a taken one with 409 without calling Cognito again', async () => {
    created();
    const username = newName();
    expect(
      (await invite({ username: username.toUpperCase(), email: emailOf(username), role: 'auditor' })).json.username,
    ).toBe(username);
    cognito.reset();
    const again = await invite({ username, email: 'someone.else@example.cn', role: 'admin' });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('user.exists');
    expect(cognito.calls()).toHaveLength(0);
    expect(await findUser(db, username)).toMatchObject({ role: 'auditor', email: emailOf(username) });
  });

  it('finishes an invitation Cognito took but the list did not (a retry), and refuses a different user of that name', async () => {
    const username = newName();
    const exists = Object.assign(new Error('User account already exists'), { name: 'UsernameExistsException' });
    cognito.on(AdminCreateUserCommand).rejects(exists);
    cognito.on(AdminGetUserCommand).resolves({
      Username: username,
      UserAttributes: [
        { Name: 'sub', Value: 'sub-earlier' },
        { Name: 'email', Value: emailOf(username) },
        { Name: 'custom:cadreId', Value: cadreId },
        { Name: 'custom:unitId', Value: unitId },
      ],
    });
    const other = await invite({ username, email: 'other@example.cn', role: 'cadre', cadreId });
    expect(other.status).toBe(409);
    expect(other.json.error.code).toBe('user.exists');
    expect(await findUser(db, username)).toBeUndefined();
    expect(cognito.commandCalls(AdminAddUserToGroupCommand)).toHaveLength(0);

    const retry = await invite({ username, email: emailOf(username), role: 'cadre', cadreId });
    expect(retry.status, retry.text).toBe(201);
    expect(retry.json.sub).toBe('sub-earlier');
    expect(cognito.commandCalls(AdminAddUserToGroupCommand)).toHaveLength(1);
  });

  it('disables, enables and resends through Cognito, and the list follows', async () => {
    created();
    const username = newName();
    await invite({ username, email: emailOf(username), role: 'cadre', cadreId });

    const resent = await act(resendInvitation, 'resend', username);
    expect(resent.status, resent.text).toBe(200);
    expect(resent.json).toMatchObject({ invitations: 2, status: 'invited' });
    expect(cognito.commandCalls(AdminCreateUserCommand).at(-1)!.args[0].input).toStrictEqual({
      UserPoolId: 'cn-north-1_TestPool',
      Username: username,
      MessageAction: 'RESEND',
      DesiredDeliveryMediums: ['EMAIL'],
    });

    const disabled = await act(disableUser, 'disable', username);
    expect(disabled.status, disabled.text).toBe(200);
    expect(disabled.json.status).toBe('disabled');
    expect(cognito.commandCalls(AdminDisableUserCommand).map((c) => c.args[0].input)).toStrictEqual([
      { UserPoolId: 'cn-north-1_TestPool', Username: username },
    ]);
    // A disabled user gets no invitation (and Cognito is not asked).
    const calls = cognito.calls().length;
    const refused = await act(resendInvitation, 'resend', username);
    expect([refused.status, refused.json.error.code]).toStrictEqual([409, 'user.not_invited']);
    expect(cognito.calls()).toHaveLength(calls);

    const enabled = await act(enableUser, 'enable', username);
    expect(enabled.status, enabled.text).toBe(200);
    expect(enabled.json.status).toBe('invited');
    expect(cognito.commandCalls(AdminEnableUserCommand)).toHaveLength(1);
    expect(await findUser(db, username)).toMatchObject({ status: 'invited', invitations: 2, updatedBy: admin.sub });
    // Each act is in the audit trail under the account's name.
    const trail = await listAudit(db, { entityId: username }, new Date());
    expect(trail.entries.map((e) => e.action).sort()).toStrictEqual([
      'POST /users',
      'POST /users/{username}/disable',
      'POST /users/{username}/enable',
      'POST /users/{username}/resend',
    ]);
  });

  it('says 409 when Cognito will not resend because the user has set a password already', async () => {
    created();
    const username = newName();
    await invite({ username, email: emailOf(username), role: 'auditor' });
    cognito
      .on(AdminCreateUserCommand)
      .rejects(Object.assign(new Error('User status is CONFIRMED'), { name: 'UnsupportedUserStateException' }));
    const res = await act(resendInvitation, 'resend', username);
    expect([res.status, res.json.error.code]).toStrictEqual([409, 'user.not_invited']);
    expect((await findUser(db, username))!.invitations).toBe(1);
  });

  it('answers 404 for an account not in the list and 400 for a name that cannot be one, calling nothing', async () => {
    for (const [h, verb] of [
      [disableUser, 'disable'],
      [enableUser, 'enable'],
      [resendInvitation, 'resend'],
    ] as const) {
      const missing = await act(h, verb, newName());
      expect([missing.status, missing.json.error.code]).toStrictEqual([404, 'user.not_found']);
      const bad = await act(h, verb, 'a');
      expect([bad.status, bad.json.error.code]).toStrictEqual([400, 'request.invalid']);
    }
    expect(cognito.calls()).toHaveLength(0);
  });
});

describe('the account acts read no body', () => {
  it('disables, enables and resends by the path alone, whatever body comes with it', async () => {
    const username = newName();
    await invite({ username, email: emailOf(username), role: 'auditor' });
    for (const [h, verb, status] of [
      [disableUser, 'disable', 'disabled'],
      [enableUser, 'enable', 'invited'],
    ] as const) {
      for (const rawBody of ['{"status":"active","role":"admin"', '{"role":"admin","cadreId":"x"}', '']) {
        const res = await invoke(h, `POST /users/{username}/${verb}`, {
          as: admin,
          params: { username },
          rawBody,
          headers: { 'content-type': 'application/json' },
        });
        expect(res.status, res.text).toBe(200);
        expect(res.json).toMatchObject({ status, role: 'auditor' });
      }
    }
    expect(await findUser(db, username)).toMatchObject({ role: 'auditor', status: 'invited' });
  });
});

describe('the list', () => {
  it('lists every account a page at a time, in username order', async () => {
    const prefix = `l${randomUUID().slice(0, 6)}`;
    const names = [`${prefix}-c`, `${prefix}-a`, `${prefix}-b`];
    for (const username of names) await invite({ username, email: emailOf(username), role: 'auditor' });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await invoke(listUsersHandler, 'GET /users', {
        as: admin,
        query: { limit: '2', ...(cursor ? { cursor } : {}) },
      });
      expect(res.status, res.text).toBe(200);
      expect(res.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.json.items.map((u: { username: string }) => u.username));
      cursor = res.json.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toStrictEqual([...seen].sort());
    expect(seen.filter((u) => u.startsWith(prefix))).toStrictEqual([...names].sort());
    const one = (await invoke(listUsersHandler, 'GET /users', { as: admin })).json.items.find(
      (u: { username: string }) => u.username === `${prefix}-a`,
    );
    expect(one).toStrictEqual({
      username: `${prefix}-a`,
      email: emailOf(`${prefix}-a`),
      role: 'auditor',
      status: 'invited',
      sub: `local-${prefix}-a`,
      createdAt: expect.any(String),
      createdBy: admin.sub,
      invitations: 1,
      lastInvitedAt: expect.any(String),
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Locally: the list is the directory, and local sign-in offers it.
// ---------------------------------------------------------------------------------------------------------

const HOST = '127.0.0.1:3000';
const jwtKey = randomBytes(32);

/** A browser on the local sign-in page: its cookies, kept from answers. */
class Browser {
  cookies = new Map<string, string>();
  async send(method: string, path: string, body?: string): Promise<ApiResult> {
    const [rawPath, query] = path.split('?') as [string, string | undefined];
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await pages(
      buildApiEvent({
        method,
        routePath: '/app/{proxy+}',
        rawPath,
        headers: {
          host: HOST,
          ...(cookie ? { cookie } : {}),
          ...(body === undefined
            ? {}
            : { origin: `http://${HOST}`, 'content-type': 'application/x-www-form-urlencoded' }),
        },
        query: Object.fromEntries(new URLSearchParams(query ?? '')),
        body,
      }),
      {} as Context,
    );
    for (const c of res.cookies ?? []) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    return res;
  }
  /** Opens the local sign-in page and signs in with the choice `user`. */
  async signIn(user: string): Promise<ApiResult> {
    const page = await this.send('GET', '/app/dev-login');
    const token = /name="_csrf" value="([\w-]{43})"/.exec(page.body)![1]!;
    return this.send('POST', '/app/dev-login', new URLSearchParams({ _csrf: token, user }).toString());
  }
}

describe('locally: invited users sign in through the local sign-in page', () => {
  beforeAll(() => registerLocalSession(localSignInSession({ jwtKey, db, enabled: true })));
  afterAll(() => registerLocalSession(undefined));

  it('offers an invited user, and signs them in with exactly the invited role and scope', async () => {
    const username = newName();
    expect((await invite({ username, email: emailOf(username), role: 'cadre', cadreId })).status).toBe(201);
    const browser = new Browser();
    const page = await browser.send('GET', '/app/dev-login');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`value="account:${username}"> ${username}（cadre · 王建国 · 市财政局）`);
    expect(page.body).toContain('value="admin"');

    const res = await browser.signIn(`account:${username}`);
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
    const token = decodeURIComponent(browser.cookies.get('la_token')!);
    const caller = await pageCaller(token);
    expect(caller).toStrictEqual({
      sub: `local-${username}`,
      username,
      roles: new Set(['cadre']),
      cadreId,
      communityId: undefined,
      unitId,
    });
    // The first sign-in makes the account active.
    expect((await findUser(db, username))!.status).toBe('active');
    expect((await browser.send('GET', '/app')).statusCode).toBe(200);
  });

  it('refuses a disabled user: not offered, not signed in, and their cookie stops working', async () => {
    const username = newName();
    await invite({ username, email: emailOf(username), role: 'communityCadre', communityId });
    const browser = new Browser();
    expect((await browser.signIn(`account:${username}`)).statusCode).toBe(303);
    expect((await browser.send('GET', '/app')).statusCode).toBe(200);

    expect((await act(disableUser, 'disable', username)).status).toBe(200);
    expect((await browser.send('GET', '/app')).headers?.location).toBe('/app/sign-in');
    const fresh = new Browser();
    expect((await fresh.send('GET', '/app/dev-login')).body).not.toContain(`account:${username}`);
    const refused = await fresh.signIn(`account:${username}`);
    expect(refused.statusCode).toBe(403);
    expect(fresh.cookies.has('la_token')).toBe(false);

    // Enabled again, they may sign in again.
    await act(enableUser, 'enable', username);
    expect((await fresh.signIn(`account:${username}`)).statusCode).toBe(303);
  });

  it('records a local resend in the list (nothing is mailed)', async () => {
    const username = newName();
    await invite({ username, email: emailOf(username), role: 'auditor' });
    const res = await act(resendInvitation, 'resend', username);
    expect(res.status).toBe(200);
    expect(await findUser(db, username)).toMatchObject({ invitations: 2, status: 'invited' });
  });

  it('gives a user nothing with which to widen their own scope: every account route is the admin’s alone', async () => {
    const accountRoutes = [
      ...ROUTES.filter((r) => r.path.startsWith('/users')),
      ...PAGE_ROUTES.filter((r) => r.path.startsWith('/app/admin/users')),
    ];
    expect(accountRoutes.length).toBe(10);
    for (const r of accountRoutes) expect(r.allow, `${r.method} ${r.path}`).toStrictEqual({ admin: 'any' });
    // A cadre asking for themselves: refused before anything is read or written.
    const username = newName();
    await invite({ username, email: emailOf(username), role: 'cadre', cadreId });
    const me = { ...cadreUser(cadreId), sub: `local-${username}` };
    const widen = await invite({ username: newName(), email: 'x@example.cn', role: 'admin' }, me);
    expect([widen.status, widen.json.error.code]).toStrictEqual([403, 'auth.role']);
    expect((await act(enableUser, 'enable', username, me)).status).toBe(403);
    expect(await findUser(db, username)).toMatchObject({ role: 'cadre', cadreId, unitId, status: 'invited' });
  });
});
