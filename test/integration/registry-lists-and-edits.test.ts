import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as createCadre } from '#functions/create-cadre.ts';
import { handler as createCommunity } from '#functions/create-community.ts';
import { handler as createUnit } from '#functions/create-unit.ts';
import { getFieldCipher } from '#functions/lib/cipher.ts';
import { db, idHashKey } from '#functions/lib/clients.ts';
import { handler as listAudit } from '#functions/list-audit.ts';
import { handler as listRegistry } from '#functions/list-registry.ts';
import { handler as registerHousehold } from '#functions/register-household.ts';
import { handler as updateHousehold } from '#functions/update-household.ts';
import { handler as updateRegistry } from '#functions/update-registry.ts';
import { putIfAbsent } from '#shared/db.ts';
import { ensureHousehold, findHouseholdIdsByResidentIds, type HouseholdDeps } from '#shared/household/index.ts';
import { findPairing } from '#shared/pairing/index.ts';
import { GUARD_FENCE_MS, guardHash } from '#shared/registry/guard.ts';
import {
  ensureCadre,
  ensureCommunity,
  ensureUnit,
  findCadreByCode,
  findCadresByName,
  findCommunityByName,
  findUnitByName,
  listEntities,
  normalizeName,
} from '#shared/registry/index.ts';
import { keys } from '#shared/table.ts';
import { admin, auditor, cadreUser, makeIdNumber } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { roundAwaitingDecision, useRecordingWorkflow } from '../support/rounds.ts';
import { newCadre, newCommunity, newHousehold, newUnit, pair } from '../support/world.ts';

// One Lambda serves each group of routes; the names say which route a call means.
const [listCommunities, listUnits, listCadres, listHouseholds, listRegions] = Array(5).fill(listRegistry);
const [updateCommunity, updateUnit, updateCadre] = Array(3).fill(updateRegistry);

/**
 * The registry of #12: regions created on first use, names unique where people expect them, lists with
 * search, filters and stable pages, edits audited with before and after, deactivation, the correction of a
 * resident ID number, and the ensure/find functions the imports call. Through the real handlers, on dynalite.
 */

let tag = 0;
/** A name no other test in this file uses. */
const unique = (base: string) => `${base}-${++tag}`;
const year = () => Number(new Date().toISOString().slice(0, 4));

const post = (handler: typeof createCommunity, route: string, body: unknown) =>
  invoke(handler, route, { as: admin, body });
const patch = (handler: typeof updateCommunity, route: string, id: string, body: unknown) =>
  invoke(handler, route, { as: admin, params: { id }, body });

async function deps(): Promise<HouseholdDeps> {
  return { db, now: new Date(), idHashKey: await idHashKey(), cipher: getFieldCipher() };
}

/** Every item of a list, page after page, with the pages' sizes. */
async function allPages(
  handler: typeof listCommunities,
  route: string,
  query: Record<string, string>,
  limit: number,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const r: { status: number; text: string; json: any } = await invoke(handler, route, {
      as: auditor,
      query: { ...query, limit: String(limit), ...(cursor ? { cursor } : {}) },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json.items.length).toBeLessThanOrEqual(limit);
    ids.push(...r.json.items.map((i: { id: string }) => i.id));
    cursor = r.json.nextCursor;
    pages++;
  } while (cursor);
  return { ids, pages };
}

/** The audit entries of an entity made by one route. */
async function auditOf(entityId: string, action: string) {
  const r = await invoke(listAudit, 'GET /audit', { as: auditor, query: { entityId } });
  return r.json.entries.filter((e: { action: string }) => e.action === action);
}

beforeAll(() => {
  useRecordingWorkflow();
});

describe('regions', () => {
  it('creates a district and a township on first use and reuses them for the next community', async () => {
    const district = unique('姑苏区');
    const a = await post(createCommunity, 'POST /communities', { name: '东园社区', township: '平江街道', district });
    const b = await post(createCommunity, 'POST /communities', { name: '西园社区', township: '平江街道', district });
    expect(a.status).toBe(201);
    expect(a.json).toMatchObject({ name: '东园社区', township: '平江街道', district, active: true });
    expect(b.json.townshipId).toBe(a.json.townshipId);
    expect(b.json.districtId).toBe(a.json.districtId);
    const regions = await invoke(listRegions, 'GET /regions', { as: auditor });
    expect(regions.status).toBe(200);
    const found = regions.json.districts.filter((d: { name: string }) => d.name === district);
    expect(found).toStrictEqual([
      { id: a.json.districtId, name: district, townships: [{ id: a.json.townshipId, name: '平江街道' }] },
    ]);
  });

  it('gives a community without regions no region ids (listed under 未分区)', async () => {
    const r = await post(createCommunity, 'POST /communities', { name: unique('无区社区') });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ townshipId: null, districtId: null, township: null, district: null });
  });

  it('refuses a township without its district, naming the district field, and writes nothing', async () => {
    const name = unique('孤街社区');
    const r = await post(createCommunity, 'POST /communities', { name, township: '某街道' });
    expect(r.status).toBe(400);
    expect(r.json.error.issues).toStrictEqual([{ path: 'district', message: expect.any(String) }]);
    const list = await invoke(listCommunities, 'GET /communities', { as: admin, query: { search: name } });
    expect(list.json.items).toStrictEqual([]);
  });

  it('creates one district and one township when many communities name them at once', async () => {
    const district = unique('并发区');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        post(createCommunity, 'POST /communities', { name: `并发社区${i}`, township: '并发街道', district }),
      ),
    );
    expect(results.map((r) => r.status)).toStrictEqual(Array(8).fill(201));
    expect(new Set(results.map((r) => r.json.townshipId)).size).toBe(1);
    const regions = await invoke(listRegions, 'GET /regions', { as: admin });
    const found = regions.json.districts.filter((d: { name: string }) => d.name === district);
    expect(found).toHaveLength(1);
    expect(found[0].townships).toHaveLength(1);
  });
});

describe('names unique where people expect them', () => {
  it('refuses a second community of one name in one township with 409, and allows it in another township', async () => {
    const district = unique('相城区');
    const body = { name: '和谐社区', township: '元和街道', district };
    expect((await post(createCommunity, 'POST /communities', body)).status).toBe(201);
    const again = await post(createCommunity, 'POST /communities', { ...body, name: ' 和谐社区 ' });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('community.name_taken');
    const elsewhere = await post(createCommunity, 'POST /communities', { ...body, township: '黄桥街道' });
    expect(elsewhere.status).toBe(201);
    const listed = await invoke(listCommunities, 'GET /communities', {
      as: admin,
      query: { districtId: elsewhere.json.districtId },
    });
    expect(listed.json.items.map((c: { township: string }) => c.township).sort()).toStrictEqual([
      '元和街道',
      '黄桥街道',
    ]);
  });

  it('refuses a second unit of one name city-wide with 409 unit.name_taken', async () => {
    const name = unique('市民政局');
    expect((await post(createUnit, 'POST /units', { name })).status).toBe(201);
    const again = await post(createUnit, 'POST /units', { name });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('unit.name_taken');
    const list = await invoke(listUnits, 'GET /units', { as: admin, query: { search: name } });
    expect(list.json.items).toHaveLength(1);
  });

  it('keeps a cadre code unique within its unit (409), free in another unit, and stores the phone', async () => {
    const [u1, u2] = [await newUnit(), await newUnit()];
    const first = await post(createCadre, 'POST /cadres', {
      name: '王一',
      unitId: u1,
      code: 'A-001',
      phone: '13800138000',
    });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ code: 'A-001', phone: '13800138000', active: true });
    const dup = await post(createCadre, 'POST /cadres', { name: '王二', unitId: u1, code: 'A-001' });
    expect(dup.status).toBe(409);
    expect(dup.json.error.code).toBe('cadre.code_taken');
    expect((await post(createCadre, 'POST /cadres', { name: '王三', unitId: u2, code: 'A-001' })).status).toBe(201);
    const inU1 = await invoke(listCadres, 'GET /cadres', { as: admin, query: { unitId: u1 } });
    expect(inU1.json.items.map((c: { name: string }) => c.name)).toStrictEqual(['王一']);
  });

  it('refuses a bad phone number with the field named', async () => {
    const r = await post(createCadre, 'POST /cadres', { name: '赵', unitId: await newUnit(), phone: 'call me' });
    expect(r.status).toBe(400);
    expect(r.json.error.issues[0].path).toBe('phone');
  });
});

describe('lists', () => {
  let world: { district: string; districtId: string; townshipId: string; c1: string; c2: string; c3: string };
  const heads: Record<string, string> = {};

  beforeAll(async () => {
    const district = unique('吴中区');
    const c1 = await post(createCommunity, 'POST /communities', { name: '甲社区', township: '长桥街道', district });
    const c2 = await post(createCommunity, 'POST /communities', { name: '乙社区', township: '长桥街道', district });
    const c3 = await post(createCommunity, 'POST /communities', { name: '丙社区', township: '郭巷街道', district });
    world = {
      district,
      districtId: c1.json.districtId,
      townshipId: c1.json.townshipId,
      c1: c1.json.id,
      c2: c2.json.id,
      c3: c3.json.id,
    };
    for (const [c, n] of [
      [world.c1, 7],
      [world.c2, 5],
      [world.c3, 4],
    ] as const) {
      for (let i = 0; i < n; i++) heads[await newHousehold(c, `户主${c.slice(0, 4)}${i}`)] = c;
    }
  });

  it('filters households by community, township and district, each a subset of the next', async () => {
    const byCommunity = await allPages(listHouseholds, 'GET /households', { communityId: world.c1 }, 50);
    const byTownship = await allPages(listHouseholds, 'GET /households', { townshipId: world.townshipId }, 50);
    const byDistrict = await allPages(listHouseholds, 'GET /households', { districtId: world.districtId }, 50);
    const of = (...cs: string[]) =>
      Object.entries(heads)
        .filter(([, c]) => cs.includes(c))
        .map(([h]) => h)
        .sort();
    expect(byCommunity.ids.sort()).toStrictEqual(of(world.c1));
    expect(byTownship.ids.sort()).toStrictEqual(of(world.c1, world.c2));
    expect(byDistrict.ids.sort()).toStrictEqual(of(world.c1, world.c2, world.c3));
  });

  it('pages through every filter without gaps or repeats, whatever the page size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 9 }),
        fc.constantFrom<Record<string, string>>({ communityId: 'c1' }, { townshipId: 't' }, { districtId: 'd' }),
        async (limit, which) => {
          const query: Record<string, string> =
            'communityId' in which
              ? { communityId: world.c1 }
              : 'townshipId' in which
                ? { townshipId: world.townshipId }
                : { districtId: world.districtId };
          const whole = await allPages(listHouseholds, 'GET /households', query, 200);
          const paged = await allPages(listHouseholds, 'GET /households', query, limit);
          expect(paged.ids).toStrictEqual(whole.ids);
          expect(new Set(paged.ids).size).toBe(paged.ids.length);
          expect(paged.pages).toBe(Math.max(1, Math.ceil(whole.ids.length / limit)));
        },
      ),
      { numRuns: 12 },
    );
  });

  it('pages through the whole city list without gaps or repeats', async () => {
    const whole = await allPages(listHouseholds, 'GET /households', {}, 200);
    const paged = await allPages(listHouseholds, 'GET /households', {}, 7);
    expect(paged.ids).toStrictEqual(whole.ids);
    for (const h of Object.keys(heads)) expect(whole.ids).toContain(h);
  });

  it('searches households by the head’s name and by the last four characters of the ID number', async () => {
    const idNumber = makeIdNumber();
    const reg = await post(registerHousehold, 'POST /households', {
      headName: '欧阳秀兰',
      idNumber,
      communityId: world.c3,
      memberCount: 2,
    });
    const byName = await invoke(listHouseholds, 'GET /households', { as: auditor, query: { search: '欧阳' } });
    expect(byName.json.items.map((h: { id: string }) => h.id)).toContain(reg.json.id);
    const byTail = await invoke(listHouseholds, 'GET /households', {
      as: auditor,
      query: { search: idNumber.slice(14), communityId: world.c3 },
    });
    expect(byTail.json.items).toStrictEqual([
      expect.objectContaining({ id: reg.json.id, idNumberMasked: reg.json.idNumberMasked, communityName: '丙社区' }),
    ]);
    expect(byTail.text).not.toContain(idNumber);
    expect(byTail.text).not.toContain('idNumberEnc');
  });

  it('lists communities with their region names, filtered by district and township, searched by name', async () => {
    const inTownship = await invoke(listCommunities, 'GET /communities', {
      as: auditor,
      query: { townshipId: world.townshipId },
    });
    expect(inTownship.json.items.map((c: { name: string }) => c.name).sort()).toStrictEqual(['乙社区', '甲社区']);
    expect(inTownship.json.items[0]).toMatchObject({ township: '长桥街道', district: world.district });
    const searched = await invoke(listCommunities, 'GET /communities', {
      as: auditor,
      query: { districtId: world.districtId, search: '丙' },
    });
    expect(searched.json.items.map((c: { id: string }) => c.id)).toStrictEqual([world.c3]);
  });

  it('lists cadres of a unit with the unit’s name, searched by name or code', async () => {
    const unitName = unique('市住建局');
    const unitId = (await post(createUnit, 'POST /units', { name: unitName })).json.id;
    for (let i = 0; i < 5; i++) await post(createCadre, 'POST /cadres', { name: `干部${i}`, unitId, code: `Z${i}` });
    await newCadre(await newUnit(), '干部0');
    const all = await allPages(listCadres, 'GET /cadres', { unitId }, 2);
    expect(all.ids).toHaveLength(5);
    const byCode = await invoke(listCadres, 'GET /cadres', { as: auditor, query: { unitId, search: 'Z3' } });
    expect(byCode.json.items).toStrictEqual([expect.objectContaining({ name: '干部3', unitName, code: 'Z3' })]);
  });

  it('refuses a forged or garbled cursor with 400 on the cursor field', async () => {
    const other = Buffer.from(JSON.stringify({ k: 'cadre', a: 'x#y' })).toString('base64url');
    const outside = Buffer.from(JSON.stringify({ k: 'household', a: 'elsewhere#y' })).toString('base64url');
    for (const cursor of ['garbage!!', other, outside, Buffer.from('[1,2]').toString('base64url')]) {
      const r = await invoke(listHouseholds, 'GET /households', {
        as: admin,
        query: { communityId: world.c1, cursor },
      });
      expect(r.status, cursor).toBe(400);
      expect(r.json.error.issues).toStrictEqual([{ path: 'cursor', message: expect.any(String) }]);
    }
  });

  it('refuses a filter a list does not take, and a limit out of range', async () => {
    expect((await invoke(listUnits, 'GET /units', { as: admin, query: { communityId: 'x' } })).status).toBe(400);
    expect((await invoke(listHouseholds, 'GET /households', { as: admin, query: { limit: '0' } })).status).toBe(400);
  });

  it('lets auditors list and refuses cadres with 403', async () => {
    for (const [h, route] of [
      [listCommunities, 'GET /communities'],
      [listUnits, 'GET /units'],
      [listCadres, 'GET /cadres'],
      [listHouseholds, 'GET /households'],
      [listRegions, 'GET /regions'],
    ] as const) {
      expect((await invoke(h, route, { as: auditor })).status, route).toBe(200);
      expect((await invoke(h, route, { as: cadreUser('someone') })).status, route).toBe(403);
    }
  });
});

describe('edits', () => {
  it('renames a community within its township, audited with before and after; the old name is free again', async () => {
    const district = unique('高新区');
    const a = await post(createCommunity, 'POST /communities', { name: '旧名社区', township: '枫桥街道', district });
    const b = await post(createCommunity, 'POST /communities', { name: '他社区', township: '枫桥街道', district });
    const taken = await patch(updateCommunity, 'PATCH /communities/{id}', a.json.id, { name: '他社区' });
    expect(taken.status).toBe(409);
    expect(taken.json.error.code).toBe('community.name_taken');
    const renamed = await patch(updateCommunity, 'PATCH /communities/{id}', a.json.id, { name: '新名社区' });
    expect(renamed.status).toBe(200);
    expect(renamed.json).toMatchObject({ id: a.json.id, name: '新名社区', townshipId: a.json.townshipId });
    const entries = await auditOf(a.json.id, 'PATCH /communities/{id}');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ before: { name: '旧名社区' }, after: { name: '新名社区' }, actor: admin.sub });
    const reuse = await post(createCommunity, 'POST /communities', {
      name: '旧名社区',
      township: '枫桥街道',
      district,
    });
    expect(reuse.status).toBe(201);
    expect(b.status).toBe(201);
  });

  it('moves a community to another township and district, creating them, and lists it there', async () => {
    const c = await post(createCommunity, 'POST /communities', { name: unique('迁移社区') });
    const district = unique('新区');
    const r = await patch(updateCommunity, 'PATCH /communities/{id}', c.json.id, { township: '狮山街道', district });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ township: '狮山街道', district });
    const listed = await invoke(listCommunities, 'GET /communities', {
      as: admin,
      query: { districtId: r.json.districtId },
    });
    expect(listed.json.items.map((x: { id: string }) => x.id)).toStrictEqual([c.json.id]);
    const back = await patch(updateCommunity, 'PATCH /communities/{id}', c.json.id, { district: null });
    expect(back.json).toMatchObject({ townshipId: null, districtId: null });
  });

  it('renames a unit and edits a cadre (code, phone, unit), each audited', async () => {
    const unitId = await newUnit();
    const name = unique('新单位名');
    const u = await patch(updateUnit, 'PATCH /units/{id}', unitId, { name });
    expect(u.json.name).toBe(name);
    expect((await auditOf(unitId, 'PATCH /units/{id}'))[0]).toMatchObject({ after: { name } });

    const cadreId = await newCadre(unitId, '钱');
    const other = await newUnit();
    const c = await patch(updateCadre, 'PATCH /cadres/{id}', cadreId, {
      code: 'Q-9',
      phone: '0512-1234567',
      unitId: other,
    });
    expect(c.status).toBe(200);
    expect(c.json).toMatchObject({ code: 'Q-9', phone: '0512-1234567', unitId: other });
    const entry = (await auditOf(cadreId, 'PATCH /cadres/{id}'))[0];
    expect(entry.before).toStrictEqual({ code: null, phone: null, unitId });
    expect(entry.after).toStrictEqual({ code: 'Q-9', phone: '0512-1234567', unitId: other });
    expect((await findCadreByCode(db, other, 'Q-9'))?.id).toBe(cadreId);
    const listed = await invoke(listCadres, 'GET /cadres', { as: admin, query: { unitId: other } });
    expect(listed.json.items.map((x: { id: string }) => x.id)).toStrictEqual([cadreId]);
  });

  it('refuses to move a paired cadre to another unit (409) and changes nothing', async () => {
    const unitId = await newUnit();
    const cadreId = await newCadre(unitId);
    await pair(cadreId, await newHousehold(await newCommunity()), year());
    const r = await patch(updateCadre, 'PATCH /cadres/{id}', cadreId, { unitId: await newUnit(), name: '改名' });
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('cadre.unit_has_pairings');
    const listed = await invoke(listCadres, 'GET /cadres', { as: admin, query: { unitId } });
    expect(listed.json.items[0]).toMatchObject({ id: cadreId, name: '测试干部' });
  });

  it('answers 404 for an unknown id and 400 for bad or empty input, changing nothing', async () => {
    expect((await patch(updateUnit, 'PATCH /units/{id}', 'nope', { name: 'x' })).status).toBe(404);
    expect((await patch(updateHousehold, 'PATCH /households/{id}', 'nope', { headName: 'x' })).status).toBe(404);
    const unitId = await newUnit();
    for (const body of [{}, { name: '' }, { name: 'x', extra: 1 }, { active: 'no' }]) {
      const r = await patch(updateUnit, 'PATCH /units/{id}', unitId, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    expect(await auditOf(unitId, 'PATCH /units/{id}')).toStrictEqual([]);
  });

  it('deactivates and re-activates; lists mark inactive entities and filter on ?active=', async () => {
    const unitId = await newUnit();
    const off = await patch(updateUnit, 'PATCH /units/{id}', unitId, { active: false });
    expect(off.json.active).toBe(false);
    const name = off.json.name;
    const all = await invoke(listUnits, 'GET /units', { as: admin, query: { search: name } });
    expect(all.json.items).toStrictEqual([expect.objectContaining({ id: unitId, active: false })]);
    expect(
      (await invoke(listUnits, 'GET /units', { as: admin, query: { search: name, active: 'true' } })).json.items,
    ).toStrictEqual([]);
    const cadre = await post(createCadre, 'POST /cadres', { name: '新人', unitId });
    expect(cadre.status).toBe(400);
    expect(cadre.json.error.code).toBe('unit.inactive');
    const on = await patch(updateUnit, 'PATCH /units/{id}', unitId, { active: true });
    expect(on.json.active).toBe(true);
    expect((await auditOf(unitId, 'PATCH /units/{id}')).map((e: { after: unknown }) => e.after)).toStrictEqual([
      { active: false },
      { active: true },
    ]);
  });
});

describe('household edits and the resident-ID correction', () => {
  it('edits head name and size and updates this year’s pairing copy, audited', async () => {
    const communityId = await newCommunity();
    const householdId = await newHousehold(communityId, '周老大');
    await pair(await newCadre(await newUnit()), householdId, year());
    const r = await patch(updateHousehold, 'PATCH /households/{id}', householdId, { headName: '周大', memberCount: 5 });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ headName: '周大', memberCount: 5, active: true });
    expect(await findPairing(db, householdId, year())).toMatchObject({ headName: '周大', memberCount: 5 });
    const entry = (await auditOf(householdId, 'PATCH /households/{id}'))[0];
    expect(entry).toMatchObject({
      before: { headName: '周老大', memberCount: 3 },
      after: { headName: '周大', memberCount: 5 },
    });
  });

  it('moves an unpaired-entry household to another community, pairing and listing with it', async () => {
    const [from, to] = [await newCommunity(), await newCommunity()];
    const householdId = await newHousehold(from);
    await pair(await newCadre(await newUnit()), householdId, year());
    const r = await patch(updateHousehold, 'PATCH /households/{id}', householdId, { communityId: to });
    expect(r.status).toBe(200);
    expect((await findPairing(db, householdId, year()))?.communityId).toBe(to);
    const listed = await invoke(listHouseholds, 'GET /households', { as: admin, query: { communityId: to } });
    expect(listed.json.items.map((h: { id: string }) => h.id)).toStrictEqual([householdId]);
    const old = await invoke(listHouseholds, 'GET /households', { as: admin, query: { communityId: from } });
    expect(old.json.items).toStrictEqual([]);
  });

  it('refuses an edit of a household whose year a round holds, with the round’s 409, and changes nothing', async () => {
    const communityId = await newCommunity();
    const householdId = await newHousehold(communityId, '吴');
    await pair(await newCadre(await newUnit()), householdId, year());
    await roundAwaitingDecision(communityId, year());
    const r = await patch(updateHousehold, 'PATCH /households/{id}', householdId, { headName: '吴改' });
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('ledger.under_verification');
    expect((await findPairing(db, householdId, year()))?.headName).toBe('吴');
    const listed = await invoke(listHouseholds, 'GET /households', { as: admin, query: { communityId } });
    expect(listed.json.items[0].headName).toBe('吴');
  });

  it('corrects a resident ID number only with a reason, checked and unique; the old number is free again', async () => {
    const communityId = await newCommunity();
    const householdId = await newHousehold(communityId);
    const oldNumber = makeIdNumber();
    const h = await post(registerHousehold, 'POST /households', {
      headName: '郑',
      idNumber: oldNumber,
      communityId,
      memberCount: 1,
    });
    const id = h.json.id as string;
    const newNumber = makeIdNumber('19790505');

    const noReason = await patch(updateHousehold, 'PATCH /households/{id}', id, { idNumber: newNumber });
    expect(noReason.status).toBe(400);
    expect(noReason.json.error).toMatchObject({ code: 'household.reason_required', issues: [{ path: 'reason' }] });

    const bad = newNumber.slice(0, 17) + (newNumber[17] === '0' ? '1' : '0');
    const badR = await patch(updateHousehold, 'PATCH /households/{id}', id, { idNumber: bad, reason: '录入错误' });
    expect(badR.status).toBe(400);
    expect(badR.json.error.code).toBe('household.id_checksum');

    // Another household's number: 409, and that household keeps it.
    const othersNumber = makeIdNumber();
    const other = await post(registerHousehold, 'POST /households', {
      headName: '他',
      idNumber: othersNumber,
      communityId,
      memberCount: 1,
    });
    const dup = await patch(updateHousehold, 'PATCH /households/{id}', id, {
      idNumber: othersNumber,
      reason: '录入错误',
    });
    expect(dup.status).toBe(409);
    expect(dup.json.error.code).toBe('household.id_registered');

    const ok = await patch(updateHousehold, 'PATCH /households/{id}', id, {
      idNumber: newNumber,
      reason: '户籍信息更正',
    });
    expect(ok.status).toBe(200);
    expect(ok.json.idNumberMasked).toBe(`${newNumber.slice(0, 6)}********${newNumber.slice(14)}`);
    expect(ok.text).not.toContain(newNumber);

    const ids = await findHouseholdIdsByResidentIds(await deps(), [oldNumber, newNumber, othersNumber]);
    expect(ids).toStrictEqual(
      new Map([
        [newNumber, id],
        [othersNumber, other.json.id],
      ]),
    );

    // The old number is free: a household may be registered with it.
    const reuse = await post(registerHousehold, 'POST /households', {
      headName: '新户',
      idNumber: oldNumber,
      communityId,
      memberCount: 1,
    });
    expect(reuse.status).toBe(201);
    // The new number is taken.
    const again = await post(registerHousehold, 'POST /households', {
      headName: '重复',
      idNumber: newNumber,
      communityId,
      memberCount: 1,
    });
    expect(again.status).toBe(409);

    const entry = (await auditOf(id, 'PATCH /households/{id}'))[0];
    expect(entry).toMatchObject({
      reason: '户籍信息更正',
      before: { idNumberMasked: h.json.idNumberMasked },
      after: { idNumberMasked: ok.json.idNumberMasked },
    });
    const trail = JSON.stringify(await invoke(listAudit, 'GET /audit', { as: admin, query: { entityId: id } }));
    for (const n of [oldNumber, newNumber, othersNumber]) expect(trail).not.toContain(n);
    const listed = await invoke(listHouseholds, 'GET /households', { as: admin, query: { communityId } });
    for (const n of [oldNumber, newNumber]) expect(listed.text).not.toContain(n);
    expect(householdId).toBeTruthy();
  });
});

describe('crashes between a guard and its entity', () => {
  it('completes a community whose creation stopped after its name guard, and refuses a second one', async () => {
    const input = { name: unique('半途社区') };
    const id = `crashed-${tag}`;
    const snapshot = { id, name: input.name, createdAt: new Date().toISOString() };
    // The state a crash leaves between the guard's put and the entity's: the guard, carrying the entity.
    await putIfAbsent(db, {
      ...keys.nameGuard('community', guardHash('-', normalizeName(input.name))),
      entity: 'nameGuard',
      ownerId: id,
      takenAt: snapshot.createdAt,
      snapshot,
    });
    const again = await post(createCommunity, 'POST /communities', input);
    expect(again.status).toBe(409);
    const listed = await invoke(listCommunities, 'GET /communities', { as: admin, query: { search: input.name } });
    expect(listed.json.items.map((c: { id: string }) => c.id)).toStrictEqual([id]);
    expect(await ensureCommunity(db, input, new Date())).toMatchObject({ outcome: 'unchanged', entity: { id } });
  });

  it('lets a name held by a rename that crashed (the entity kept another name) be taken after the fence', async () => {
    const unitId = await newUnit();
    const name = unique('遗留名');
    // A rename took this name's guard long ago, then crashed before the unit was updated.
    await putIfAbsent(db, {
      ...keys.nameGuard('unit', guardHash(normalizeName(name))),
      entity: 'nameGuard',
      ownerId: unitId,
      takenAt: new Date(Date.now() - GUARD_FENCE_MS - 1000).toISOString(),
    });
    const r = await post(createUnit, 'POST /units', { name });
    expect(r.status).toBe(201);
    expect((await findUnitByName(db, name))?.id).toBe(r.json.id);
  });

  it('keeps a name taken by a rename in flight (within the fence)', async () => {
    const unitId = await newUnit();
    const name = unique('进行中');
    await putIfAbsent(db, {
      ...keys.nameGuard('unit', guardHash(normalizeName(name))),
      entity: 'nameGuard',
      ownerId: unitId,
      takenAt: new Date().toISOString(),
    });
    expect((await post(createUnit, 'POST /units', { name })).status).toBe(409);
  });
});

describe('ensure and find, for the imports', () => {
  it('creates one community under many concurrent ensureCommunity calls of one input, in every trial', async () => {
    for (let trial = 0; trial < 15; trial++) {
      const input = { name: `并发${trial}社区`, township: '同一街道', district: unique('同一区') };
      const results = await Promise.all(Array.from({ length: 6 }, () => ensureCommunity(db, input, new Date())));
      expect(new Set(results.map((r) => r.entity.id)).size).toBe(1);
      expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
      expect((await findCommunityByName(db, input))?.id).toBe(results[0]!.entity.id);
    }
    const again = await ensureCommunity(
      db,
      { name: '并发0社区', township: '同一街道', district: `同一区-${tag - 14}` },
      new Date(),
    );
    expect(again.outcome).toBe('unchanged');
  });

  it('creates one household under many concurrent ensureHousehold calls of one row, in every trial', async () => {
    const communityId = await newCommunity();
    for (let trial = 0; trial < 15; trial++) {
      const row = { headName: `并发户${trial}`, idNumber: makeIdNumber(), communityId, memberCount: 2 };
      const results = await Promise.all(Array.from({ length: 5 }, async () => ensureHousehold(await deps(), row)));
      expect(new Set(results.map((r) => r.entity.id)).size).toBe(1);
      expect(results.map((r) => r.outcome).sort()).toStrictEqual([
        'created',
        'unchanged',
        'unchanged',
        'unchanged',
        'unchanged',
      ]);
    }
    const listed = await allPages(listHouseholds, 'GET /households', { communityId }, 100);
    expect(listed.ids).toHaveLength(15);
  });

  it('updates a registered household’s editable fields from a row and says so', async () => {
    const communityId = await newCommunity();
    const row = { headName: '冯', idNumber: makeIdNumber(), communityId, memberCount: 2 };
    const created = await ensureHousehold(await deps(), row);
    expect(created.outcome).toBe('created');
    expect((await ensureHousehold(await deps(), row)).outcome).toBe('unchanged');
    const updated = await ensureHousehold(await deps(), { ...row, memberCount: 4, headName: '冯某' });
    expect(updated).toMatchObject({
      outcome: 'updated',
      entity: { id: created.entity.id, memberCount: 4, headName: '冯某' },
    });
  });

  it('ensures units and cadres idempotently: same code in one unit is one cadre, name and phone kept up to date', async () => {
    const name = unique('市水利局');
    const u = await Promise.all(Array.from({ length: 5 }, () => ensureUnit(db, { name }, new Date())));
    expect(new Set(u.map((r) => r.entity.id)).size).toBe(1);
    const unitId = u[0]!.entity.id;
    expect((await findUnitByName(db, name))?.id).toBe(unitId);
    const cadres = await Promise.all(
      Array.from({ length: 5 }, () => ensureCadre(db, { name: '陈', unitId, code: 'S1' }, new Date())),
    );
    expect(new Set(cadres.map((r) => r.entity.id)).size).toBe(1);
    expect(cadres.filter((r) => r.outcome === 'created')).toHaveLength(1);
    const updated = await ensureCadre(db, { name: '陈明', unitId, code: 'S1', phone: '13900000000' }, new Date());
    expect(updated).toMatchObject({ outcome: 'updated', entity: { name: '陈明', phone: '13900000000' } });
    expect((await ensureCadre(db, { name: '陈明', unitId, code: 'S1' }, new Date())).outcome).toBe('unchanged');
    expect((await findCadresByName(db, unitId, '陈明')).map((c) => c.id)).toStrictEqual([updated.entity.id]);
    expect((await listEntities(db, 'cadre')).length).toBeGreaterThan(0);
  });
});
