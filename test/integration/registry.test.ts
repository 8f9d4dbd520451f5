import { describe, expect, it } from 'vitest';
import { handler as createCadre } from '#functions/create-cadre.ts';
import { handler as createCommunity } from '#functions/create-community.ts';
import { handler as createPairing } from '#functions/create-pairing.ts';
import { handler as registerHousehold } from '#functions/register-household.ts';
import { checkCharacter } from '#shared/household/resident-id.ts';
import { admin, auditor, cadreUser, makeIdNumber } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { newCadre, newCommunity, newHousehold, newUnit } from '../support/world.ts';

describe('registering communities, units, cadres and households', () => {
  it('creates a community and answers 201 with its id and name', async () => {
    const r = await invoke(createCommunity, 'POST /communities', { as: admin, body: { name: '幸福社区' } });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ name: '幸福社区' });
    expect(typeof r.json.id).toBe('string');
  });

  it('refuses a community without a name with the error shape and the field named', async () => {
    const r = await invoke(createCommunity, 'POST /communities', { as: admin, body: {} });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('request.invalid');
    expect(r.json.error.issues.map((i: { path: string }) => i.path)).toStrictEqual(['name']);
  });

  it('refuses unknown fields with a Chinese message naming them', async () => {
    const r = await invoke(createCommunity, 'POST /communities', { as: admin, body: { name: 'x', __proto__x: 1 } });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/[\u4e00-\u9fff]/);
    expect(r.json.error.message).toContain('__proto__x');
  });

  it('lets only admins register', async () => {
    const r = await invoke(createCommunity, 'POST /communities', { as: auditor, body: { name: 'x' } });
    expect(r.status).toBe(403);
    expect(r.json.error.code).toBe('auth.role');
  });

  it('answers 401 when the request carries no verified claims', async () => {
    const r = await invoke(createCommunity, 'POST /communities', { body: { name: 'x' } });
    expect(r.status).toBe(401);
  });

  it('refuses a cadre of a unit that does not exist', async () => {
    const r = await invoke(createCadre, 'POST /cadres', { as: admin, body: { name: '王', unitId: 'nope' } });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('cadre.unit_unknown');
  });

  it('registers a household and never echoes its ID number in full', async () => {
    const communityId = await newCommunity();
    const idNumber = makeIdNumber();
    const r = await invoke(registerHousehold, 'POST /households', {
      as: admin,
      body: { headName: '陈桂兰', idNumber, communityId, memberCount: 2 },
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ headName: '陈桂兰', communityId, memberCount: 2 });
    expect(r.json.idNumberMasked).toBe(`${idNumber.slice(0, 6)}********${idNumber.slice(14)}`);
    expect(r.text).not.toContain(idNumber);
  });

  it('refuses an ID number with a wrong check character, naming the field', async () => {
    const communityId = await newCommunity();
    const good = makeIdNumber();
    const bad = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    const r = await invoke(registerHousehold, 'POST /households', {
      as: admin,
      body: { headName: '李', idNumber: bad, communityId, memberCount: 1 },
    });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'household.id_checksum', issues: [{ path: 'idNumber' }] });
  });

  it('refuses an ID number whose birth date does not exist', async () => {
    const communityId = await newCommunity();
    const first17 = '32090219900230001';
    const r = await invoke(registerHousehold, 'POST /households', {
      as: admin,
      body: { headName: '李', idNumber: first17 + checkCharacter(first17), communityId, memberCount: 1 },
    });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('household.id_birth_date');
  });

  it('answers 409 for an ID number already registered, also written with a lower-case x', async () => {
    const communityId = await newCommunity();
    // The first sequence number, from 500 up, whose check character is X (one in eleven is).
    let idNumber = '';
    for (let s = 500; !idNumber.endsWith('X'); s++) {
      const first17 = `11010119800102${s}`;
      idNumber = first17 + checkCharacter(first17);
    }
    const body = { headName: '赵', idNumber, communityId, memberCount: 1 };
    expect((await invoke(registerHousehold, 'POST /households', { as: admin, body })).status).toBe(201);
    const again = await invoke(registerHousehold, 'POST /households', {
      as: admin,
      body: { ...body, idNumber: idNumber.toLowerCase() },
    });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('household.id_registered');
  });

  it('registers one ID number once even when two admins submit it at the same moment', async () => {
    const communityId = await newCommunity();
    const body = { headName: '孙', idNumber: makeIdNumber(), communityId, memberCount: 1 };
    const results = await Promise.all(
      Array.from({ length: 5 }, () => invoke(registerHousehold, 'POST /households', { as: admin, body })),
    );
    expect(results.map((r) => r.status).sort()).toStrictEqual([201, 409, 409, 409, 409]);
  });

  it('refuses a household in a community that does not exist with 404', async () => {
    const r = await invoke(registerHousehold, 'POST /households', {
      as: admin,
      body: { headName: '周', idNumber: makeIdNumber(), communityId: 'nope', memberCount: 1 },
    });
    expect(r.status).toBe(404);
  });
});

describe('pairing a cadre with a household for a year', () => {
  it('pairs once; the same pairing again is harmless; another cadre for the same household-year is 409', async () => {
    const communityId = await newCommunity();
    const unitId = await newUnit();
    const [c1, c2] = [await newCadre(unitId), await newCadre(unitId)];
    const householdId = await newHousehold(communityId);
    const first = await invoke(createPairing, 'POST /pairings', {
      as: admin,
      body: { cadreId: c1, householdId, year: 2026 },
    });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ cadreId: c1, householdId, year: 2026, unitId, communityId });
    const same = await invoke(createPairing, 'POST /pairings', {
      as: admin,
      body: { cadreId: c1, householdId, year: 2026 },
    });
    expect(same.status).toBe(200);
    const other = await invoke(createPairing, 'POST /pairings', {
      as: admin,
      body: { cadreId: c2, householdId, year: 2026 },
    });
    expect(other.status).toBe(409);
    expect(other.json.error.code).toBe('pairing.exists');
  });

  it('refuses cadres pairing themselves', async () => {
    const r = await invoke(createPairing, 'POST /pairings', {
      as: cadreUser('c1'),
      body: { cadreId: 'c1', householdId: 'h', year: 2026 },
    });
    expect(r.status).toBe(403);
  });

  it('refuses a year far in the future', async () => {
    const communityId = await newCommunity();
    const cadreId = await newCadre(await newUnit());
    const householdId = await newHousehold(communityId);
    const r = await invoke(createPairing, 'POST /pairings', { as: admin, body: { cadreId, householdId, year: 2040 } });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('pairing.year_future');
  });
});
