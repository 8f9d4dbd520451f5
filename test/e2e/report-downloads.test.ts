import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.ts';
import { makeIdNumber } from '../support/factories.ts';
import { devToken, type RunningServer, startServer } from '../support/local-server.ts';
import { thisYear, today } from '../support/scenario.ts';

/**
 * A download from a report page as a person makes it (issue 14, item 2), in headless Chromium at 1280×900 against
 * the local stack: the floor report filtered to a district, 下载 Excel, the export's page reloading itself until
 * the file is ready, the link, and the workbook read back. `SCREENSHOT_DIR=docs/screenshots` writes the job's
 * page when done (96) and the recent exports (97).
 */
let server: RunningServer;
let browser: Browser;
let auditor: string;
let districtId: string;
const shots = process.env.SCREENSHOT_DIR;

async function ok(p: Promise<{ status: number; json: any; text: string }>) {
  const r = await p;
  if (r.status >= 300) throw new Error(`setup failed: ${r.status} ${r.text}`);
  return r.json;
}

beforeAll(async () => {
  server = await startServer({ DEMO_DATA: 'off' });
  browser = await launchBrowser();
  const admin = await devToken(server, { sub: 'e2e-admin', groups: ['admin'] });
  auditor = await devToken(server, { sub: 'e2e-export-auditor', groups: ['auditor'] });
  const post = (path: string, body: unknown, token = admin) => ok(server.fetch(path, { token, body }));
  const created = await post('/communities', { name: '东湖社区', district: '光明区', township: '光明街道' });
  const bright = created.id;
  districtId = created.districtId;
  const west = (await post('/communities', { name: '西山社区', district: '长江县', township: '西山乡' })).id;
  const unitId = (await post('/units', { name: '市民政局' })).id;
  const cadreId = (await post('/cadres', { name: '周干部', unitId })).id;
  const cadre = await devToken(server, { sub: `e2e-cadre-${cadreId}`, groups: ['cadre'], cadreId });
  for (let i = 0; i < 8; i++) {
    const communityId = i < 6 ? bright : west;
    const id = (
      await post('/households', { headName: `户主${i}`, idNumber: makeIdNumber(), communityId, memberCount: 3 })
    ).id;
    await post('/pairings', { cadreId, householdId: id, year: thisYear() });
    if (i % 2 === 0) {
      const body = {
        householdId: id,
        date: today(),
        kind: 'cash',
        objective: 'livelihood',
        amountFen: 60_000,
        description: '现金帮扶',
      };
      await ok(server.fetch('/aid-records', { token: cadre, headers: { 'idempotency-key': randomUUID() }, body }));
    }
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(path: string): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'zh-CN',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  await page.goto(`${server.url}/app/dev-login?token=${encodeURIComponent(auditor)}&next=${encodeURIComponent(path)}`);
  return page;
}

describe('a download from the floor report', () => {
  it('goes through an export job: the progress page reaches done, the link downloads the workbook of the filter', async () => {
    const page = await open(`/app/reports/floor?year=${thisYear()}`);
    await page.selectOption('#districtId', districtId);
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(new RegExp(`districtId=${districtId}`));
    await page.click('[data-downloads="floor"] button[value="xlsx"]');
    await page.waitForURL(/\/app\/exports\/export-[\w-]+$/);
    // The page reloads itself every 2 s while the job runs; the link appears when it is done.
    await page.locator('[data-download-link]').waitFor({ timeout: 30_000 });
    await expect(page.locator('dl.facts').getAttribute('data-status')).resolves.toBe('done');
    await expect(page.locator('[data-filters]').textContent()).resolves.toContain('光明区');
    await expect(page.locator('[data-done]').textContent()).resolves.toMatch(
      /\d{4}-\d{2}-\d{2} \d{2}:\d{2}（北京时间）/,
    );
    if (shots) await page.screenshot({ path: join(shots, '96-export-job-done.png'), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-download-link]')]);
    const fileName = download.suggestedFilename();
    expect(fileName).toMatch(new RegExp(`^达标情况-${thisYear()}-光明区-\\d{8}\\.xlsx$`));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await readFile((await download.path())!)) as never);
    const sheet = workbook.worksheets[0]!;
    const cells = (n: number) => (sheet.getRow(n).values as unknown[]).filter((v) => v !== undefined).map(String);
    // The title rows say what it is and name the filter; the six households of 光明区 follow the header.
    expect(cells(1).join('')).toContain('达标情况');
    const preamble = [1, 2, 3, 4, 5].map((n) => cells(n).join(' ')).join('\n');
    expect(preamble).toContain('区/县：光明区');
    const header = [...Array(sheet.rowCount).keys()].map((i) => i + 1).find((n) => cells(n)[0] === '家庭编号')!;
    expect(header).toBeGreaterThan(1);
    const rows = [...Array(sheet.rowCount - header).keys()].map((i) => cells(header + 1 + i)).filter((r) => r.length);
    expect(rows).toHaveLength(6);
    expect(new Set(rows.map((r) => r[4]))).toStrictEqual(new Set(['光明区']));

    // A second export (the unit assessment as CSV), so the list shows more than one.
    await page.goto(`${server.url}/app/reports/units`);
    await page.click('[data-downloads="units"] button[value="csv"]');
    await page.locator('[data-download-link]').waitFor({ timeout: 30_000 });
    await page.click('.report-tabs a[href="/app/exports"]');
    await page.waitForURL(/\/app\/exports$/);
    // Newest first: the unit assessment, then the workbook.
    const listed = page.locator('tr[data-export]');
    await expect(listed.count()).resolves.toBe(2);
    await expect(listed.nth(0).textContent()).resolves.toContain('单位通报');
    await expect(listed.nth(1).textContent()).resolves.toContain(fileName);
    await expect(listed.nth(1).getAttribute('data-status')).resolves.toBe('done');
    if (shots) await page.screenshot({ path: join(shots, '97-recent-exports.png'), fullPage: true });
    await page.context().close();
  });
});
