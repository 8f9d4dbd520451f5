import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '#functions/lib/clients.ts';
import type { ApiResult } from '#functions/lib/http.ts';
import { listAudit } from '#shared/audit/index.ts';
import { findHousehold } from '#shared/household/index.ts';
import { findEntity } from '#shared/registry/index.ts';
import { admin, auditor, makeIdNumber } from '../support/factories.ts';
import { PageClient } from '../support/page-client.ts';

/**
 * Issue #12, item 2, the pages: the admin lists, searches, filters and pages through communities, units, cadres
 * and households, registers each from its list page (errors beside the fields in Chinese, a taken name beside
 * the name), edits, deactivates and re-activates from its edit page, and corrects a household's ID number with
 * a reason. Every write is in the audit trail with before and after; no page ever holds a full ID number.
 * Through the real admin-pages Lambda on dynalite (this file's own table).
 */

let page: PageClient;
/** Every page body this file was answered with: none may hold a full ID number. */
const seen: string[] = [];
/** Every full ID number this file typed into a form. */
const typed: string[] = [];

async function get(path: string): Promise<ApiResult> {
  const res = await page.get(path);
  seen.push(res.body);
  return res;
}

async function post(from: string, action: string, fields: Record<string, string>): Promise<ApiResult> {
  if (fields.idNumber) typed.push(fields.idNumber);
  if (fields.newIdNumber) typed.push(fields.newIdNumber);
  const res = await page.post(from, action, fields);
  seen.push(res.body);
  return res;
}

/** Posts a form that must succeed; returns the id the redirect names and the page it leads to. */
async function created(kind: string, fields: Record<string, string>): Promise<{ id: string; list: ApiResult }> {
  const res = await post(`/app/admin/${kind}`, `/app/admin/${kind}`, fields);
  expect(res.statusCode, res.body.slice(0, 600)).toBe(303);
  const id = /\?created=([\w-]+)$/.exec(res.headers!.location!)?.[1];
  expect(id).toBeDefined();
  return { id: id!, list: await get(res.headers!.location!) };
}

const errorOf = (body: string, field: string) =>
  new RegExp(`<p class="error" id="${field}-error" role="alert">([^<]*)</p>`).exec(body)?.[1];
const rowIds = (body: string) => [...body.matchAll(/<tr id="row-([\w-]+)"/g)].map((m) => m[1]!);
const nextLink = (body: string) => /<a href="([^"]+)" rel="next">/.exec(body)?.[1]?.replaceAll('&amp;', '&');
const rowOf = (body: string, id: string) => new RegExp(`<tr id="row-${id}"[\\s\\S]*?</tr>`).exec(body)?.[0] ?? '';

/** Every id of a list, following the next-page links; and how many pages it took. */
async function walk(first: string): Promise<{ ids: string[]; pages: number; links: string[] }> {
  const ids: string[] = [];
  const links: string[] = [];
  let url: string | undefined = first;
  let pages = 0;
  while (url) {
    const res = await get(url);
    expect(res.statusCode, res.body.slice(0, 400)).toBe(200);
    ids.push(...rowIds(res.body));
    pages++;
    url = nextLink(res.body);
    if (url) links.push(url);
  }
  return { ids, pages, links };
}

let unitA: string;
let unitB: string;
const communities: Record<string, string> = {};

beforeAll(async () => {
  page = await PageClient.as(admin);
});

describe('communities', () => {
  it('registers communities from the list page, with their township and district, and says so', async () => {
    const fields = [
      ['东关社区', '城关街道', '城北区'],
      ['西关社区', '城关街道', '城北区'],
      ['南湖社区', '湖滨街道', '城北区'],
      ['新河村', '河口镇', '城南区'],
      ['无区社区', '', ''],
    ];
    for (const [name, township, district] of fields) {
      const { id, list } = await created('communities', { name: name!, township: township!, district: district! });
      communities[name!] = id;
      expect(list.body).toContain(`已登记：<a href="/app/admin/communities/${id}">${name}</a>`);
      expect(await findEntity(db, 'community', id)).toMatchObject({ name, ...(township ? { township } : {}) });
    }
    const list = await get('/app/admin/communities');
    expect(rowOf(list.body, communities.新河村!)).toMatch(/新河村[\s\S]*河口镇[\s\S]*城南区/);
    expect(rowOf(list.body, communities.无区社区!)).toMatch(/<td>未分区<\/td><td>未分区<\/td>/);
  });

  it('shows a name taken in the township beside the name (409), a township without district beside the district (400), keeps what was typed and stores nothing', async () => {
    const taken = await post('/app/admin/communities', '/app/admin/communities', {
      name: '东关社区',
      township: '城关街道',
      district: '城北区',
    });
    expect(taken.statusCode).toBe(409);
    expect(errorOf(taken.body, 'name')).toBe('同一街道/乡镇内已有同名社区');
    expect(taken.body).toContain('<details class="card create" open>');

    const noDistrict = await post('/app/admin/communities', '/app/admin/communities', {
      name: '孤镇社区',
      township: '孤镇',
      district: '',
    });
    expect(noDistrict.statusCode).toBe(400);
    expect(errorOf(noDistrict.body, 'district')).toBe('填写街道/乡镇时，请同时填写所属区/县');
    expect(noDistrict.body).toContain('value="孤镇社区"');
    const all = await walk('/app/admin/communities');
    expect(all.ids).toHaveLength(5);
  });

  it('filters by district and township from selects, searches by name, and says when nothing matches', async () => {
    const list = await get('/app/admin/communities');
    const district = /<option value="(d-[\w]+)">城北区<\/option>/.exec(list.body)?.[1];
    const township = /<option value="(t-[\w]+)">城关街道<\/option>/.exec(list.body)?.[1];
    expect(district && township).toBeTruthy();
    expect((await walk(`/app/admin/communities?districtId=${district}`)).ids.sort()).toStrictEqual(
      [communities.东关社区, communities.西关社区, communities.南湖社区].sort(),
    );
    expect((await walk(`/app/admin/communities?townshipId=${township}`)).ids.sort()).toStrictEqual(
      [communities.东关社区, communities.西关社区].sort(),
    );
    const searched = await get(`/app/admin/communities?search=${encodeURIComponent('湖')}&districtId=${district}`);
    expect(rowIds(searched.body)).toStrictEqual([communities.南湖社区]);
    expect(searched.body).toContain(`<option value="${district}" selected>城北区</option>`);
    expect(searched.body).toContain('value="湖"');
    const none = await get(`/app/admin/communities?search=${encodeURIComponent('不存在的')}`);
    expect(rowIds(none.body)).toStrictEqual([]);
    expect(none.body).toContain('没有符合条件的记录。');
  });

  it('pages through the list with the cursor in the next link, keeping the filters: every one once', async () => {
    const list = await get('/app/admin/communities');
    const district = /<option value="(d-[\w]+)">城北区<\/option>/.exec(list.body)![1]!;
    const all = await walk('/app/admin/communities?limit=2');
    expect(all.pages).toBe(3);
    expect(new Set(all.ids).size).toBe(5);
    expect(all.links.every((l) => l.includes('limit=2') && l.includes('cursor='))).toBe(true);
    const north = await walk(`/app/admin/communities?districtId=${district}&limit=2`);
    expect(north.ids).toHaveLength(3);
    expect(north.links[0]).toContain(`districtId=${district}`);
    const second = await get(north.links[0]!);
    expect(second.body).toContain('本页 1 条');
    expect(second.body).toContain('回到第一页');
  });

  it('refuses a forged cursor with a 400 page, not a 500', async () => {
    const res = await get('/app/admin/communities?cursor=bm90LWEtY3Vyc29y');
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('翻页标记无效');
  });

  it('edits a community from its page (prefilled), audited with before and after', async () => {
    const id = communities.西关社区!;
    const shown = await get(`/app/admin/communities/${id}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain('value="西关社区"');
    expect(shown.body).toContain('value="城关街道"');
    const saved = await post(`/app/admin/communities/${id}`, `/app/admin/communities/${id}`, {
      name: '西关新社区',
      township: '城关街道',
      district: '城北区',
    });
    expect(saved.statusCode, saved.body.slice(0, 400)).toBe(303);
    expect(saved.headers?.location).toBe(`/app/admin/communities/${id}?saved=1`);
    const after = await get(saved.headers!.location!);
    expect(after.body).toContain('已保存修改。');
    expect(after.body).toContain('名称：西关社区 → 西关新社区');
    const { entries } = await listAudit(db, { entityId: id }, new Date());
    expect(entries.at(-1)).toMatchObject({
      action: `PAGE POST /app/admin/communities/${id}`,
      actor: admin.sub,
      before: { name: '西关社区' },
      after: { name: '西关新社区' },
    });
    const moved = await post(`/app/admin/communities/${id}`, `/app/admin/communities/${id}`, {
      name: '东关社区',
      township: '城关街道',
      district: '城北区',
    });
    expect(moved.statusCode).toBe(409);
    expect(errorOf(moved.body, 'name')).toBe('同一街道/乡镇内已有同名社区');
    const emptied = await post(`/app/admin/communities/${id}`, `/app/admin/communities/${id}`, {
      name: '西关新社区',
      township: '',
      district: '',
    });
    expect(emptied.statusCode).toBe(303);
    expect(await findEntity(db, 'community', id)).not.toHaveProperty('township');
  });
});

describe('units', () => {
  it('registers units, refuses a taken name beside the name, searches and pages', async () => {
    unitA = (await created('units', { name: '市卫健委' })).id;
    unitB = (await created('units', { name: '市教育局' })).id;
    await created('units', { name: '市民政局' });
    const taken = await post('/app/admin/units', '/app/admin/units', { name: '市卫健委' });
    expect(taken.statusCode).toBe(409);
    expect(errorOf(taken.body, 'name')).toBe('已有同名帮扶单位');
    const empty = await post('/app/admin/units', '/app/admin/units', { name: '  ' });
    expect(empty.statusCode).toBe(400);
    expect(errorOf(empty.body, 'name')).toBe('名称不能为空');
    expect(rowIds((await get(`/app/admin/units?search=${encodeURIComponent('教育')}`)).body)).toStrictEqual([unitB]);
    const paged = await walk('/app/admin/units?limit=1');
    expect(paged.pages).toBe(3);
    expect(new Set(paged.ids).size).toBe(3);
  });

  it('deactivates and re-activates from the edit page; the active filter and the tags follow', async () => {
    const path = `/app/admin/units/${unitB}`;
    const shown = await get(path);
    expect(shown.body).toContain(`<form method="post" action="${path}/active">`);
    const off = await post(path, `${path}/active`, { active: 'false' });
    expect(off.headers?.location).toBe(`${path}?deactivated=1`);
    const offPage = await get(off.headers!.location!);
    expect(offPage.body).toContain('已停用。它仍保留在名册和报表中。');
    expect(offPage.body).toContain('>重新启用</button>');
    expect(rowIds((await get('/app/admin/units?active=false')).body)).toStrictEqual([unitB]);
    expect(rowIds((await get('/app/admin/units?active=true')).body)).not.toContain(unitB);
    expect(rowOf((await get('/app/admin/units')).body, unitB)).toContain('data-active="false"');
    const { entries } = await listAudit(db, { entityId: unitB }, new Date());
    expect(entries.at(-1)).toMatchObject({ before: { active: true }, after: { active: false } });

    const on = await post(path, `${path}/active`, { active: 'true' });
    expect(on.headers?.location).toBe(`${path}?reactivated=1`);
    expect(await findEntity(db, 'unit', unitB)).not.toHaveProperty('active');
    const bad = await post(path, `${path}/active`, { active: 'maybe' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('active 应为 true 或 false');
  });

  it('saves nothing and says so when nothing changed', async () => {
    const path = `/app/admin/units/${unitA}`;
    const res = await post(path, path, { name: '市卫健委' });
    expect(res.headers?.location).toBe(`${path}?unchanged=1`);
    expect((await get(res.headers!.location!)).body).toContain('没有修改任何内容。');
  });
});

describe('cadres', () => {
  let zhao: string;
  it('registers cadres with a unit chosen from a select, a code and a phone; the list shows unit, code and phone', async () => {
    const form = await get('/app/admin/cadres');
    expect(form.body).toContain(`<option value="${unitA}">市卫健委</option>`);
    zhao = (await created('cadres', { name: '赵医生', unitId: unitA, code: 'W001', phone: '13800138000' })).id;
    await created('cadres', { name: '钱医生', unitId: unitA, code: '', phone: '' });
    await created('cadres', { name: '孙老师', unitId: unitB, code: 'J001', phone: '' });
    const list = await get('/app/admin/cadres');
    expect(rowOf(list.body, zhao)).toMatch(/赵医生[\s\S]*市卫健委[\s\S]*W001[\s\S]*13800138000/);
    const byUnit = await walk(`/app/admin/cadres?unitId=${unitA}&limit=1`);
    expect(byUnit.ids).toHaveLength(2);
    expect(byUnit.links[0]).toContain(`unitId=${unitA}`);
    expect(rowIds((await get('/app/admin/cadres?search=W001')).body)).toStrictEqual([zhao]);
  });

  it('shows a taken code beside the code (409), a bad phone and a missing unit beside theirs (400)', async () => {
    const taken = await post('/app/admin/cadres', '/app/admin/cadres', {
      name: '李医生',
      unitId: unitA,
      code: 'W001',
      phone: '',
    });
    expect(taken.statusCode).toBe(409);
    expect(errorOf(taken.body, 'code')).toBe('该单位已有使用此编号的帮扶责任人');
    expect(taken.body).toContain(`<option value="${unitA}" selected>`);
    const bad = await post('/app/admin/cadres', '/app/admin/cadres', {
      name: '李医生',
      unitId: '',
      code: '',
      phone: 'abc',
    });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad.body, 'phone')).toMatch(/^电话应为数字/);
    expect(errorOf(bad.body, 'unitId')).toBeDefined();
  });

  it('edits a cadre: moves an unpaired cadre to another unit, clears the phone', async () => {
    const path = `/app/admin/cadres/${zhao}`;
    const res = await post(path, path, { name: '赵医生', unitId: unitB, code: 'W001', phone: '' });
    expect(res.statusCode, res.body.slice(0, 400)).toBe(303);
    const cadre = await findEntity<Record<string, unknown>>(db, 'cadre', zhao);
    expect(cadre).toMatchObject({ unitId: unitB, code: 'W001' });
    expect(cadre).not.toHaveProperty('phone');
    expect((await get(path)).body).toContain('帮扶单位：市卫健委 → 市教育局');
  });
});

describe('households', () => {
  const ids: Record<string, string> = {};
  const numbers: Record<string, string> = {};

  it('registers households from the page: the list shows the masked number, community and size, never the number', async () => {
    const people: [string, string, number][] = [
      ['张三', '东关社区', 3],
      ['李四', '东关社区', 2],
      ['王五', '南湖社区', 4],
      ['赵六', '新河村', 1],
    ];
    for (const [headName, community, size] of people) {
      numbers[headName] = makeIdNumber('19700101');
      const { id, list } = await created('households', {
        headName,
        idNumber: numbers[headName]!,
        communityId: communities[community]!,
        memberCount: String(size),
      });
      ids[headName] = id;
      expect(list.body).toContain(`已登记：<a href="/app/admin/households/${id}">${headName}</a>`);
    }
    const list = await get('/app/admin/households');
    const row = rowOf(list.body, ids.张三!);
    const masked = `${numbers.张三!.slice(0, 6)}********${numbers.张三!.slice(14)}`;
    expect(row).toContain(masked);
    expect(row).toMatch(/东关社区[\s\S]*<td class="num">3<\/td>/);
  });

  it('shows a bad or registered ID number beside the field (400, 409) without writing it back', async () => {
    const bad = `${numbers.张三!.slice(0, 17)}${numbers.张三!.endsWith('0') ? '1' : '0'}`;
    const refused = await post('/app/admin/households', '/app/admin/households', {
      headName: '钱七',
      idNumber: bad,
      communityId: communities.东关社区!,
      memberCount: '2',
    });
    expect(refused.statusCode).toBe(400);
    expect(errorOf(refused.body, 'idNumber')).toBeDefined();
    expect(refused.body).toContain('value="钱七"');
    expect(refused.body).toMatch(/<input id="idNumber" name="idNumber"[^>]*value=""/);
    const twice = await post('/app/admin/households', '/app/admin/households', {
      headName: '钱七',
      idNumber: numbers.李四!,
      communityId: communities.东关社区!,
      memberCount: '2',
    });
    expect(twice.statusCode).toBe(409);
    expect(errorOf(twice.body, 'idNumber')).toBe('该身份证号已登记过困难家庭，不能重复登记');
    const size = await post('/app/admin/households', '/app/admin/households', {
      headName: '钱七',
      idNumber: makeIdNumber(),
      communityId: '',
      memberCount: 'three',
    });
    expect(size.statusCode).toBe(400);
    expect(errorOf(size.body, 'memberCount')).toBe('家庭人口必须是数字');
    expect(errorOf(size.body, 'communityId')).toBe('请选择社区');
    expect((await walk('/app/admin/households')).ids).toHaveLength(4);
  });

  it('searches by name and by the last four characters of the number; filters by community, township, district', async () => {
    expect(rowIds((await get(`/app/admin/households?search=${encodeURIComponent('王')}`)).body)).toStrictEqual([
      ids.王五,
    ]);
    expect(rowIds((await get(`/app/admin/households?search=${numbers.赵六!.slice(-4)}`)).body)).toContain(ids.赵六);
    const list = await get('/app/admin/households');
    const district = /<option value="(d-[\w]+)">城北区<\/option>/.exec(list.body)![1]!;
    const township = /<option value="(t-[\w]+)">湖滨街道<\/option>/.exec(list.body)![1]!;
    expect((await walk(`/app/admin/households?communityId=${communities.东关社区}`)).ids.sort()).toStrictEqual(
      [ids.张三, ids.李四].sort(),
    );
    expect((await walk(`/app/admin/households?townshipId=${township}`)).ids).toStrictEqual([ids.王五]);
    const north = await walk(`/app/admin/households?districtId=${district}&limit=1`);
    expect(north.ids.sort()).toStrictEqual([ids.张三, ids.李四, ids.王五].sort());
    expect(north.links.every((l) => l.includes(`districtId=${district}`))).toBe(true);
  });

  it('edits a household from its page (linked to its aid record), audited before and after', async () => {
    const path = `/app/admin/households/${ids.张三}`;
    const shown = await get(path);
    expect(shown.body).toContain(`href="/app/households/${ids.张三}"`);
    expect(shown.body).toContain('value="张三"');
    expect(shown.body).toContain(`<option value="${communities.东关社区}" selected>`);
    const res = await post(path, path, { headName: '张三丰', communityId: communities.东关社区!, memberCount: '5' });
    expect(res.statusCode, res.body.slice(0, 400)).toBe(303);
    expect(await findHousehold(db, ids.张三!)).toMatchObject({ headName: '张三丰', memberCount: 5 });
    const { entries } = await listAudit(db, { entityId: ids.张三! }, new Date());
    expect(entries.at(-1)).toMatchObject({
      before: { headName: '张三', memberCount: 3 },
      after: { headName: '张三丰', memberCount: 5 },
    });
    const zero = await post(path, path, { headName: '张三丰', communityId: communities.东关社区!, memberCount: '0' });
    expect(zero.statusCode).toBe(400);
    expect(errorOf(zero.body, 'memberCount')).toBe('家庭人口至少 1 人');
  });

  it('corrects the ID number only with a reason (400 beside the reason), shows the masked number only, and audits the reason', async () => {
    const path = `/app/admin/households/${ids.李四}`;
    const right = makeIdNumber('19650505');
    const without = await post(path, `${path}/id-number`, { newIdNumber: right, reason: '' });
    expect(without.statusCode).toBe(400);
    expect(errorOf(without.body, 'reason')).toBe('请填写更正原因');
    expect((await findHousehold(db, ids.李四!))!.idNumberMasked).toBe(
      `${numbers.李四!.slice(0, 6)}********${numbers.李四!.slice(14)}`,
    );
    const done = await post(path, `${path}/id-number`, { newIdNumber: right, reason: '户籍系统核对，原登记错一位' });
    expect(done.headers?.location).toBe(`${path}?corrected=1`);
    const masked = `${right.slice(0, 6)}********${right.slice(14)}`;
    const after = await get(done.headers!.location!);
    expect(after.body).toContain('已更正身份证号。');
    expect(after.body).toContain(`<span class="mono" data-masked>${masked}</span>`);
    expect(after.body).toContain('原因：户籍系统核对，原登记错一位');
    const { entries } = await listAudit(db, { entityId: ids.李四! }, new Date());
    expect(entries.at(-1)).toMatchObject({
      action: `PAGE POST ${path}/id-number`,
      after: { idNumberMasked: masked },
      reason: '户籍系统核对，原登记错一位',
    });
    expect(JSON.stringify(entries)).not.toContain(right);
    // The old number is free again: it can be registered for another household.
    const again = await post('/app/admin/households', '/app/admin/households', {
      headName: '周八',
      idNumber: numbers.李四!,
      communityId: communities.南湖社区!,
      memberCount: '1',
    });
    expect(again.statusCode).toBe(303);
  });

  it('deactivates a household; a deactivated community takes no new household', async () => {
    const path = `/app/admin/households/${ids.赵六}`;
    expect((await post(path, `${path}/active`, { active: 'false' })).statusCode).toBe(303);
    expect(rowIds((await get('/app/admin/households?active=false')).body)).toStrictEqual([ids.赵六]);
    const c = `/app/admin/communities/${communities.新河村}`;
    expect((await post(c, `${c}/active`, { active: 'false' })).statusCode).toBe(303);
    const refused = await post('/app/admin/households', '/app/admin/households', {
      headName: '吴九',
      idNumber: makeIdNumber(),
      communityId: communities.新河村!,
      memberCount: '2',
    });
    expect(refused.statusCode).toBe(400);
    expect(errorOf(refused.body, 'communityId')).toBe('该社区已停用');
  });

  it('answers an unknown id with a 404 page', async () => {
    expect((await get('/app/admin/households/no-such-household')).statusCode).toBe(404);
    expect((await get('/app/admin/units/no-such-unit')).statusCode).toBe(404);
  });
});

describe('who may use them', () => {
  it('are the admin’s: an auditor is refused the lists and the edit pages (the API lists serve auditors)', async () => {
    const as = await PageClient.as(auditor);
    for (const path of ['/app/admin/communities', '/app/admin/households', `/app/admin/units/${unitA}`]) {
      const res = await as.get(path);
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('您的角色无权执行此操作');
    }
  });

  it('in English too', async () => {
    const res = await get('/app/admin/households?lang=en');
    expect(res.body).toContain('ID number (masked)');
    expect(res.body).toContain('Register a household');
  });
});

afterAll(() => {
  // No page this file was shown holds a full ID number: not a list, not a refused form, not an edit page.
  expect(typed.length).toBeGreaterThan(5);
  for (const body of seen) for (const n of typed) expect(body).not.toContain(n);
});
