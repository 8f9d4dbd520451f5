import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as summaryReport } from '#functions/campaign-summary.ts';
import { handler as floorReport } from '#functions/floor-report.ts';
import { db } from '#functions/lib/clients.ts';
import { handler as recordAid } from '#functions/record-aid.ts';
import { handler as recordOutcome } from '#functions/record-outcome.ts';
import { handler as reverseAid } from '#functions/reverse-aid.ts';
import { handler as unitReport } from '#functions/unit-report.ts';
import { parseCsv } from '#shared/csv.ts';
import { putIfAbsent, updateIf } from '#shared/db.ts';
import { districtIdOf, townshipIdOf } from '#shared/registry/index.ts';
import { keys } from '#shared/table.ts';
import { admin, auditor, cadreUser, communityCadreUser, makeAid, newKey } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { newCadre, newCommunity, newHousehold, newUnit, pair } from '../support/world.ts';

/**
 * One hand-computed campaign year (2024, used by no other test in this file):
 *
 * community A, unit U1 (cadre c1):
 *   a1  cash ¥600 livelihood + in-kind ¥400 education (2 × ¥200)          = ¥1,000.00  meets; outcome: education
 *   a2  cash ¥1,200 medical, reversed; cash ¥999.99 housing               =   ¥999.99  below by ¥0.01
 *   a3  no aid                                                              =     ¥0.00  below; outcome: employment
 *   a4  no aid, no outcome                                                  =     ¥0.00  below
 * community B, unit U2 (cadre c2):
 *   b1  cash ¥1,500 employment                                              = ¥1,500.00  meets; outcomes: employment × 2
 *   b2  in-kind ¥1,000 livelihood (10 × ¥100)                               = ¥1,000.00  meets
 *   b3  paired in 2023 only: not in 2024's figures
 * unit U3 ("三局,"直属""): no pairing. A's figures are confirmed (round in objection window, locked, not
 * final); B's round is final.
 */
const YEAR = 2024;
const day = (md: string) => `${YEAR}-${md}`;
let f: Awaited<ReturnType<typeof fixture>>;

async function fixture() {
  const [A, B] = [await newCommunity('甲社区', { township: '甲街道', district: '甲区' }), await newCommunity('乙社区')];
  const [u1, u2, u3] = [await newUnit('一局'), await newUnit('二局'), await newUnit('三局,"直属"')];
  const [c1, c2] = [await newCadre(u1, '张干部'), await newCadre(u2, '李干部')];
  const h = {
    a1: await newHousehold(A, '甲一'),
    a2: await newHousehold(A, '甲二'),
    a3: await newHousehold(A, '甲三'),
    a4: await newHousehold(A, '甲四'),
    b1: await newHousehold(B, '乙一'),
    b2: await newHousehold(B, '乙二'),
    b3: await newHousehold(B, '乙三'),
  };
  for (const id of [h.a1, h.a2, h.a3, h.a4]) await pair(c1, id, YEAR);
  for (const id of [h.b1, h.b2]) await pair(c2, id, YEAR);
  await pair(c2, h.b3, YEAR - 1);

  const give = async (cadreId: string, householdId: string, overrides: Record<string, unknown>) => {
    const r = await invoke(recordAid, 'POST /aid-records', {
      as: cadreUser(cadreId),
      body: makeAid(householdId, { date: day('05-01'), ...overrides }),
      headers: { 'idempotency-key': newKey() },
    });
    expect(r.status).toBe(201);
    return r.json.id as string;
  };
  const outcome = async (cadreId: string, householdId: string, objective: string) => {
    const r = await invoke(recordOutcome, 'POST /households/{id}/outcomes', {
      as: cadreUser(cadreId),
      params: { id: householdId },
      body: { objective, date: day('09-01'), description: '成效' },
    });
    expect(r.status).toBe(201);
  };

  await give(c1, h.a1, { amountFen: 60_000, objective: 'livelihood' });
  await give(c1, h.a1, {
    kind: 'in_kind',
    objective: 'education',
    amountFen: 40_000,
    items: [{ name: '书包', quantity: 2, unitValueFen: 20_000 }],
  });
  const wrong = await give(c1, h.a2, { amountFen: 120_000, objective: 'medical' });
  const reversal = await invoke(reverseAid, 'POST /aid-records/{id}/reversal', {
    as: cadreUser(c1),
    params: { id: wrong },
    body: { reason: '重复登记' },
  });
  expect(reversal.status).toBe(201);
  await give(c1, h.a2, { amountFen: 99_999, objective: 'housing' });
  await give(c2, h.b1, { amountFen: 150_000, objective: 'employment' });
  await give(c2, h.b2, {
    kind: 'in_kind',
    objective: 'livelihood',
    amountFen: 100_000,
    items: [{ name: '米面油', quantity: 10, unitValueFen: 10_000 }],
  });
  await outcome(c1, h.a1, 'education');
  await outcome(c1, h.a3, 'employment');
  await outcome(c2, h.b1, 'employment');
  await outcome(c2, h.b1, 'employment');

  // Verification state as the workflow leaves it: confirmation locks every pairing of the community-year with
  // the round's id; the round's status says whether it went on to final.
  const round = async (communityId: string, households: string[], status: string) => {
    const id = `verify-${YEAR}-${communityId}-1`;
    await putIfAbsent(db, { ...keys.verification(id), entity: 'verification', id, communityId, year: YEAR, status });
    for (const hid of households) await updateIf(db, keys.pairing(hid, YEAR), { set: { lockedBy: id } });
  };
  await round(A, [h.a1, h.a2, h.a3, h.a4], 'objection_window');
  await round(B, [h.b1, h.b2], 'final');
  return { A, B, u1, u2, u3, c1, c2, ...h };
}

beforeAll(async () => {
  f = await fixture();
});

const get = (handler: typeof unitReport, route: string, query: Record<string, string>, as = auditor) =>
  invoke(handler, route, { as, query });

async function workbook(text: string) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(text, 'base64') as unknown as ArrayBuffer);
  expect(wb.worksheets).toHaveLength(1);
  return wb.worksheets[0]!;
}

/** A worksheet's rows as arrays of cell values, header first. */
function values(ws: ExcelJS.Worksheet): unknown[][] {
  const out: unknown[][] = [];
  ws.eachRow((row) => out.push((row.values as unknown[]).slice(1)));
  return out;
}

describe('the unit assessment', () => {
  it('counts each unit’s households against the floor, the final ones, and whether it completed its task', async () => {
    // Units that did not complete their task come first, then by name in pinyin order (三 sān before 一 yī).
    const r = await get(unitReport, 'GET /reports/units', { year: String(YEAR) });
    expect(r.status).toBe(200);
    const mine = r.json.rows.filter((x: { unitId: string }) => [f.u1, f.u2, f.u3].includes(x.unitId));
    expect(mine).toStrictEqual([
      {
        unitId: f.u3,
        unitName: '三局,"直属"',
        householdsPaired: 0,
        householdsMeetingFloor: 0,
        householdsBelowFloor: 0,
        verifiedFinal: 0,
        completed: false,
        shortfallFen: 0,
      },
      {
        unitId: f.u1,
        unitName: '一局',
        householdsPaired: 4,
        householdsMeetingFloor: 1,
        householdsBelowFloor: 3,
        verifiedFinal: 0,
        completed: false,
        shortfallFen: 200_001,
      },
      {
        unitId: f.u2,
        unitName: '二局',
        householdsPaired: 2,
        householdsMeetingFloor: 2,
        householdsBelowFloor: 0,
        verifiedFinal: 2,
        completed: true,
        shortfallFen: 0,
      },
    ]);
    expect(r.json).toMatchObject({ year: YEAR, floorFen: 100_000 });
  });

  it('exports CSV with a byte-order mark, Chinese headers, yuan and RFC 4180 quoting', async () => {
    const r = await get(unitReport, 'GET /reports/units', { year: String(YEAR), format: 'csv' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(r.headers['content-disposition']).toBe(`attachment; filename="units-${YEAR}.csv"`);
    expect(
      r.text.startsWith(
        '\uFEFF帮扶单位,结对户数,达标户数,未达标户数,已定稿公示户数,是否完成任务,差额合计（元）,单位编号\r\n',
      ),
    ).toBe(true);
    expect(r.text).toContain(`\r\n"三局,""直属""",0,0,0,0,否,0.00,${f.u3}\r\n`);
    const rows = parseCsv(r.text);
    expect(rows.find((x) => x[7] === f.u1)).toStrictEqual(['一局', '4', '1', '3', '0', '否', '2000.01', f.u1]);
    expect(rows.find((x) => x[7] === f.u2)).toStrictEqual(['二局', '2', '2', '0', '2', '是', '0.00', f.u2]);
  });

  it('exports a workbook with Chinese headers and shortfalls as yuan', async () => {
    const r = await get(unitReport, 'GET /reports/units', { year: String(YEAR), format: 'xlsx' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const ws = await workbook(r.text);
    expect(ws.name).toBe(`${YEAR}年帮扶单位考核`);
    const rows = values(ws);
    expect(rows[0]).toStrictEqual([
      '帮扶单位',
      '结对户数',
      '达标户数',
      '未达标户数',
      '已定稿公示户数',
      '是否完成任务',
      '差额合计（元）',
      '单位编号',
    ]);
    expect(rows.find((x) => x[7] === f.u1)).toStrictEqual(['一局', 4, 1, 3, 0, '否', 2000.01, f.u1]);
    const u1Row = rows.findIndex((x) => x[7] === f.u1) + 1;
    expect(ws.getRow(u1Row).getCell(7).numFmt).toBe('0.00');
  });
});

describe('the campaign summary', () => {
  it('gives the year’s headline figures, hand-computed, with nothing counted twice', async () => {
    const r = await get(summaryReport, 'GET /reports/summary', { year: String(YEAR) });
    expect(r.status).toBe(200);
    expect(r.json).toStrictEqual({
      year: YEAR,
      floorFen: 100_000,
      householdsPaired: 6,
      householdsHelped: 5,
      householdsMeetingFloor: 3,
      householdsBelowFloor: 3,
      cashFen: 309_999,
      inKindFen: 140_000,
      totalFen: 449_999,
      byObjective: {
        livelihood: { fen: 160_000, outcomes: 0 },
        education: { fen: 40_000, outcomes: 1 },
        medical: { fen: 0, outcomes: 0 },
        employment: { fen: 150_000, outcomes: 3 },
        housing: { fen: 99_999, outcomes: 0 },
      },
      outcomes: 4,
      // Every entry of the fixture is dated 1 May; a reversal keeps its entry's date.
      byMonthFen: [0, 0, 0, 0, 449_999, 0, 0, 0, 0, 0, 0, 0],
      householdsEmployed: 2,
      byDistrict: expect.any(Array),
    });
  });

  it('is empty, not an error, for a year with no pairings', async () => {
    const r = await get(summaryReport, 'GET /reports/summary', { year: '2001' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ householdsPaired: 0, householdsHelped: 0, totalFen: 0, householdsEmployed: 0 });
  });

  it('exports CSV and XLSX lines with yuan and counts', async () => {
    const csv = await get(summaryReport, 'GET /reports/summary', { year: String(YEAR), format: 'csv' });
    expect(csv.text.startsWith('\uFEFF指标,金额（元）,户数或件数\r\n')).toBe(true);
    const lines = parseCsv(csv.text);
    expect(lines).toContainEqual(['帮扶合计', '4499.99', '']);
    expect(lines).toContainEqual(['帮就业（金额；成效件数）', '1500.00', '3']);
    expect(lines).toContainEqual(['实现就业家庭（户）', '', '2']);

    const xlsx = await get(summaryReport, 'GET /reports/summary', { year: String(YEAR), format: 'xlsx' });
    const rows = values(await workbook(xlsx.text));
    expect(rows[0]).toStrictEqual(['指标', '金额（元）', '户数或件数']);
    expect(rows).toContainEqual(['帮扶合计', 4499.99]);
    expect(rows).toContainEqual(['帮住房（金额；成效件数）', 999.99, 0]);
  });
});

describe('the floor report', () => {
  it('exports a workbook with names, Chinese headers and totals as yuan with two decimals', async () => {
    const r = await get(floorReport, 'GET /reports/floor', { year: String(YEAR), communityId: f.A, format: 'xlsx' });
    expect(r.status).toBe(200);
    expect(r.headers['content-disposition']).toBe(`attachment; filename="floor-${YEAR}-community.xlsx"`);
    const ws = await workbook(r.text);
    const rows = values(ws);
    expect(rows[0]).toStrictEqual([
      '家庭编号',
      '户主',
      '社区',
      '街道/乡镇',
      '区/县',
      '帮扶单位',
      '帮扶责任人',
      '家庭人口',
      '帮扶合计（元）',
      '是否达标',
      '距底线差额（元）',
    ]);
    expect(rows).toHaveLength(5);
    expect(rows.find((x) => x[0] === f.a1)).toStrictEqual([
      f.a1,
      '甲一',
      '甲社区',
      '甲街道',
      '甲区',
      '一局',
      '张干部',
      3,
      1000,
      '是',
      0,
    ]);
    expect(rows.find((x) => x[0] === f.a2)).toStrictEqual([
      f.a2,
      '甲二',
      '甲社区',
      '甲街道',
      '甲区',
      '一局',
      '张干部',
      3,
      999.99,
      '否',
      0.01,
    ]);
    const a1Row = rows.findIndex((x) => x[0] === f.a1) + 1;
    expect(ws.getRow(a1Row).getCell(9).numFmt).toBe('0.00');
  });

  it('streams the city-wide CSV in community order, households in order within each', async () => {
    const r = await get(floorReport, 'GET /reports/floor', { year: String(YEAR), format: 'csv' });
    const rows = parseCsv(r.text).slice(1);
    const [first, second] = [f.A, f.B].sort();
    const householdsOf = (c: string) => (c === f.A ? [f.a1, f.a2, f.a3, f.a4] : [f.b1, f.b2]).sort();
    expect(rows.map((x) => x[0])).toStrictEqual([...householdsOf(first!), ...householdsOf(second!)]);
    expect(rows.find((x) => x[0] === f.a2)!.slice(6)).toStrictEqual(['99999', '999.99', 'false', '1']);
  });
});

describe('regions in reports', () => {
  const districtA = () => districtIdOf('甲区');

  it('groups the summary by district, 未分区 last, adding up to the city', async () => {
    const r = await get(summaryReport, 'GET /reports/summary', { year: String(YEAR) });
    const byDistrict = r.json.byDistrict as {
      districtId: string | null;
      district: string;
      householdsPaired: number;
      totalFen: number;
    }[];
    expect(byDistrict.map((d) => [d.districtId, d.district, d.householdsPaired])).toStrictEqual([
      [districtA(), '甲区', 4],
      [null, '未分区', 2],
    ]);
    expect(byDistrict.reduce((n, d) => n + d.totalFen, 0)).toBe(r.json.totalFen);
  });

  it('reads only a district’s communities when a report asks for one district or township', async () => {
    const townshipA = townshipIdOf(districtA(), '甲街道');
    for (const q of [{ districtId: districtA() }, { townshipId: townshipA }] as Record<string, string>[]) {
      const summary = await get(summaryReport, 'GET /reports/summary', { year: String(YEAR), ...q });
      expect(summary.json).toMatchObject({
        householdsPaired: 4,
        byDistrict: [{ district: '甲区', householdsPaired: 4 }],
      });
      const floor = await get(floorReport, 'GET /reports/floor', { year: String(YEAR), ...q });
      expect(floor.json.rows.map((x: { householdId: string }) => x.householdId).sort()).toStrictEqual(
        [f.a1, f.a2, f.a3, f.a4].sort(),
      );
      expect(floor.json.rows[0]).toMatchObject({ township: '甲街道', district: '甲区', districtId: districtA() });
      const units = await get(unitReport, 'GET /reports/units', { year: String(YEAR), ...q });
      const paired = Object.fromEntries(
        units.json.rows.map((x: { unitId: string; householdsPaired: number }) => [x.unitId, x.householdsPaired]),
      );
      expect([paired[f.u1], paired[f.u2]]).toStrictEqual([4, 0]);
    }
    const none = await get(floorReport, 'GET /reports/floor', { year: String(YEAR), districtId: 'd-nowhere' });
    expect(none.json.rows).toStrictEqual([]);
  });

  it('says 未分区 for a community without regions in the floor report', async () => {
    const floor = await get(floorReport, 'GET /reports/floor', { year: String(YEAR), communityId: f.B });
    expect(floor.json.rows[0]).toMatchObject({ township: null, district: '未分区', districtId: null });
  });
});

describe('report access', () => {
  const routes = [
    [unitReport, 'GET /reports/units'],
    [summaryReport, 'GET /reports/summary'],
    [floorReport, 'GET /reports/floor'],
  ] as const;

  it('admits admins and auditors, and refuses cadres and community cadres with 403', async () => {
    for (const [handler, route] of routes) {
      for (const format of ['json', 'csv', 'xlsx']) {
        const query = { year: String(YEAR), format };
        expect((await get(handler, route, query, admin)).status).toBe(200);
        expect((await get(handler, route, query, cadreUser(f.c1))).status).toBe(403);
        expect((await get(handler, route, query, communityCadreUser(f.A))).status).toBe(403);
      }
    }
  });

  it('refuses a missing year and an unknown format', async () => {
    for (const [handler, route] of routes) {
      expect((await get(handler, route, {})).status).toBe(400);
      expect((await get(handler, route, { year: String(YEAR), format: 'pdf' })).status).toBe(400);
    }
  });
});
