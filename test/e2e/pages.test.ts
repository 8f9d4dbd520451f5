import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, PHONE } from '../support/browser.ts';
import { devToken, type RunningServer, startServer } from '../support/local-server.ts';
import { communityWorld, thisYear } from '../support/scenario.ts';

/**
 * The pages in a real headless Chromium (Debian's), against the local stack as `npm start` runs it. Each test
 * signs in through `/app/dev-login?token=…` with a token for the role it plays.
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

async function pageAs(token: string | undefined, path: string): Promise<Page> {
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  const target = token ? `/app/dev-login?token=${encodeURIComponent(token)}&next=${encodeURIComponent(path)}` : path;
  await page.goto(server.url + target);
  return page;
}

const totalOf = async (page: Page) =>
  Number(await page.locator('[data-total-fen]').first().getAttribute('data-total-fen'));

async function fillCash(page: Page, yuan: string, description: string) {
  await page.selectOption('#kind', 'cash');
  await page.fill('#amountYuan', yuan);
  await page.fill('#description', description);
}

describe('the cadre’s pages', () => {
  it('records cash and in-kind aid through the form, and the progress bar moves', async () => {
    const w = await communityWorld(server, 1);
    const page = await pageAs(w.cadre, '/app/');
    expect(await page.locator('progress').first().getAttribute('value')).toBe('0');

    await page.click('text=登记帮扶');
    await fillCash(page, '300.50', '冬季生活补助');
    await page.click('button[type=submit]');
    await page.waitForURL(/saved=1/);
    expect(await totalOf(page)).toBe(30_050);
    expect(await page.locator('progress').getAttribute('value')).toBe('30050');

    await page.click('text=登记帮扶');
    await page.selectOption('#kind', 'in_kind');
    await page.selectOption('#objective', 'education');
    await page.fill('#amountYuan', '150');
    await page.fill('#description', '学习用品');
    await page.fill('#itemName', '书包');
    await page.fill('#itemQuantity', '3');
    await page.fill('#itemUnitValueYuan', '50');
    await page.click('button[type=submit]');
    await page.waitForURL(/saved=1/);
    expect(await totalOf(page)).toBe(45_050);
    await expect(page.locator('td', { hasText: '书包 ×3' }).count()).resolves.toBe(1);

    await page.goto(`${server.url}/app/`);
    expect(await page.locator('progress').getAttribute('value')).toBe('45050');

    // Writes made through the pages are in the audit trail like those made through the API.
    const records = (
      await server.fetch(`/households/${w.householdIds[0]}/aid?year=${thisYear()}`, { token: w.auditor })
    ).json.records;
    const audit = (await server.fetch(`/audit?entityId=${records[0].id}`, { token: w.auditor })).json.entries;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: `scenario-cadre-${w.cadreId}`,
      action: `PAGE POST /app/households/${w.householdIds[0]}/aid`,
    });
    await page.context().close();
  });

  it('shows a Chinese message next to the field and keeps what was typed', async () => {
    const w = await communityWorld(server, 1);
    const page = await pageAs(w.cadre, `/app/households/${w.householdIds[0]}/aid/new`);
    await fillCash(page, '12.345', '三位小数');
    await page.click('button[type=submit]');
    const error = page.locator('#amountYuan-error');
    await expect(error.textContent()).resolves.toContain('最多两位小数');
    expect(await page.inputValue('#description')).toBe('三位小数');
    expect(await page.getAttribute('#amountYuan', 'aria-invalid')).toBe('true');
    await page.context().close();
  });

  it('records a double-submitted form once', async () => {
    const w = await communityWorld(server, 1);
    const page = await pageAs(w.cadre, `/app/households/${w.householdIds[0]}/aid/new`);
    await fillCash(page, '200', '重复提交测试');
    // Two submissions of the same form load: a double tap, then the browser's back button and submit again.
    await page.dblclick('button[type=submit]');
    await page.waitForURL(/saved=1/);
    await page.goBack();
    await page.waitForSelector('#amountYuan');
    if (!(await page.inputValue('#amountYuan'))) await fillCash(page, '200', '重复提交测试');
    await page.click('button[type=submit]');
    await page.waitForURL(/saved=1/);
    expect(await totalOf(page)).toBe(20_000);
    const summary = await server.fetch(`/households/${w.householdIds[0]}/aid?year=${thisYear()}`, { token: w.cadre });
    expect(summary.json.records).toHaveLength(1);
    await page.context().close();
  });

  it('shows hostile text as text and never runs it', async () => {
    const admin = await devToken(server, { sub: 'e2e-admin', groups: ['admin'] });
    const w = await communityWorld(server, 1);
    const evil = '<img src=x onerror="window.__pwned=1">';
    // A hostile description in the ledger, and a hostile head-of-household name.
    await server.fetch('/aid-records', {
      token: w.cadre,
      body: {
        householdId: w.householdIds[0],
        date: new Date().toISOString().slice(0, 10),
        kind: 'cash',
        objective: 'livelihood',
        amountFen: 100,
        description: evil,
      },
      headers: { 'idempotency-key': 'hostile-0000001' },
    });
    const { makeIdNumber } = await import('../support/factories.ts');
    const hostile = await server.fetch('/households', {
      token: admin,
      body: {
        headName: `<script>window.__pwned=2</script>`,
        idNumber: makeIdNumber(),
        communityId: w.communityId,
        memberCount: 1,
      },
    });
    await server.fetch('/pairings', {
      token: admin,
      body: { cadreId: w.cadreId, householdId: hostile.json.id, year: thisYear() },
    });

    const page = await pageAs(w.cadre, `/app/households/${w.householdIds[0]}`);
    await expect(page.locator('td', { hasText: evil }).count()).resolves.toBe(1);
    await page.goto(`${server.url}/app/`);
    await expect(page.locator('h2', { hasText: '<script>window.__pwned=2</script>' }).count()).resolves.toBe(1);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('img[src=x]').count()).toBe(0);
    await page.context().close();
  });
});

describe('the community cadre and the public', () => {
  it('a community cadre draws a signature and confirms; the notice appears; the public files an objection', async () => {
    const w = await communityWorld(server, 2);
    await w.clean(w.householdIds[0]!);
    await w.clean(w.householdIds[1]!);
    const started = await w.start();
    await w.until(started.id, 'awaiting_confirmation');

    const page = await pageAs(w.communityCadre, '/app/');
    await page.waitForURL(new RegExp(`/app/verifications/${started.id}`));
    await expect(page.locator('[data-status]').getAttribute('data-status')).resolves.toBe('awaiting_confirmation');

    // Confirming without a signature is stopped in the page.
    await page.fill('#sealId', 'SEAL-E2E-01');
    await page.click('button[value=confirm]');
    await expect(page.locator('[data-signature-error]').isVisible()).resolves.toBe(true);

    const pad = page.locator('canvas.signature');
    await pad.scrollIntoViewIfNeeded();
    const box = (await pad.boundingBox())!;
    await page.mouse.move(box.x + 20, box.y + box.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 20; i++) await page.mouse.move(box.x + 20 + i * 12, box.y + box.height / 2 + Math.sin(i) * 30);
    await page.mouse.up();
    await page.click('button[value=confirm]');
    await page.waitForURL(/decided=1/);

    const open = await w.until(started.id, 'objection_window');
    expect(open.decision.signatureSha256).toMatch(/^[0-9a-f]{64}$/);

    const publicPage = await pageAs(undefined, '/public/notices');
    expect(await publicPage.locator('header a[href="/public/notices"]').count()).toBe(1);
    await publicPage.click(`a[href="/public/notices/${open.noticeId}"]`);
    const names = await publicPage.locator('tbody td:first-child').allTextContents();
    expect(names.sort()).toStrictEqual(['张*', '欧阳**']);
    await publicPage.selectOption('#entryId', { index: 1 });
    await publicPage.fill('#text', '我认为此户情况与实际不符');
    await publicPage.click('button[type=submit]');
    await publicPage.waitForURL(/filed=/);
    const filedId = await publicPage.locator('[data-objection-id]').textContent();
    expect(filedId).toMatch(/^[0-9a-f-]{36}$/);
    await page.context().close();
    await publicPage.context().close();
  });
});

describe('the auditor’s pages', () => {
  it('filters the floor report to a community and downloads it as CSV and as an Excel workbook', async () => {
    const w = await communityWorld(server, 2);
    await w.cash(w.householdIds[0]!, 100_000);
    const page = await pageAs(w.auditor, `/app/reports/floor?year=${thisYear()}`);
    await page.selectOption('#communityId', w.communityId);
    await page.click('button[type=submit]');
    await page.waitForURL(new RegExp(`communityId=${w.communityId}`));
    expect(await page.locator('tbody tr').count()).toBe(2);
    await expect(page.locator('figure svg').count()).resolves.toBe(1);

    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('text=下载 CSV')]);
    const csvText = (await readFile((await csv.path())!)).toString('utf8');
    expect(csvText.startsWith('\uFEFFhouseholdId,')).toBe(true);
    expect(csvText.split('\r\n').filter(Boolean)).toHaveLength(3);

    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.click('text=下载 Excel')]);
    expect(xlsx.suggestedFilename()).toBe(`floor-${thisYear()}.xlsx`);
    const bytes = await readFile((await xlsx.path())!);
    expect(bytes.subarray(0, 2).toString()).toBe('PK'); // a zip container, as every .xlsx is
    await page.context().close();
  });
});

describe('hostile input through the aid form', () => {
  it('answers an absurd item quantity with a message next to the items, not an error page', async () => {
    const w = await communityWorld(server, 1);
    const page = await pageAs(w.cadre, `/app/households/${w.householdIds[0]}/aid/new`);
    await page.selectOption('#kind', 'in_kind');
    await page.fill('#amountYuan', '10');
    await page.fill('#description', '数量过大');
    await page.fill('#itemName', '米');
    await page.fill('#itemQuantity', '99999999999999999999');
    await page.fill('#itemUnitValueYuan', '10');
    const response = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('button[type=submit]'),
    ]);
    expect(response[0].status()).toBe(400);
    await expect(page.locator('#items .error').textContent()).resolves.toContain('第 1 行物品');
    await page.context().close();
  });
});
