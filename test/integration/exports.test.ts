import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as campaignSummary } from '#functions/campaign-summary.ts';
import { handler as exportsHandler } from '#functions/exports.ts';
import { handler as floorReport } from '#functions/floor-report.ts';
import { LOCAL_ACCOUNTS } from '#functions/lib/accounts.ts';
import { db } from '#functions/lib/clients.ts';
import { registerLocalExportRunner } from '#functions/lib/export-jobs.ts';
import { getObjectStore } from '#functions/lib/objects.ts';
import { jsonWithin } from '#functions/lib/report-reply.ts';
import { handler as listAudit } from '#functions/list-audit.ts';
import { handler as recordAid } from '#functions/record-aid.ts';
import { handler as unitReport } from '#functions/unit-report.ts';
import { localExportRunner } from '#infra/local/exports.ts';
import { inviteUser } from '#shared/accounts/index.ts';
import { parseCsv } from '#shared/csv.ts';
import { queryAll } from '#shared/db.ts';
import { readExportJob } from '#shared/exports/job.ts';
import { runExport } from '#shared/exports/run.ts';
import type { ObjectStore } from '#shared/objects.ts';
import { keys } from '#shared/table.ts';
import { admin, auditor, cadreUser, makeAid, newKey } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { newCadre, newCommunity, newHousehold, newUnit, pair } from '../support/world.ts';

/**
 * Export jobs through the real handlers on dynalite, the local object store and the in-process runner: each
 * report in each format read back (CSV parsed, XLSX read with exceljs) and checked against the direct report;
 * a run handed over after every chunk in tiny parts and sheets, as the AWS worker continues itself.
 */
const YEAR = 2025;
const COMMUNITIES = 18; // more than one chunk of 16
let w: { unitName: string; communities: string[]; households: string[] };

beforeAll(async () => {
  const unitName = `考核单位${Date.now()}`;
  const unitId = await newUnit(unitName);
  const cadreId = await newCadre(unitId, '王干部');
  const communities: string[] = [];
  const households: string[] = [];
  for (let i = 0; i < COMMUNITIES; i++) {
    const c = await newCommunity(`导出社区${i}-${Date.now()}`, { township: '光明街道', district: '东区' });
    communities.push(c);
    for (let j = 0; j < 2; j++) {
      const h = await newHousehold(c, `户主${i}-${j}`);
      await pair(cadreId, h, YEAR);
      households.push(h);
    }
  }
  for (const [n, h] of households.slice(0, 5).entries()) {
    const r = await invoke(recordAid, 'POST /aid-records', {
      as: cadreUser(cadreId),
      body: makeAid(h, { date: `${YEAR}-05-01`, amountFen: 50_000 + n * 30_000 }),
      headers: { 'idempotency-key': newKey() },
    });
    expect(r.status).toBe(201);
  }
  w = { unitName, communities, households };
}, 120_000);

const runner = localExportRunner();
registerLocalExportRunner(runner);

async function exportFile(body: Record<string, unknown>, as = auditor) {
  const started = await invoke(exportsHandler, 'POST /exports', { as, body });
  expect(started.status, started.text).toBe(202);
  await runner.idle();
  const got = await invoke(exportsHandler, 'GET /exports/{id}', { as, params: { id: started.json.id } });
  expect(got.status).toBe(200);
  expect(got.json.status, JSON.stringify(got.json)).toBe('done');
  const job = (await readExportJob(db, started.json.id))!;
  const bytes = (await getObjectStore().get(job.key))!;
  return { view: got.json, bytes: Buffer.from(bytes) };
}

/** The data rows of an exported CSV: everything after the header row (found by its first cell). */
function csvTable(bytes: Buffer, firstHeader: string) {
  const rows = parseCsv(bytes.toString('utf8'));
  const at = rows.findIndex((r) => r[0] === firstHeader);
  expect(at).toBeGreaterThanOrEqual(0);
  return { preamble: rows.slice(0, at), header: rows[at]!, rows: rows.slice(at + 1) };
}

/** Every sheet's data rows after its header row, and the sheets' names. */
async function xlsxTable(bytes: Buffer, firstHeader: string) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  const sheets = wb.worksheets.map((ws) => {
    const values: unknown[][] = [];
    ws.eachRow((r) => values.push((r.values as unknown[]).slice(1)));
    const at = values.findIndex((r) => r[0] === firstHeader);
    return { name: ws.name, preamble: values.slice(0, at), header: values[at]!, rows: values.slice(at + 1) };
  });
  return { sheets, rows: sheets.flatMap((s) => s.rows) };
}

describe('an export of the floor report', () => {
  it('writes the CSV of the direct report, with names, Chinese headers and the first rows saying what it is', async () => {
    const direct = await invoke(floorReport, 'GET /reports/floor', { as: auditor, query: { year: String(YEAR) } });
    const { view, bytes } = await exportFile({ report: 'floor', format: 'csv', filters: { year: String(YEAR) } });

    expect(bytes.subarray(0, 3)).toStrictEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(view.fileName).toMatch(new RegExp(`^达标情况-${YEAR}-\\d{8}\\.csv$`));
    expect(view.url).toMatch(/\/_local\/objects\/exports\//);
    expect(view.rowsDone).toBe(direct.json.rows.length);
    expect(view.rowsTotal).toBe(direct.json.rows.length);
    const t = csvTable(bytes, '家庭编号');
    expect(t.preamble.map((r) => r[0])).toStrictEqual([
      '达标情况',
      `筛选条件：年度：${YEAR}；范围：全市`,
      expect.stringMatching(/^生成时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}（北京时间）$/),
      '导出人：test-auditor（审计）',
    ]);
    expect(t.header.slice(0, 7)).toStrictEqual([
      '家庭编号',
      '户主',
      '社区',
      '街道/乡镇',
      '区/县',
      '帮扶单位',
      '帮扶责任人',
    ]);
    const byId = new Map(t.rows.map((r) => [r[0], r]));
    expect(byId.size).toBe(direct.json.rows.length);
    for (const d of direct.json.rows) {
      const r = byId.get(d.householdId)!;
      expect(r[1]).toBe(d.headName);
      expect(r[5]).toBe(w.unitName);
      expect(r[6]).toBe('王干部');
      expect(r[8]).toBe((d.totalFen / 100).toFixed(2));
      expect(r[9]).toBe(d.meetsFloor ? '是' : '否');
      expect(r[11]).toBe(d.communityId);
    }
  });

  it('writes the XLSX of the direct report; with headers=codes, field names and fen as integers', async () => {
    const direct = await invoke(floorReport, 'GET /reports/floor', {
      as: auditor,
      query: { year: String(YEAR), townshipId: (await firstTownshipId())! },
    });
    const { view, bytes } = await exportFile({
      report: 'floor',
      format: 'xlsx',
      headers: 'codes',
      filters: { year: YEAR, townshipId: (await firstTownshipId())! },
    });
    expect(view.fileName).toMatch(new RegExp(`^达标情况-${YEAR}-光明街道-\\d{8}\\.xlsx$`));
    const t = await xlsxTable(bytes, 'householdId');
    expect(t.sheets[0]!.preamble).toStrictEqual([]);
    expect(t.sheets[0]!.header).toContain('totalFen');
    const total = new Map(t.rows.map((r) => [r[0], r[8]]));
    expect(total.size).toBe(direct.json.rows.length);
    for (const d of direct.json.rows) expect(total.get(d.householdId)).toBe(d.totalFen);
  });

  it('continues on further sheets past the row limit, across runs handed over after every chunk in small parts', async () => {
    const small = localExportRunner({ maxSheetRows: 12, partBytes: 1024, handOverEvery: 1 });
    registerLocalExportRunner(small);
    try {
      const started = await invoke(exportsHandler, 'POST /exports', {
        as: auditor,
        body: { report: 'floor', format: 'xlsx', filters: { year: String(YEAR) } },
      });
      await small.idle();
      const job = (await readExportJob(db, started.json.id))!;
      expect(job.status).toBe('done');
      expect(job.seq).toBeGreaterThan(0);
      const t = await xlsxTable(Buffer.from((await getObjectStore().get(job.key))!), '家庭编号');
      // 12 rows a sheet: the 4 first rows, a blank one, the header, then 6 households.
      expect(t.sheets.length).toBe(Math.ceil(w.households.length / 6));
      expect(t.sheets.map((s) => s.name).slice(0, 2)).toStrictEqual([`${YEAR}达标情况`, `${YEAR}达标情况（2）`]);
      for (const s of t.sheets) expect(s.preamble[0]).toStrictEqual(['达标情况']);
      expect(new Set(t.rows.map((r) => r[0]))).toStrictEqual(new Set(w.households));
    } finally {
      registerLocalExportRunner(runner);
    }
  });
});

async function firstTownshipId() {
  const items = await queryAll<{ townshipId?: string }>(db, {
    index: 'byKind',
    partition: keys.entityListing('community', '').gsi3pk,
  });
  return items.find((i) => i.townshipId)?.townshipId;
}

describe('exports of the other reports', () => {
  for (const format of ['csv', 'xlsx'] as const) {
    const read = async (bytes: Buffer, first: string) =>
      format === 'csv' ? csvTable(bytes, first).rows : (await xlsxTable(bytes, first)).rows;

    it(`units as ${format}: the unit assessment's rows`, async () => {
      const direct = await invoke(unitReport, 'GET /reports/units', { as: auditor, query: { year: String(YEAR) } });
      const { bytes, view } = await exportFile({ report: 'units', format, filters: { year: String(YEAR) } });
      expect(view.fileName.startsWith(`帮扶单位考核-${YEAR}-`)).toBe(true);
      const rows = await read(bytes, '帮扶单位');
      expect(rows.map((r) => r[0])).toStrictEqual(direct.json.rows.map((r: { unitName: string }) => r.unitName));
      expect(rows.map((r) => Number(r[1]))).toStrictEqual(
        direct.json.rows.map((r: { householdsPaired: number }) => r.householdsPaired),
      );
    });

    it(`summary as ${format}: the summary's lines`, async () => {
      const direct = await invoke(campaignSummary, 'GET /reports/summary', {
        as: auditor,
        query: { year: String(YEAR), format: 'csv' },
      });
      const { bytes } = await exportFile({ report: 'summary', format, filters: { year: String(YEAR) } });
      const expected = parseCsv(direct.text).slice(1);
      const rows = await read(bytes, '指标');
      expect(rows.map((r) => String(r[0]))).toStrictEqual(expected.map((r) => r[0]));
      expect(rows[0]![2]).toBe(format === 'csv' ? String(w.households.length) : w.households.length);
    });

    it(`audit as ${format}: the trail in Beijing time with plain action names and people's names`, async () => {
      const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
      // An invited account (the local directory gives it the subject `local-<username>`) that writes once.
      const username = `exp${format}${Date.now().toString(36)}`;
      await inviteUser(
        { db, directory: LOCAL_ACCOUNTS },
        admin.sub,
        { username, email: `${username}@example.cn`, role: 'auditor' },
        new Date(),
      );
      const person = { sub: `local-${username}`, groups: ['auditor'] } as typeof auditor;
      await exportFile({ report: 'units', format: 'csv', filters: { year: String(YEAR) } }, person);
      const direct = await invoke(listAudit, 'GET /audit', { as: auditor, query: { from: today, to: today } });
      const { bytes } = await exportFile({ report: 'audit', format, filters: { from: today, to: today } });
      const rows = await read(bytes, '时间（北京时间）');
      expect(rows.length).toBeGreaterThanOrEqual(direct.json.entries.length);
      const aid = rows.find((r) => r[5] === 'POST /aid-records')!;
      expect(aid[3]).toBe('登记帮扶');
      const first = direct.json.entries[0];
      const shown = rows.find((r) => r[8] === first.requestId && r[4] === first.entityId)!;
      const beijing = new Date(Date.parse(first.at) + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
      expect(shown[0]).toBe(beijing);
      // The person by name, the subject in a column of its own (at the end).
      const theirs = rows.find((r) => r[1] === username)!;
      expect([theirs[3], theirs.at(-1)]).toStrictEqual(['导出报表', `local-${username}`]);
      expect(shown.at(-1)).toBe(first.actor);
    });

    it(`verifications as ${format}: a row per community, 未发起 where no round started`, async () => {
      const { bytes } = await exportFile({ report: 'verifications', format, filters: { year: String(YEAR) } });
      const rows = await read(bytes, '社区');
      const ours = rows.filter((r) => w.communities.includes(String(r[10])));
      expect(ours.length).toBe(COMMUNITIES);
      expect(new Set(ours.map((r) => r[4]))).toStrictEqual(new Set(['未发起']));
    });
  }
});

describe('progress, failure and who may see a job', () => {
  /** Starts a job whose runs the test drives itself. */
  async function startIdle(body: Record<string, unknown>) {
    const started: string[] = [];
    registerLocalExportRunner({ continue: async (id) => void started.push(id) });
    try {
      const r = await invoke(exportsHandler, 'POST /exports', { as: auditor, body });
      expect(r.status).toBe(202);
      expect(started).toStrictEqual([r.json.id]);
      return r.json.id as string;
    } finally {
      registerLocalExportRunner(runner);
    }
  }
  const status = async (id: string) =>
    (await invoke(exportsHandler, 'GET /exports/{id}', { as: auditor, params: { id } })).json;

  it('moves rowsDone chunk by chunk with rowsTotal known, and ends done', async () => {
    const id = await startIdle({ report: 'floor', format: 'csv', filters: { year: String(YEAR) } });
    expect(await status(id)).toMatchObject({ status: 'running', rowsDone: 0, fileName: expect.any(String) });
    const seen: { rowsDone: number; rowsTotal: number; status: string }[] = [];
    for (let result = ''; result !== 'done'; ) {
      result = await runExport(db, getObjectStore(), id, { shouldStop: () => true, partBytes: 512 });
      seen.push(await status(id));
    }
    expect(seen.length).toBe(2);
    expect(seen[0]).toMatchObject({ status: 'running', rowsDone: 32, rowsTotal: 36 });
    expect(seen[1]).toMatchObject({ status: 'done', rowsDone: 36, rowsTotal: 36 });
    expect(seen[1]).toHaveProperty('url');
  });

  it('reports a failure of the store as failed, with the reason', async () => {
    const id = await startIdle({ report: 'floor', format: 'csv', filters: { year: String(YEAR) } });
    const local = getObjectStore();
    // A fake store (the local one with every part refused), standing for a store that fails mid-export.
    const broken: ObjectStore = Object.assign(Object.create(local) as ObjectStore, {
      putPart: async () => {
        throw new Error('磁盘已满');
      },
    });
    expect(await runExport(db, broken, id, { partBytes: 64 })).toBe('done');
    const s = await status(id);
    expect(s).toMatchObject({ status: 'failed', error: '导出失败：磁盘已满' });
    expect(s).not.toHaveProperty('url');
    // A failed job is no longer listed as running: no restart or sweep picks it up.
    const running = await queryAll<{ id: string }>(db, { index: 'byKind', partition: keys.runningExport('').gsi3pk });
    expect(running.map((j) => j.id)).not.toContain(id);
  });

  it("hides a job from another user (404) but not from an admin; GET /exports lists the requester's own", async () => {
    const { view } = await exportFile({ report: 'units', format: 'csv', filters: { year: String(YEAR) } });
    const other = { sub: 'other-auditor', groups: ['auditor'] } as typeof auditor;
    const refused = await invoke(exportsHandler, 'GET /exports/{id}', { as: other, params: { id: view.id } });
    expect(refused.status).toBe(404);
    expect(refused.json.error.code).toBe('export.not_found');
    const asAdmin = await invoke(exportsHandler, 'GET /exports/{id}', { as: admin, params: { id: view.id } });
    expect(asAdmin.status).toBe(200);
    expect((await invoke(exportsHandler, 'GET /exports', { as: other })).json).toStrictEqual({ exports: [] });
    const mine = (await invoke(exportsHandler, 'GET /exports', { as: auditor })).json.exports;
    expect(mine[0].id).toBe(view.id);
    const times = mine.map((e: { createdAt: string }) => e.createdAt);
    expect(times).toStrictEqual([...times].sort().reverse());
  });

  it('refuses bad input with 400 and the error shape, creating nothing', async () => {
    const before = (await invoke(exportsHandler, 'GET /exports', { as: auditor })).json.exports.length;
    const bad: [unknown, string][] = [
      [{ report: 'ledger', format: 'csv', filters: { year: '2025' } }, 'report'],
      [{ report: 'floor', format: 'pdf', filters: { year: '2025' } }, 'format'],
      [{ report: 'floor', format: 'csv', filters: { year: '25' } }, 'filters.year'],
      [{ report: 'floor', format: 'csv', filters: {} }, 'filters.year'],
      [{ report: 'floor', format: 'csv', filters: { year: '2025', colour: 'red' } }, 'filters'],
      [{ report: 'units', format: 'csv', filters: { year: '2025', communityId: 'x' } }, 'filters'],
      [{ report: 'audit', format: 'xlsx', filters: { from: '2025-01-01' } }, 'to'],
      [{ report: 'audit', format: 'xlsx', filters: { from: '2025-01-01', to: '2025-03-01' } }, 'to'],
      [{ report: 'floor', format: 'csv', headers: 'english', filters: { year: '2025' } }, 'headers'],
      [{ report: 'floor', format: 'csv', filters: { year: '2025' }, extra: 1 }, ''],
    ];
    for (const [body, path] of bad) {
      const r = await invoke(exportsHandler, 'POST /exports', { as: auditor, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.code).toMatch(/^(request\.invalid|audit\.range\w*)$/);
      expect(
        r.json.error.issues.some((i: { path: string }) => i.path.startsWith(path)),
        r.text,
      ).toBe(true);
    }
    const cadre = await invoke(exportsHandler, 'POST /exports', {
      as: cadreUser('some-cadre'),
      body: { report: 'floor', format: 'csv', filters: { year: '2025' } },
    });
    expect(cadre.status).toBe(403);
    expect((await invoke(exportsHandler, 'GET /exports', { as: auditor })).json.exports.length).toBe(before);
  });
});

describe('the direct report routes past the response limit', () => {
  it('answer 413 report.too_large naming the export route', () => {
    expect(() => jsonWithin({ rows: 'x'.repeat(100) }, 50)).toThrow(/POST \/exports/);
  });
});
