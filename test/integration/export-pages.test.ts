import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '#functions/lib/clients.ts';
import { registerLocalExportRunner } from '#functions/lib/export-jobs.ts';
import { getObjectStore } from '#functions/lib/objects.ts';
import { handler as recordAid } from '#functions/record-aid.ts';
import { localExportRunner } from '#infra/local/exports.ts';
import { readExportJob } from '#shared/exports/job.ts';
import { runExport } from '#shared/exports/run.ts';
import type { ObjectStore } from '#shared/objects.ts';
import { type Community, listEntities } from '#shared/registry/entities.ts';
import { admin, auditor, cadreUser, makeAid, newKey } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { PageClient } from '../support/page-client.ts';
import { newCadre, newCommunity, newHousehold, newUnit, pair } from '../support/world.ts';

/**
 * The report pages' downloads as export jobs (issue 14, item 2) through the real `report-pages` Lambda: the form
 * starts a job and nothing else, the job's page shows its progress and then the link, another auditor is told
 * it does not exist, an admin sees it, a refused filter is shown on the report page (400) with nothing written.
 */

const YEAR = 2026;
const runner = localExportRunner();
registerLocalExportRunner(runner);

let page: PageClient;
const w = { district: '', community: '', unit: '' };

beforeAll(async () => {
  page = await PageClient.as(auditor);
  w.community = await newCommunity('导出页社区', { district: '导出区', township: '导出街道' });
  w.unit = await newUnit('导出页单位');
  const cadre = await newCadre(w.unit, '钱干部');
  for (let i = 0; i < 3; i++) {
    const h = await newHousehold(w.community, `导出户${i}`);
    await pair(cadre, h, YEAR);
    if (i === 0) {
      const r = await invoke(recordAid, 'POST /aid-records', {
        as: cadreUser(cadre),
        body: makeAid(h, { amountFen: 120_000, date: `${YEAR}-03-01` }),
        headers: { 'idempotency-key': newKey() },
      });
      expect(r.status, r.text).toBe(201);
    }
  }
  // More communities in the district than one chunk reads (16), so a job's progress can be seen half way.
  for (let i = 0; i < 16; i++) await newCommunity(`导出页空社区${i}`, { district: '导出区', township: '导出街道' });
  const communities = await listEntities<Community>(db, 'community');
  w.district = communities.find((c) => c.id === w.community)!.districtId!;
}, 60_000);

/** Everything stored, each item as JSON. */
async function table(): Promise<string[]> {
  await runner.idle();
  const items: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.doc.send(new ScanCommand({ TableName: db.table, ExclusiveStartKey: start }));
    for (const item of out.Items ?? []) items.push(JSON.stringify(Object.entries(item).sort()));
    start = out.LastEvaluatedKey;
  } while (start);
  return items.sort();
}

/** Posts the floor page's download form with `fields`, the job's runs held until the test lets them go. */
async function startHeld(client: PageClient, fields: Record<string, string>) {
  const held: string[] = [];
  registerLocalExportRunner({ continue: async (id) => void held.push(id) });
  try {
    const res = await client.post('/app/reports/floor', '/app/exports', fields);
    return { res, held };
  } finally {
    registerLocalExportRunner(runner);
  }
}

const FLOOR_FORM = () => ({ report: 'floor', format: 'xlsx', year: String(YEAR), districtId: w.district });

describe('the download forms', () => {
  it('post the report and the page’s filters to /app/exports, token first, and no page links the direct files', async () => {
    const floor = await page.get(`/app/reports/floor?year=${YEAR}&districtId=${w.district}&below=1&q=导出`);
    expect(floor.statusCode).toBe(200);
    const form = /<form method="post" action="\/app\/exports"[^>]*>(.*?)<\/form>/s.exec(floor.body)?.[1];
    expect(form).toBeDefined();
    expect(form).toMatch(/^<input type="hidden" name="_csrf"/);
    const hidden = Object.fromEntries(
      [...form!.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]),
    );
    // The file is the report of the year and region; search and "only below" narrow the page only.
    expect(hidden).toStrictEqual({
      _csrf: expect.any(String),
      report: 'floor',
      year: String(YEAR),
      districtId: w.district,
    });
    expect(form).toContain('name="format" value="csv"');
    expect(form).toContain('name="format" value="xlsx"');
    for (const path of ['floor', 'units', 'summary', 'verifications', 'audit']) {
      const res = await page.get(`/app/reports/${path}`);
      expect(res.statusCode, path).toBe(200);
      expect(res.body, path).toContain(`data-downloads="${path}"`);
      expect(res.body, path).not.toContain('/app/downloads/');
      expect(res.body, path).toContain('href="/app/exports"');
    }
  });

  it('on the audit trail carry the range the page shows', async () => {
    const res = await page.get('/app/reports/audit?from=2026-03-01&to=2026-03-20&actor=x');
    const form = /<form method="post" action="\/app\/exports"[^>]*>(.*?)<\/form>/s.exec(res.body)![1]!;
    expect(form).toContain('name="report" value="audit"');
    expect(form).toContain('name="from" value="2026-03-01"');
    expect(form).toContain('name="to" value="2026-03-20"');
    expect(form).not.toContain('name="actor"');
  });
});

describe('an export from a page', () => {
  it('writes the job (its item, the requester’s listing, the audit entry) and nothing else, and shows its page', async () => {
    const before = await table();
    const { res, held } = await startHeld(page, FLOOR_FORM());
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
    expect(held).toHaveLength(1);
    const id = held[0]!;
    expect(res.headers?.location).toBe(`/app/exports/${id}`);
    const after = await table();
    const added = after.filter((i) => !before.includes(i));
    expect(before.filter((i) => !after.includes(i))).toStrictEqual([]);
    const entities = added.map((i) => Object.fromEntries(JSON.parse(i)).entity as string).sort();
    expect(entities).toStrictEqual(['audit', 'export', 'export-listing']);
    expect(added.find((i) => i.includes('"audit"'))).toContain('PAGE POST /app/exports');
    const job = (await readExportJob(db, id))!;
    expect(job).toMatchObject({
      report: 'floor',
      format: 'xlsx',
      filters: { year: String(YEAR), districtId: w.district },
    });
    expect(job.requestedBy).toBe(auditor.sub);

    // Running: the progress bar, the reload, the filters in words; no link yet.
    const running = await page.get(`/app/exports/${id}`);
    expect(running.statusCode).toBe(200);
    expect(running.body).toContain('data-status="running"');
    expect(running.body).toContain('<progress');
    expect(running.body).toMatch(/<meta http-equiv="refresh" content="2; url=\/app\/exports\/export-[\w-]+">/);
    expect(running.body).toContain('导出区');
    expect(running.body).not.toContain('data-download-link');

    // Half way (one chunk, then a hand-over), then done.
    await runExport(db, getObjectStore(), id, { shouldStop: () => true });
    const moving = await page.get(`/app/exports/${id}`);
    expect(moving.body).toMatch(/<progress max="\d+" value="\d+"/);
    runner.continue(id);
    await runner.idle();
    const done = await page.get(`/app/exports/${id}`);
    expect(done.body).toContain('data-status="done"');
    expect(done.body).not.toContain('http-equiv="refresh"');
    const link = /<a class="button" href="([^"]+)" download="([^"]+)" data-download-link>/.exec(done.body);
    expect(link).not.toBeNull();
    expect(link![2]).toBe(job.fileName);
    expect(link![2]).toMatch(/^达标情况-2026-导出区-\d{8}\.xlsx$/);
    expect(done.body).toMatch(/下载链接在 \d{4}-\d{2}-\d{2} \d{2}:\d{2}（北京时间）前有效/);
    expect(done.body).toContain('<form method="post" action="/app/exports"');
    const bytes = await getObjectStore().get(job.key);
    expect(Buffer.from(bytes!).subarray(0, 2).toString()).toBe('PK');

    // Listed first among the requester's recent exports, with a link to its page.
    const list = await page.get('/app/exports');
    expect(list.statusCode).toBe(200);
    const rows = [...list.body.matchAll(/<tr data-export="([\w-]+)" data-status="(\w+)">/g)].map((m) => m[1]);
    expect(rows[0]).toBe(id);
    expect(list.body).toContain(`href="/app/exports/${id}"`);
    expect(list.body).toContain(job.fileName);
  });

  it('is another auditor’s 404 and an admin’s to see', async () => {
    const { res, held } = await startHeld(page, { ...FLOOR_FORM(), format: 'csv' });
    expect(res.statusCode).toBe(303);
    const id = held[0]!;
    const other = await PageClient.as({ sub: 'other-auditor', groups: ['auditor'] });
    const hidden = await other.get(`/app/exports/${id}`);
    expect(hidden.statusCode).toBe(404);
    expect(hidden.body).toContain('导出任务不存在');
    expect((await other.get('/app/exports')).body).not.toContain(id);
    const asAdmin = await (await PageClient.as(admin)).get(`/app/exports/${id}`);
    expect(asAdmin.statusCode).toBe(200);
    expect(asAdmin.body).toContain(`data-export="${id}"`);
    expect((await page.get('/app/exports/not%20an%20id')).statusCode).toBe(404);
  });

  it('says why a job failed and offers to try again with the same report, format and filters', async () => {
    const { held } = await startHeld(page, { ...FLOOR_FORM(), format: 'csv' });
    const id = held[0]!;
    const local = getObjectStore();
    // A fake store (the local one with every part refused), standing for a store that fails mid-export.
    const broken: ObjectStore = Object.assign(Object.create(local) as ObjectStore, {
      putPart: async () => {
        throw new Error('磁盘已满');
      },
    });
    await runExport(db, broken, id, { partBytes: 64 });
    const failed = await page.get(`/app/exports/${id}`);
    expect(failed.body).toContain('data-status="failed"');
    expect(failed.body).toContain('导出失败：磁盘已满');
    const again = /<form method="post" action="\/app\/exports"[^>]*>(.*?)<\/form>/s.exec(failed.body)![1]!;
    expect(again).toContain('name="report" value="floor"');
    expect(again).toContain(`name="districtId" value="${w.district}"`);
    expect(again).toContain('name="format" value="csv"');
    const english = await page.get(`/app/exports/${id}?lang=en`);
    expect(english.body).toContain('The export failed: 磁盘已满');
    expect(english.body).toContain('Try again');
  });
});

describe('a refused export', () => {
  it('shows the report page again with the filters and the reason, 400, nothing written', async () => {
    const before = await table();
    // A year the page refuses too: the error beside its field.
    const badYear = await page.post('/app/reports/floor', '/app/exports', { ...FLOOR_FORM(), year: '20x6' });
    expect(badYear.statusCode).toBe(400);
    expect(badYear.body).toMatch(/id="year-error"[^>]*>年份应为四位数字/);
    expect(badYear.body).toContain('value="20x6"');
    // A format no button sends: the page as it was, the refusal beside the download buttons.
    const badFormat = await page.post('/app/reports/floor', '/app/exports', { ...FLOOR_FORM(), format: 'pdf' });
    expect(badFormat.statusCode).toBe(400);
    expect(badFormat.body).toMatch(/data-export-refused>.*格式应为 csv 或 xlsx/s);
    expect(badFormat.body).toContain('data-floor-rows');
    // An audit range over 31 days, on the audit trail's page.
    const longRange = await page.post('/app/reports/audit', '/app/exports', {
      report: 'audit',
      format: 'csv',
      from: '2026-01-01',
      to: '2026-03-31',
    });
    expect(longRange.statusCode).toBe(400);
    expect(longRange.body).toContain('时间范围不超过 31 天');
    expect(longRange.body).toContain('value="2026-01-01"');
    // An unknown report: no report page to show, the reason alone.
    const unknown = await page.post('/app/reports/floor', '/app/exports', { report: '__proto__', format: 'csv' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toContain('报表应为 floor、units、summary、audit 或 verifications');
    expect(await table()).toStrictEqual(before);
  });
});
