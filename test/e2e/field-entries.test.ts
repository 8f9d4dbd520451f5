import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, PHONE } from '../support/browser.ts';
import { type RunningServer, startServer } from '../support/local-server.ts';
import { communityWorld, thisYear } from '../support/scenario.ts';

/**
 * Issue #13, items 3 and 4 on a phone (390 × 844, Chromium): goods with decimal quantities and the live total,
 * the back button after a submit, and a correction through its confirmation page. `SCREENSHOT_DIR` set: the
 * pages are saved there (docs/screenshots/75-* … 79-*).
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

async function phoneAs(token: string, path: string): Promise<Page> {
  const page = await (await browser.newContext(PHONE)).newPage();
  await page.goto(`${server.url}/app/dev-login?token=${encodeURIComponent(token)}&next=${encodeURIComponent(path)}`);
  return page;
}

async function shot(page: Page, name: string) {
  if (shots) await page.screenshot({ path: join(shots, name), fullPage: true });
}

const noSidewaysScroll = (page: Page) => page.evaluate<number>('document.scrollingElement.scrollWidth');

async function amounts(w: { householdIds: string[]; cadre: string }) {
  const summary = await server.fetch(`/households/${w.householdIds[0]}/aid?year=${thisYear()}`, { token: w.cadre });
  return (summary.json.records as { amountFen: number }[]).map((r) => r.amountFen);
}

describe('the aid form on a phone', () => {
  it('totals goods with decimal quantities as they are typed, in yuan, and records that total', async () => {
    const w = await communityWorld(server, 1);
    const page = await phoneAs(w.cadre, `/app/households/${w.householdIds[0]}/aid/new`);
    await page.selectOption('#kind', 'in_kind');
    await expect(page.locator('label[for=amountYuan]').textContent()).resolves.toBe('核对金额（元，可留空）');
    await page.fill('#description', '春节慰问：猪肉和大米');
    await page.fill('#itemName', '猪肉');
    await page.fill('#itemQuantity', '2.5');
    expect(await page.getAttribute('#itemQuantity', 'inputmode')).toBe('decimal');
    await page.fill('#itemUnitValueYuan', '13.80');
    await expect(page.locator('#itemsTotal').textContent()).resolves.toBe('34.50');
    await page.fill('#itemName1', '大米');
    await page.fill('#itemQuantity1', '10');
    await page.fill('#itemUnitValueYuan1', '2.65');
    // 2.5 × 13.80 = 34.50, 10 × 2.65 = 26.50: ¥61.00, said beside the amount as it will be recorded.
    await expect(page.locator('#itemsTotal').textContent()).resolves.toBe('61.00');
    await expect(page.locator('#amountUnderstood').textContent()).resolves.toBe('按 61.00 元登记');
    expect(await noSidewaysScroll(page)).toBeLessThanOrEqual(390);
    await shot(page, '77-aid-form-in-kind.png');

    await page.click('button[type=submit]');
    await page.waitForURL(/saved=1/);
    await expect(page.locator('[data-saved]').textContent()).resolves.toContain('已保存：按 61.00 元登记（实物，');
    expect(await amounts(w)).toStrictEqual([6_100]);
    await page.context().close();
  });

  it('after the back button, a changed form is offered as a new entry, and each is recorded once', async () => {
    const w = await communityWorld(server, 1);
    const page = await phoneAs(w.cadre, `/app/households/${w.householdIds[0]}/aid/new`);
    const key = await page.inputValue('input[name=idempotencyKey]');
    await page.fill('#amountYuan', '1,200');
    await expect(page.locator('#amountUnderstood').textContent()).resolves.toBe('按 1,200.00 元登记');
    await page.fill('#description', '冬季取暖补助');
    await page.click('button[type=submit]');
    await page.waitForURL(/saved=1/);
    await expect(page.locator('[data-saved]').textContent()).resolves.toContain('按 1,200.00 元登记');

    await page.goBack();
    await page.waitForSelector('#amountYuan');
    // The form from the history cache: the same load, the same key (the browser may or may not restore the
    // typed values; a phone's back-forward cache does).
    expect(await page.inputValue('input[name=idempotencyKey]')).toBe(key);
    if (!(await page.inputValue('#description'))) await page.fill('#description', '冬季取暖补助');
    await page.fill('#amountYuan', '1,300');
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-form-notice]');
    await expect(page.locator('[data-form-notice]').textContent()).resolves.toContain('这张表单先前已经提交并保存');
    expect(await page.inputValue('#amountYuan')).toBe('1,300');
    expect(await page.inputValue('#description')).toBe('冬季取暖补助');
    expect(await amounts(w)).toStrictEqual([120_000]);
    await shot(page, '78-aid-form-sent-again.png');

    await page.click('button[type=submit]');
    await page.waitForURL(/saved=1/);
    expect(await amounts(w)).toStrictEqual([120_000, 130_000]);
    await page.context().close();
  });
});

describe('entries on a phone', () => {
  it('corrects an entry through its confirmation page, and shows the pair struck through, with no sideways scroll', async () => {
    const w = await communityWorld(server, 1);
    const hid = w.householdIds[0]!;
    for (const [amountFen, description] of [
      [30_000, '冬季生活补助'],
      [12_000, '助学用品：书包、文具'],
      [500_000, '住院医疗费用补助'],
    ] as const) {
      await server.fetch('/aid-records', {
        token: w.cadre,
        body: {
          householdId: hid,
          date: new Date().toISOString().slice(0, 10),
          kind: 'cash',
          objective: 'livelihood',
          amountFen,
          description,
        },
        headers: { 'idempotency-key': `e2e-${hid}-${amountFen}` },
      });
    }
    const page = await phoneAs(w.cadre, `/app/households/${hid}`);
    expect(await page.locator('tbody.entry').count()).toBe(3);
    expect(await noSidewaysScroll(page)).toBeLessThanOrEqual(390);
    await shot(page, '75-household-entries-cards.png');

    const card = page.locator('tbody.entry', { hasText: '住院医疗费用补助' });
    await card.locator('[data-correct]').click();
    await page.waitForURL(/\/correction$/);
    await expect(page.locator('[data-to-withdraw]').textContent()).resolves.toContain('¥5,000.00');
    await page.fill('#reason', '金额多写了一个零');
    await shot(page, '76-correction-confirm.png');
    // Without the confirmation: refused beside the box, nothing withdrawn.
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('button[type=submit]'),
    ]);
    expect(refused.status()).toBe(400);
    await expect(page.locator('#confirm-error').textContent()).resolves.toContain('请勾选');
    await page.check('#confirm');
    await page.click('button[type=submit]');
    await page.waitForURL(/corrected=/);

    const pair = page.locator('tbody[data-withdrawn-pair]');
    expect(await pair.count()).toBe(1);
    await expect(pair.textContent()).resolves.toContain('已更正：以下两笔相互抵消');
    expect(await pair.locator('s', { hasText: '¥5,000.00' }).count()).toBe(1);
    expect(await pair.locator('s', { hasText: '¥-5,000.00' }).count()).toBe(1);
    expect(await page.locator('text=冲正').count()).toBe(0);
    expect(await noSidewaysScroll(page)).toBeLessThanOrEqual(390);
    expect(Number(await page.locator('[data-total-fen]').first().getAttribute('data-total-fen'))).toBe(42_000);
    await shot(page, '79-household-corrected-pair.png');

    // Record it again correctly: the form comes filled with the withdrawn entry.
    await page.click('[data-corrected] a');
    await page.waitForSelector('#amountYuan');
    expect(await page.inputValue('#amountYuan')).toBe('5000.00');
    await page.fill('#amountYuan', '500');
    await page.click('button[type=submit]');
    await page.waitForURL(/saved=1/);
    expect(await amounts(w)).toStrictEqual([30_000, 12_000, 500_000, -500_000, 50_000]);
    await page.context().close();
  });
});
