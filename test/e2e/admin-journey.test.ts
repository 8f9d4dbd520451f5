import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, sign } from '../support/browser.ts';
import { makeIdNumber } from '../support/factories.ts';
import { devToken, type RunningServer, startServer } from '../support/local-server.ts';
import { thisYear } from '../support/scenario.ts';

/**
 * Issue #12, "Done means": an admin sets up a small city from the templates, starts a round and resolves an
 * objection, without touching the API — every step through the pages in Chromium at 1280 px. The only API calls
 * are the test's own sign-in token (what `/app/dev-login` gives a person locally) and none of the admin's work.
 * The community cadre the admin invites signs in through the local sign-in page as that account.
 */
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer({ DEMO_DATA: 'off', OBJECTION_WINDOW: 'PT1H' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const DESKTOP = { viewport: { width: 1280, height: 900 }, locale: 'zh-CN', acceptDownloads: true };

async function signedIn(path: string): Promise<Page> {
  const token = await devToken(server, { sub: 'journey-admin', groups: ['admin'] });
  const page = await (await browser.newContext(DESKTOP)).newPage();
  await page.goto(`${server.url}/app/dev-login?token=${encodeURIComponent(token)}&next=${encodeURIComponent(path)}`);
  return page;
}

/**
 * One import through the page: download the kind's XLSX template, keep its header and notes rows, put `rows`
 * (by Chinese header) where the example was, upload it, see a clean dry run, import all, wait until done.
 */
async function importThroughPage(page: Page, kind: string, rows: Record<string, string>[]) {
  await page.goto(`${server.url}/app/admin/imports?kind=${kind}`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click(`a[href="/app/downloads/imports/templates/${kind}.xlsx"]`),
  ]);
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile((await download.path())!);
  const sheet = book.worksheets[0]!;
  const headers = (sheet.getRow(1).values as unknown[]).slice(1).map(String);
  sheet.spliceRows(3, sheet.rowCount, ...rows.map((r) => headers.map((h) => r[h] ?? '')));
  const buffer = Buffer.from(await book.xlsx.writeBuffer());
  await page.selectOption('#kind', kind);
  await page.setInputFiles('#file', { name: `${kind}.xlsx`, mimeType: 'application/octet-stream', buffer });
  await page.click('#import-upload button[type=submit]');
  await page.waitForURL(/\/app\/admin\/imports\/[\w-]+$/);
  await expect(page.locator('text=没有发现错误').count(), `${kind}: ${await page.textContent('main')}`).resolves.toBe(
    1,
  );
  await page.click('button:has-text("导入全部")');
  await page.waitForSelector('[data-status="done"]', { timeout: 60_000 });
  await expect(page.locator('dl.counts').textContent()).resolves.toMatch(new RegExp(`新建\\s*${rows.length}`));
}

describe('the admin’s year, from the pages only', () => {
  it('sets up a small city from the templates, starts a round and resolves an objection', async () => {
    const year = String(thisYear());
    const heads = [
      { name: '王秀英', id: makeIdNumber('19560312') },
      { name: '刘建国', id: makeIdNumber('19611105') },
    ];
    const admin = await signedIn('/app/admin');
    await expect(admin.locator('h1').textContent()).resolves.toBe('管理工作台');

    // 1. The registry and the pairings, kind by kind, in the order the imports page lists them.
    await importThroughPage(admin, 'communities', [
      { 社区名称: '幸福社区', '街道/乡镇': '城东街道', '区/县': '海陵区' },
    ]);
    await importThroughPage(admin, 'units', [{ 单位名称: '市财政局' }]);
    await importThroughPage(admin, 'cadres', [
      { 姓名: '张伟', 所属单位: '市财政局', 编号: 'CZ-001', 手机: '13800000001' },
    ]);
    await importThroughPage(
      admin,
      'households',
      heads.map((h, i) => ({ 户主姓名: h.name, 身份证号: h.id, 所属社区: '幸福社区', 家庭人口: String(2 + i) })),
    );
    await importThroughPage(
      admin,
      'pairings',
      heads.map((h) => ({ 身份证号: h.id, 帮扶责任人: 'CZ-001', 所属单位: '市财政局', 年度: year })),
    );
    // The registry pages show what was imported, the ID numbers masked.
    await admin.goto(`${server.url}/app/admin/households`);
    const listed = await admin.textContent('main');
    expect(listed).toContain('王秀英');
    for (const h of heads) expect(listed).not.toContain(h.id);

    // 2. An account for the community's cadre, its scope chosen from the registry.
    await admin.goto(`${server.url}/app/admin/users`);
    await admin.fill('#username', 'cc-xingfu');
    await admin.fill('#email', 'cc-xingfu@example.org');
    await admin.selectOption('#role', 'communityCadre');
    await admin.selectOption('#communityId', { label: '幸福社区' });
    await admin.click('form[method="post"][action="/app/admin/users"] button[type=submit]');
    await admin.waitForSelector('#user-cc-xingfu');

    // 3. A round for the community-year.
    await admin.goto(`${server.url}/app/verifications`);
    await admin.selectOption('form[action="/app/verifications"] #communityId', { label: '幸福社区' });
    await admin.fill('form[action="/app/verifications"] #year', year);
    await admin.click('form[action="/app/verifications"] button[type=submit]');
    await admin.waitForURL(/\/app\/verifications\/verify-/);
    const roundUrl = admin.url();

    // 4. The community cadre signs in as the invited account, acknowledges the problems (no aid yet), signs.
    const cc = await (await browser.newContext(DESKTOP)).newPage();
    await cc.goto(`${server.url}/app/dev-login`);
    await cc.check('input[value="account:cc-xingfu"]');
    await cc.click('form[action="/app/dev-login"] button[type=submit]');
    await cc.goto(roundUrl);
    await cc.waitForSelector('[data-status=awaiting_confirmation]', { timeout: 30_000 });
    await cc.check('#acknowledgeProblems');
    await sign(cc);
    await cc.fill('#sealId', 'SEAL-JOURNEY-01');
    await cc.click('button[value=confirm]');
    await cc.waitForURL(/decided=1/);
    await cc.waitForSelector('[data-status=objection_window]', { timeout: 30_000 });

    // 5. Someone from the public objects on the notice board and keeps the receipt's reference.
    const visitor = await (await browser.newContext(DESKTOP)).newPage();
    await visitor.goto(`${server.url}/public/notices`);
    await visitor.click('main a[href^="/public/notices/"]');
    await visitor.fill('#text', '王秀英家今年已有人就业，情况与公示不符');
    await visitor.click('button[type=submit]');
    await visitor.waitForURL(/filed=/);
    const reference = (await visitor.locator('[data-objection-id]').textContent())!;

    // 6. The admin reads it in the objections workspace and resolves it with a note.
    await admin.goto(`${server.url}/app/admin/objections`);
    const card = admin.locator(`section.objection[data-reference="${reference}"]`);
    await expect(card.textContent()).resolves.toContain('情况与公示不符');
    await card.locator('input[name=upheld][value=no]').check();
    await card.locator('textarea[name=note]').fill('经入户核实，就业在年底，本年度帮扶情况属实');
    await card.locator('button[type=submit]').click();
    await admin.waitForURL(/resolved=/);
    await expect(admin.locator('[role=status]').textContent()).resolves.toContain(reference);
    const resolved = admin.locator(`section.objection[data-reference="${reference}"]`);
    await expect(resolved.textContent()).resolves.toContain('不成立');
    await expect(resolved.textContent()).resolves.toContain('经入户核实');
    for (const p of [admin, cc, visitor]) await p.context().close();
  });
});
