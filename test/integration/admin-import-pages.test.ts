import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '#functions/lib/clients.ts';
import { registerLocalImportRunner } from '#functions/lib/import-jobs.ts';
import { getObjectStore } from '#functions/lib/objects.ts';
import { localImportRunner } from '#infra/local/imports.ts';
import { listEntities } from '#shared/registry/index.ts';
import { admin, auditor } from '../support/factories.ts';
import { PageClient } from '../support/page-client.ts';

/**
 * Issue #12, item 4 from the admin's pages: templates to download, the upload URL the page's script asks for,
 * a dry run with its errors (on the page and as a spreadsheet), a commit of all rows or of the valid ones, and
 * the progress page that reloads itself until the job is done. Through the real page Lambdas.
 */

const runner = localImportRunner();
let page: PageClient;

beforeAll(async () => {
  registerLocalImportRunner(runner);
  page = await PageClient.as(admin);
});

const csv = (rows: string[][]) => new TextEncoder().encode(`\uFEFF${rows.map((r) => r.join(',')).join('\r\n')}`);

/** A file as the browser would have uploaded it: under a key of purpose import, in the local store. */
async function uploaded(bytes: Uint8Array, ext = 'csv'): Promise<string> {
  const key = `uploads/import/pages/${randomUUID()}.${ext}`;
  await getObjectStore().put(key, bytes, ext === 'csv' ? 'text/csv' : 'application/octet-stream');
  return key;
}

const post = (fields: Record<string, string>) => page.post('/app/admin/imports', '/app/admin/imports', fields);

/** Follows a redirect to the import's page. */
async function follow(res: { statusCode: number; headers?: Record<string, unknown> }) {
  expect(res.statusCode).toBe(303);
  const location = String(res.headers?.location);
  expect(location).toMatch(/^\/app\/admin\/imports\/[\w-]+$/);
  return { location, res: await page.get(location) };
}

describe('the imports page', () => {
  it('lists the kinds in the order a city is set up, with templates and the column notes', async () => {
    const res = await page.get('/app/admin/imports');
    expect(res.statusCode).toBe(200);
    const order = ['communities', 'units', 'cadres', 'households', 'pairings', 'fund-ledger'].map((k) =>
      res.body.indexOf(`id="kind-${k}"`),
    );
    expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
    expect(res.body).toContain('href="/app/downloads/imports/templates/households.xlsx"');
    expect(res.body).toContain('href="/app/downloads/imports/templates/households.csv"');
    // The CSV has no notes row: the notes are on the page.
    expect(res.body).toContain('18 位，请把该列设为文本');
    expect(res.body).toMatch(/<noscript><div class="alert">上传文件需要启用 JavaScript/);
    // The local store's URLs are this server's own: the policy's default 'self' lets the script send there.
    expect(res.headers?.['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.body).toMatch(/<script nonce="[^"]+">/);
  });

  it('serves each template from the page, XLSX with its notes row and CSV with a BOM', async () => {
    const x = await page.get('/app/downloads/imports/templates/households.xlsx');
    expect(x.statusCode).toBe(200);
    expect(x.headers?.['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(x.body, 'base64') as never);
    const rows = wb.worksheets[0]!.getSheetValues().filter(Boolean) as unknown[][];
    expect(rows[0]!.slice(1)).toStrictEqual(['户主姓名', '身份证号', '所属社区', '街道/乡镇', '家庭人口']);
    expect(String(rows[1]![1])).toMatch(/^【填写说明】/);
    const c = await page.get('/app/downloads/imports/templates/fund-ledger.csv');
    expect(c.statusCode).toBe(200);
    expect(c.body.startsWith('\uFEFF台账编号,身份证号,日期,帮扶目标,金额（元）')).toBe(true);
    expect((await page.get('/app/downloads/imports/templates/nothing.csv')).statusCode).toBe(404);
    expect((await page.get('/app/downloads/imports/templates/units.pdf')).statusCode).toBe(404);
  });

  it('gives the page’s script a presigned upload URL as JSON, and refuses a wrong type with a JSON message', async () => {
    const ok = await page.post('/app/admin/imports', '/app/admin/imports/uploads', {
      contentType: 'text/csv',
      bytes: '2048',
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.headers?.['content-type']).toContain('application/json');
    const json = JSON.parse(ok.body);
    expect(json.key).toMatch(/^uploads\/import\/.+\.csv$/);
    expect(json.url).toMatch(/^(https?:\/\/[^/]+)?\/_local\/objects\/uploads\/import\//);
    expect(json.headers).toStrictEqual({ 'content-type': 'text/csv', 'content-length': '2048' });
    const bad = await page.post('/app/admin/imports', '/app/admin/imports/uploads', {
      contentType: 'image/png',
      bytes: '2048',
    });
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body).message).toBeTruthy();
  });

  it('is the admin’s only: an auditor is refused', async () => {
    const other = await PageClient.as(auditor);
    expect((await other.get('/app/admin/imports')).statusCode).toBe(403);
  });
});

describe('a dry run and a commit from the page', () => {
  it('shows rows, valid rows and each error, offers the error spreadsheet and only “import the valid rows”', async () => {
    const name = `页面导入单位${randomUUID().slice(0, 6)}`;
    const key = await uploaded(csv([['单位名称'], [name], [''.padEnd(0)], [name], ['x'.repeat(200)]]));
    const { location, res } = await follow(await post({ kind: 'units', key, dryRun: '1' }));
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/数据行<\/dt><dd class="num">3</);
    expect(res.body).toMatch(/无误的行<\/dt><dd class="num">1</);
    expect(res.body).toMatch(/<td class="num">4<\/td><td>单位名称<\/td><td>[^<]*重复/);
    expect(res.body).not.toContain('>导入全部<');
    expect(res.body).toContain('只导入无误的行（1）');
    // Nothing written by the dry run.
    expect((await listEntities<{ name: string }>(db, 'unit')).some((u) => u.name === name)).toBe(false);
    const id = location.split('/').pop();
    const report = await page.get(`/app/downloads/imports/${id}/errors.csv`);
    expect(report.statusCode).toBe(200);
    expect(report.body).toContain('错误');
    expect(report.body).toContain('重复');
    const xlsx = await page.get(`/app/downloads/imports/${id}/errors.xlsx`);
    expect(xlsx.headers?.['content-type']).toContain('spreadsheetml');

    // "Import all" of a file with errors is refused with the message, nothing written.
    const refused = await post({ kind: 'units', key, dryRun: '0' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('未导入任何行');
    expect((await listEntities<{ name: string }>(db, 'unit')).some((u) => u.name === name)).toBe(false);

    // The valid rows only: the job runs, and its page moves to done with the counts.
    const committed = await follow(await post({ kind: 'units', key, dryRun: '0', skipInvalid: '1' }));
    await runner.idle();
    const done = await page.get(committed.location);
    expect(done.body).toContain('data-status="done"');
    expect(done.body).toMatch(/<progress id="progress" value="3" max="3">/);
    expect(done.body).toMatch(/新建<\/dt><dd class="num">1</);
    expect(done.body).toMatch(/跳过<\/dt><dd class="num">2</);
    expect((await listEntities<{ name: string }>(db, 'unit')).filter((u) => u.name === name)).toHaveLength(1);
  });

  it('commits a clean file with “import all”; the progress page reloads every 2 s until done', async () => {
    const names = [1, 2, 3].map((i) => `页面单位${i}-${randomUUID().slice(0, 6)}`);
    const key = await uploaded(csv([['单位名称'], ...names.map((n) => [n])]));
    const dry = await follow(await post({ kind: 'units', key, dryRun: '1' }));
    expect(dry.res.body).toContain('没有发现错误');
    expect(dry.res.body).toContain('>导入全部<');
    const committed = await follow(await post({ kind: 'units', key, dryRun: '0' }));
    // Before the background chunks ran, or while they run: the bar and the refresh.
    if (committed.res.body.includes('data-status="running"')) {
      expect(committed.res.body).toContain(`<meta http-equiv="refresh" content="2; url=${committed.location}">`);
      expect(committed.res.body).toMatch(/<progress id="progress" value="\d+" max="3">/);
    }
    await runner.idle();
    const done = await page.get(committed.location);
    expect(done.body).toContain('data-status="done"');
    expect(done.body).not.toContain('http-equiv="refresh"');
    expect(done.body).toMatch(/新建<\/dt><dd class="num">3</);
    // The same file again creates nothing: every row unchanged.
    const again = await follow(await post({ kind: 'units', key, dryRun: '0' }));
    await runner.idle();
    expect((await page.get(again.location)).body).toMatch(/不变<\/dt><dd class="num">3</);
  });

  it('refuses a file without the kind’s columns, and a post without a file, with a way back (400)', async () => {
    const key = await uploaded(csv([['姓名'], ['张三']]));
    const wrong = await post({ kind: 'households', key, dryRun: '1' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('缺少必填列');
    expect(wrong.body).toContain('href="/app/admin/imports?kind=households"');
    const none = await post({ kind: 'units', key: '', dryRun: '1' });
    expect(none.statusCode).toBe(400);
    expect(none.body).toContain('请先选择要上传的文件');
    expect((await page.get('/app/admin/imports/no-such-import')).statusCode).toBe(404);
  });
});
