import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '#functions/lib/clients.ts';
import { handler as recordAid } from '#functions/record-aid.ts';
import { type Community, listEntities } from '#shared/registry/entities.ts';
import { admin, auditor, cadreUser, communityCadreUser, makeAid, newKey } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { PageClient } from '../support/page-client.ts';
import { newCadre, newCommunity, newHousehold, newUnit, pair } from '../support/world.ts';

/**
 * The auditor's report pages (issue 14, item 4) through the real `pages` Lambda: filters narrow, sort and pages
 * are stable (the same rows each time, none twice, none missing), the roles that are not readers get 403, and
 * a bad filter gets the form back with the error beside its field (400), never a 500.
 */

const YEAR = 2026;
const PAGES = [
  '/app/reports/floor',
  '/app/reports/units',
  '/app/reports/summary',
  '/app/reports/verifications',
  '/app/reports/audit',
];

let page: PageClient;
const w = {
  households: [] as string[],
  east: '',
  west: '',
  townA: '',
  A: '',
  B: '',
  C: '',
  u1: '',
  u2: '',
  u3: '',
  c1: '',
  firstHousehold: '',
};

/**
 * 東区 has communities A (街道甲) and B (街道乙), 55 households between them, paired with the cadres of units 一局
 * and 二局; 西区 has C with 3 households of 三局. Every third household of the east gets ¥1,000 in two entries
 * (March and May), the others less or nothing.
 */
beforeAll(async () => {
  page = await PageClient.as(auditor);
  w.A = await newCommunity('甲社区', { district: '东区', township: '街道甲' });
  w.B = await newCommunity('乙社区', { district: '东区', township: '街道乙' });
  w.C = await newCommunity('丙社区', { district: '西区', township: '街道丙' });
  [w.u1, w.u2, w.u3] = [await newUnit('一局'), await newUnit('二局'), await newUnit('三局')];
  w.c1 = await newCadre(w.u1, '王干部');
  const c2 = await newCadre(w.u2, '李干部');
  const c3 = await newCadre(w.u3, '赵干部');
  const give = (cadreId: string, householdId: string, amountFen: number, date: string) =>
    invoke(recordAid, 'POST /aid-records', {
      as: cadreUser(cadreId),
      body: makeAid(householdId, { amountFen, date }),
      headers: { 'idempotency-key': newKey() },
    });
  for (let i = 0; i < 55; i++) {
    const community = i % 2 ? w.B : w.A;
    const cadre = i % 5 === 0 ? c2 : w.c1;
    const h = await newHousehold(community, `户主${String(i).padStart(2, '0')}`);
    await pair(cadre, h, YEAR);
    w.households.push(h);
    if (i % 3 === 0) {
      await give(cadre, h, 60_000, '2026-03-15');
      await give(cadre, h, 40_000, '2026-05-10');
    } else if (i % 3 === 1) await give(cadre, h, 1_000 * i, '2026-03-20');
  }
  for (let i = 0; i < 3; i++) {
    const h = await newHousehold(w.C, `西户${i}`);
    await pair(c3, h, YEAR);
    await give(c3, h, 100_000, '2026-04-01');
  }
  w.firstHousehold = w.households[0]!;
  const communities = await listEntities<Community>(db, 'community');
  const byName = (name: string) => communities.find((c) => c.name === name)!;
  w.east = byName('甲社区').districtId!;
  w.west = byName('丙社区').districtId!;
  w.townA = byName('甲社区').townshipId!;
}, 120_000);

const rowsOf = (body: string) => [...body.matchAll(/<tr data-household="([\w-]+)">/g)].map((m) => m[1]!);
const totalsOf = (body: string) =>
  [...body.matchAll(/<tr data-household="[\w-]+">[\s\S]*?<td class="num">¥([\d,.]+)<\/td>/g)].map((m) =>
    Number(m[1]!.replace(/,/g, '')),
  );

async function floor(query: string) {
  const res = await page.get(`/app/reports/floor?year=${YEAR}&${query}`);
  expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
  return res.body;
}

describe('the floor report page', () => {
  it('narrows by district, township, community, unit, below the floor and the head’s name', async () => {
    expect(rowsOf(await floor(`districtId=${w.west}`))).toHaveLength(3);
    const town = rowsOf(await floor(`districtId=${w.east}&townshipId=${w.townA}&page=1`));
    expect(town).toHaveLength(28);
    expect(rowsOf(await floor(`communityId=${w.C}`))).toHaveLength(3);
    expect(rowsOf(await floor(`districtId=${w.east}&unitId=${w.u2}`))).toHaveLength(11);
    // 19 of the 55 (every third) reached the floor.
    const below = await floor(`districtId=${w.east}&below=1`);
    expect(below).toContain('第 1 / 1 页');
    expect(rowsOf(below)).toHaveLength(36);
    const named = await floor('q=户主07');
    expect(rowsOf(named)).toStrictEqual([w.households[7]]);
  });

  it('pages with a total order: the same rows each time, none twice and none left out, across pages', async () => {
    for (const sort of ['name', 'community', 'unit', 'total', 'shortfall']) {
      for (const dir of ['asc', 'desc']) {
        const first = rowsOf(await floor(`districtId=${w.east}&sort=${sort}&dir=${dir}&page=1`));
        const second = rowsOf(await floor(`districtId=${w.east}&sort=${sort}&dir=${dir}&page=2`));
        expect(first).toHaveLength(50);
        expect(second).toHaveLength(5);
        expect(new Set([...first, ...second])).toStrictEqual(new Set(w.households));
        expect(rowsOf(await floor(`districtId=${w.east}&sort=${sort}&dir=${dir}&page=1`))).toStrictEqual(first);
      }
    }
  });

  it('sorts by total across pages, and names the cadre and links each household to its page', async () => {
    const totals = [
      ...totalsOf(await floor(`districtId=${w.east}&sort=total&dir=asc&page=1`)),
      ...totalsOf(await floor(`districtId=${w.east}&sort=total&dir=asc&page=2`)),
    ];
    expect(totals).toHaveLength(55);
    expect(totals).toStrictEqual([...totals].sort((a, b) => a - b));
    const body = await floor(`q=户主01`);
    expect(body).toContain(`<a href="/app/households/${w.households[1]}">户主01</a>`);
    expect(body).toContain('<td>王干部</td>');
  });

  it('draws one chart row per unit with its compliance, the figures as text', async () => {
    const body = await floor(`districtId=${w.east}`);
    const labels = [...body.matchAll(/<text class="bar-label"[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]);
    expect(labels.sort()).toStrictEqual(['一局', '二局']);
    expect(body).toMatch(/0% \(0\/11\)|\d+% \(\d+\/11\)/);
  });

  it('answers a bad filter with the form and the error beside the field, status 400', async () => {
    for (const [query, fieldName] of [
      ['year=abc', 'year'],
      ['year=2026&sort=salary', 'sort'],
      ['year=2026&page=0', 'page'],
      ['year=2026&below=yes', 'below'],
    ] as const) {
      const res = await page.get(`/app/reports/floor?${query}`);
      expect(res.statusCode, query).toBe(400);
      if (fieldName === 'page' || fieldName === 'below') expect(res.body).toContain('role="alert"');
      else expect(res.body).toContain(`id="${fieldName}-error"`);
      expect(res.body).toContain('<form method="get" action="/app/reports/floor"');
    }
  });
});

describe('the unit assessment page', () => {
  it('lists the units that did not complete their task first, with their shortfall and a link to their households', async () => {
    const res = await page.get(`/app/reports/units?year=${YEAR}`);
    expect(res.statusCode).toBe(200);
    const order = [...res.body.matchAll(/<tr data-unit="([\w-]+)" data-completed="(true|false)">/g)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(order.map(([, c]) => c)).toStrictEqual(['false', 'false', 'true']);
    expect(order[2]![0]).toBe(w.u3);
    expect(res.body).toContain(`unitId=${w.u1}&amp;below=1`);
    const west = await page.get(`/app/reports/units?year=${YEAR}&districtId=${w.west}`);
    expect(west.body).toMatch(new RegExp(`data-unit="${w.u3}" data-completed="true"><td>三局</td>`));
  });

  it('answers a bad year with 400 and the error beside it', async () => {
    const res = await page.get('/app/reports/units?year=20x6');
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('id="year-error"');
  });
});

describe('the campaign summary page', () => {
  it('shows the figures by objective, district and month as charts and tables', async () => {
    const res = await page.get(`/app/reports/summary?year=${YEAR}`);
    expect(res.statusCode).toBe(200);
    // East: 19 × ¥1,000 plus ¥1,000·i for i ≡ 1 (mod 3); west: 3 × ¥1,000.
    const eastSmall = Array.from({ length: 55 }, (_, i) => (i % 3 === 1 ? 1_000 * i : 0)).reduce((a, b) => a + b, 0);
    const total = 19 * 100_000 + eastSmall + 300_000;
    expect(res.body).toContain(`data-total-fen="${total}"`);
    expect(res.body).toMatch(/<table data-by-month>[\s\S]*<td>5月<\/td><td class="num">¥7,600.00<\/td>/);
    expect(res.body).toMatch(/<table data-by-district>[\s\S]*<td>西区<\/td><td class="num">3<\/td>/);
    expect(res.body).toContain('<svg');
    const west = await page.get(`/app/reports/summary?year=${YEAR}&districtId=${w.west}`);
    expect(west.body).toContain('data-total-fen="300000"');
  });
});

describe('the verification status page', () => {
  it('lists each community of the filter with its round status (none started here)', async () => {
    const res = await page.get(`/app/reports/verifications?year=${YEAR}&districtId=${w.east}`);
    expect(res.statusCode).toBe(200);
    const communities = [...res.body.matchAll(/<tr data-community="([\w-]+)">/g)].map((m) => m[1]);
    expect(communities.sort()).toStrictEqual([w.A, w.B].sort());
    expect(res.body).toContain('未开始');
  });
});

describe('the audit trail page', () => {
  it('shows an entity’s trail in Beijing time with plain action names, and narrows by person', async () => {
    const res = await page.get(`/app/reports/audit?entityId=${w.firstHousehold}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('登记家庭');
    expect(res.body).toMatch(/<td>\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(res.body).toContain(admin.sub);
    const nobody = await page.get(`/app/reports/audit?entityId=${w.firstHousehold}&actor=nobody`);
    expect(nobody.body).not.toContain('data-request=');
  });

  it('lists every write of a date range, paged without repeats', async () => {
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const first = await page.get(`/app/reports/audit?from=${today}&to=${today}`);
    expect(first.statusCode).toBe(200);
    const ids = (body: string) => [...body.matchAll(/<tr data-request="([^"]+)">/g)].map((m) => m[1]);
    const one = ids(first.body);
    const two = ids((await page.get(`/app/reports/audit?from=${today}&to=${today}&page=2`)).body);
    expect(one).toHaveLength(50);
    expect(two.length).toBeGreaterThan(0);
    expect(one.filter((id) => two.includes(id))).toStrictEqual([]);
  });

  it('answers a bad range with the error beside its field, status 400', async () => {
    const reversed = await page.get('/app/reports/audit?from=2026-05-02&to=2026-05-01');
    expect(reversed.statusCode).toBe(400);
    expect(reversed.body).toContain('id="from-error"');
    const long = await page.get('/app/reports/audit?from=2026-01-01&to=2026-05-01');
    expect(long.statusCode).toBe(400);
    expect(long.body).toContain('id="to-error"');
    const bad = await page.get('/app/reports/audit?from=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('id="from-error"');
  });
});

describe('who may open the report pages', () => {
  it('lets admins and auditors in and refuses cadres and community cadres with 403', async () => {
    const asAdmin = await PageClient.as(admin);
    const asCadre = await PageClient.as(cadreUser(w.c1));
    const asCommunity = await PageClient.as(communityCadreUser(w.A));
    for (const path of PAGES) {
      expect((await asAdmin.get(path)).statusCode, path).toBe(200);
      expect((await asCadre.get(path)).statusCode, path).toBe(403);
      expect((await asCommunity.get(path)).statusCode, path).toBe(403);
    }
  });

  it('shows the report pages in the header of admins and auditors', async () => {
    const body = (await page.get('/app/reports/summary')).body;
    for (const path of PAGES) expect(body).toContain(`<a href="${path}">`);
  });
});
