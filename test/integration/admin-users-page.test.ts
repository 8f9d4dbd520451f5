import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '#functions/lib/clients.ts';
import { findUser } from '#shared/accounts/index.ts';
import { admin } from '../support/factories.ts';
import { PageClient } from '../support/page-client.ts';
import { newCadre, newCommunity, newUnit } from '../support/world.ts';

/**
 * Issue #12, item 7, the page: the admin invites from `/app/admin/users` choosing the scope from the registry,
 * sees errors beside the fields (in Chinese) with nothing stored, and disables, enables and resends from the list.
 * The local stack's directory (the list itself) is what runs here, as in `npm start`.
 */

let page: PageClient;
let cadreId: string;
let unitId: string;
let communityId: string;
const newName = () => `p${randomUUID().replaceAll('-', '').slice(0, 12)}`;

beforeAll(async () => {
  page = await PageClient.as(admin);
  unitId = await newUnit('市卫健委');
  cadreId = await newCadre(unitId, '赵医生');
  communityId = await newCommunity('和睦社区');
});

const rowOf = (body: string, username: string) =>
  new RegExp(`<tr id="user-${username}"[\\s\\S]*?</tr>`).exec(body)?.[0] ?? '';

describe('the accounts page', () => {
  it('offers the registry as the scope: a unit chosen first, its cadres with the unit, communities by name', async () => {
    // A city has ~19,000 cadres: the form offers those of the unit chosen first.
    const first = await page.get('/app/admin/users');
    expect(first.statusCode, first.body.slice(0, 300)).toBe(200);
    expect(first.body).not.toContain(`<option value="${cadreId}">`);
    expect(first.body).toContain('<select id="unitId" name="unitId">');
    const res = await page.get(`/app/admin/users?unitId=${unitId}`);
    expect(res.body).toContain(`<option value="${cadreId}">赵医生 · 市卫健委</option>`);
    expect(res.body).toContain(`action="/app/admin/users?unitId=${unitId}"`);
    expect(res.body).toContain(`<option value="${communityId}">和睦社区</option>`);
    expect(res.body).toContain('不会发送任何邮件');
  });

  it('invites a cadre from the page: the list shows role, the scope by name, and the status', async () => {
    const username = newName();
    const res = await page.post('/app/admin/users', '/app/admin/users', {
      username,
      email: `${username}@example.cn`,
      role: 'cadre',
      cadreId,
      communityId: '',
    });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
    expect(res.headers?.location).toBe(`/app/admin/users?invited=${username}`);
    const list = await page.get(res.headers!.location!);
    expect(list.body).toContain(`已邀请：${username}`);
    const row = rowOf(list.body, username);
    expect(row).toContain('帮扶责任人');
    expect(row).toContain('赵医生 · 市卫健委');
    expect(row).toContain('已邀请');
    expect(await findUser(db, username)).toMatchObject({ role: 'cadre', cadreId });
  });

  it('shows errors beside the fields, in Chinese, keeps what was typed, and stores nothing', async () => {
    const username = newName();
    const res = await page.post('/app/admin/users', '/app/admin/users', {
      username,
      email: 'not-an-email',
      role: 'communityCadre',
      cadreId: '',
      communityId: '',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/<p class="error" id="email-error" role="alert">电子邮箱格式不正确<\/p>/);
    expect(res.body).toContain(`value="${username}"`);
    const scope = await page.post('/app/admin/users', '/app/admin/users', {
      username,
      email: `${username}@example.cn`,
      role: 'communityCadre',
      cadreId,
      communityId: '',
    });
    expect(scope.statusCode).toBe(400);
    expect(scope.body).toContain('<p class="error" id="communityId-error" role="alert">社区干部账号须选择一个社区</p>');
    expect(scope.body).toContain('<p class="error" id="cadreId-error" role="alert">该角色不需要此项</p>');
    expect(scope.body).toContain('aria-describedby="communityId-error"');
    expect(await findUser(db, username)).toBeUndefined();
  });

  it('says a taken username beside the username field', async () => {
    const username = newName();
    const fields = { username, email: `${username}@example.cn`, role: 'auditor', cadreId: '', communityId: '' };
    expect((await page.post('/app/admin/users', '/app/admin/users', fields)).statusCode).toBe(303);
    const again = await page.post('/app/admin/users', '/app/admin/users', fields);
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('<p class="error" id="username-error" role="alert">该用户名已被使用</p>');
  });

  it('disables, enables and resends from the list', async () => {
    const username = newName();
    await page.post('/app/admin/users', '/app/admin/users', {
      username,
      email: `${username}@example.cn`,
      role: 'communityCadre',
      communityId,
    });
    const resent = await page.post('/app/admin/users', `/app/admin/users/${username}/resend`, {});
    expect(resent.headers?.location).toBe(`/app/admin/users?resent=${username}`);
    expect((await findUser(db, username))!.invitations).toBe(2);

    const disabled = await page.post('/app/admin/users', `/app/admin/users/${username}/disable`, {});
    expect(disabled.statusCode).toBe(303);
    const list = await page.get(disabled.headers!.location!);
    const row = rowOf(list.body, username);
    expect(row).toContain('data-status="disabled"');
    expect(row).toContain('和睦社区');
    expect(row).toContain(`action="/app/admin/users/${username}/enable"`);
    expect(row).not.toContain('/resend"');

    const enabled = await page.post('/app/admin/users', `/app/admin/users/${username}/enable`, {});
    expect(enabled.statusCode).toBe(303);
    expect((await findUser(db, username))!.status).toBe('invited');
  });

  it('in English too', async () => {
    const res = await page.get('/app/admin/users?lang=en');
    expect(res.body).toContain('Invite a user');
    expect(res.body).toContain('no email is sent');
  });
});
