import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.ts';
import { makeIdNumber } from '../support/factories.ts';
import { devToken, type RunningServer, startServer } from '../support/local-server.ts';
import { thisYear, today } from '../support/scenario.ts';

/**
 * The imports page in a real headless Chromium at desktop size, against the local stack: an admin downloads a
 * template, fills it (exceljs, in the test), uploads it through the page's file input (the page's script asks
 * for a presigned URL and PUTs the file), sees the dry run, commits, and watches the progress bar reach done.
 * Screenshots go to `SCREENSHOT_DIR` when it is set (docs/screenshots/50-*).
 */
let server: RunningServer;
let browser: Browser;
const shots = process.env.SCREENSHOT_DIR;

beforeAll(async () => {
  server = await startServer({ DEMO_DATA: 'off' });
  browser = await launchBrowser();
  if (shots) mkdirSync(shots, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function adminPage(path: string): Promise<Page> {
  const token = await devToken(server, { sub: 'e2e-import-admin', groups: ['admin'] });
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'zh-CN',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  await page.goto(`${server.url}/app/dev-login?token=${encodeURIComponent(token)}&next=${encodeURIComponent(path)}`);
  return page;
}

const shoot = async (page: Page, name: string) => {
  if (shots) await page.screenshot({ path: join(shots, name), fullPage: true });
};

describe('bulk import from the admin’s page', () => {
  it('downloads a template, uploads it filled, dry-runs, commits and sees the job done', async () => {
    const page = await adminPage('/app/admin/imports');
    await expect(page.locator('h1').textContent()).resolves.toBe('批量导入');
    await shoot(page, '50-imports.png');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('a[href="/app/downloads/imports/templates/units.xlsx"]'),
    ]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile((await download.path())!);
    const sheet = wb.worksheets[0]!;
    expect(sheet.getRow(1).getCell(1).text).toBe('单位名称');
    // The notes row stays (the reader skips it); the example row is replaced by the city's units, plus a
    // duplicate to see an error first.
    const stamp = Date.now().toString(36);
    const names = ['市财政局', '市教育局', '市卫健委'].map((n) => `${n}${stamp}`);
    sheet.spliceRows(3, sheet.rowCount, ...[...names, names[0]!].map((n) => [n]));
    const withError = Buffer.from(await wb.xlsx.writeBuffer());

    await page.selectOption('#kind', 'units');
    await page.setInputFiles('#file', { name: 'units.xlsx', mimeType: 'application/octet-stream', buffer: withError });
    await page.click('#import-upload button[type=submit]');
    await page.waitForURL(/\/app\/admin\/imports\/[\w-]+$/);
    await expect(page.locator('table.errors').textContent()).resolves.toContain('重复');
    expect(await page.locator('text=导入全部').count()).toBe(0);
    await shoot(page, '51-import-dry-run-errors.png');

    // Fixed: without the duplicate row, uploaded again; now "import all".
    sheet.spliceRows(3 + names.length, 1);
    const clean = Buffer.from(await wb.xlsx.writeBuffer());
    await page.goto(`${server.url}/app/admin/imports?kind=units`);
    await page.setInputFiles('#file', { name: 'units.xlsx', mimeType: 'application/octet-stream', buffer: clean });
    await page.click('#import-upload button[type=submit]');
    await page.waitForURL(/\/app\/admin\/imports\/[\w-]+$/);
    await expect(page.locator('text=没有发现错误').count()).resolves.toBe(1);
    await page.click('button:has-text("导入全部")');
    await page.waitForSelector('[data-status="done"]', { timeout: 30_000 });
    expect(await page.locator('progress').getAttribute('value')).toBe(String(names.length));
    await expect(page.locator('dl.counts').textContent()).resolves.toMatch(/新建\s*3/);
    await shoot(page, '52-import-progress-done.png');
  });
});

describe('the pairings page at desktop size', () => {
  it('lists a unit’s pairings with a handover and an end, and previews a carry-over', async () => {
    const admin = await devToken(server, { sub: 'e2e-pairing-admin', groups: ['admin'] });
    const ok = async (path: string, body: unknown) => {
      const r = await server.fetch(path, { token: admin, body });
      expect(r.status, r.text).toBeLessThan(300);
      return r.json;
    };
    const year = thisYear();
    const community = (await ok('/communities', { name: '幸福社区', township: '城东街道', district: '海陵区' })).id;
    const unit = (await ok('/units', { name: '市财政局' })).id;
    const [zhang, li] = [
      await ok('/cadres', { name: '张伟', unitId: unit, code: 'CZ-001' }),
      await ok('/cadres', { name: '李娜', unitId: unit, code: 'CZ-002' }),
    ];
    const heads = ['王秀英', '刘建国', '陈桂兰', '杨志强'];
    const households: string[] = [];
    for (const [i, headName] of heads.entries()) {
      const h = await ok('/households', {
        headName,
        idNumber: makeIdNumber(),
        communityId: community,
        memberCount: 2 + i,
      });
      households.push(h.id);
      await ok('/pairings', { cadreId: zhang.id, householdId: h.id, year });
    }
    await ok('/pairings/reassignment', { householdId: households[1], year, cadreId: li.id, from: today() });
    await ok('/pairings/end', { householdId: households[3], year, on: today() });

    const page = await adminPage(`/app/admin/pairings?year=${year}&unitId=${unit}&householdId=${households[2]}`);
    await expect(page.locator(`#pairing-${households[1]}`).textContent()).resolves.toContain('李娜');
    await page.fill('#carry-fromYear', String(year));
    await page.fill('#carry-toYear', String(year + 1));
    await page.click('#carry-over button[type=submit]');
    await expect(page.locator('#carry-over').textContent()).resolves.toContain('上一年已结束');
    await shoot(page, '40-pairings.png');
  });
});
