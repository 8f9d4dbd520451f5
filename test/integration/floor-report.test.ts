import { describe, expect, it } from 'vitest';
import { handler as floorReport } from '#functions/floor-report.ts';
import { handler as recordAid } from '#functions/record-aid.ts';
import { admin, auditor, cadreUser, communityCadreUser, makeAid, newKey } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { newCadre, newCommunity, newHousehold, newUnit, pair } from '../support/world.ts';

const report = (query: Record<string, string>, as = auditor) =>
  invoke(floorReport, 'GET /reports/floor', { as, query });

/**
 * A hand-computed fixture: community A has households a1 (¥1,000 exactly), a2 (¥999.99) and a3 (paired, no
 * aid); community B has b1 (¥1,500, in another unit) and b2 (registered but not paired this year).
 */
async function fixture() {
  const [A, B] = [await newCommunity('甲社区'), await newCommunity('乙社区')];
  const [u1, u2] = [await newUnit('一局'), await newUnit('二局')];
  const [c1, c2] = [await newCadre(u1, '甲'), await newCadre(u2, '乙')];
  const a1 = await newHousehold(A, '甲一');
  const a2 = await newHousehold(A, '甲二');
  const a3 = await newHousehold(A, '甲三');
  const b1 = await newHousehold(B, '乙一');
  const b2 = await newHousehold(B, '乙二');
  for (const h of [a1, a2, a3]) await pair(c1, h, 2026);
  await pair(c2, b1, 2026);
  await pair(c2, b2, 2025);
  const give = (cadreId: string, householdId: string, amountFen: number) =>
    invoke(recordAid, 'POST /aid-records', {
      as: cadreUser(cadreId),
      body: makeAid(householdId, { amountFen }),
      headers: { 'idempotency-key': newKey() },
    });
  await give(c1, a1, 60_000);
  await give(c1, a1, 40_000);
  await give(c1, a2, 99_999);
  await give(c2, b1, 150_000);
  return { A, B, u1, u2, a1, a2, a3, b1, b2 };
}

describe('the floor compliance report', () => {
  it('lists every household paired that year, zero-aid households included, with hand-computed totals', async () => {
    const f = await fixture();
    const r = await report({ year: '2026', communityId: f.A });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      year: 2026,
      floorFen: 100_000,
      households: 3,
      householdsMeetingFloor: 1,
      householdsBelowFloor: 2,
    });
    const byId = Object.fromEntries(r.json.rows.map((x: { householdId: string }) => [x.householdId, x]));
    expect(byId[f.a1]).toMatchObject({
      headName: '甲一',
      communityId: f.A,
      unitId: f.u1,
      totalFen: 100_000,
      meetsFloor: true,
    });
    expect(byId[f.a2]).toMatchObject({ totalFen: 99_999, meetsFloor: false, shortfallFen: 1 });
    expect(byId[f.a3]).toMatchObject({ totalFen: 0, meetsFloor: false, shortfallFen: 100_000 });
  });

  it('reports city-wide across communities and leaves out households not paired that year', async () => {
    const f = await fixture();
    const ids = (await report({ year: '2026' })).json.rows.map((x: { householdId: string }) => x.householdId);
    expect(ids).toEqual(expect.arrayContaining([f.a1, f.a2, f.a3, f.b1]));
    expect(ids).not.toContain(f.b2);
  });

  it('narrows to one unit', async () => {
    const f = await fixture();
    const rows = (await report({ year: '2026', unitId: f.u2 })).json.rows;
    expect(rows.map((x: { householdId: string }) => x.householdId)).toStrictEqual([f.b1]);
    expect(rows[0]).toMatchObject({ totalFen: 150_000, meetsFloor: true });
  });

  it('exports CSV with a byte-order mark, a header row and one line per household', async () => {
    const f = await fixture();
    const r = await report({ year: '2026', communityId: f.A, format: 'csv' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = r.text.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe(
      '\uFEFFhouseholdId,headName,communityId,unitId,cadreId,memberCount,totalFen,totalYuan,meetsFloor,shortfallFen',
    );
    expect(lines).toHaveLength(4);
    expect(lines.find((l) => l.startsWith(f.a2))).toContain(',99999,999.99,false,1');
  });

  it('is for admins and auditors only', async () => {
    expect((await report({ year: '2026' }, admin)).status).toBe(200);
    expect((await report({ year: '2026' }, cadreUser('c'))).status).toBe(403);
    expect((await report({ year: '2026' }, communityCadreUser('m'))).status).toBe(403);
  });

  it('refuses a missing or impossible year and an unknown format', async () => {
    expect((await report({})).status).toBe(400);
    expect((await report({ year: '20x6' })).status).toBe(400);
    expect((await report({ year: '2026', format: 'pdf' })).status).toBe(400);
  });
});
