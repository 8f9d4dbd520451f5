import { mkdir, writeFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, PHONE, sign } from '../support/browser.ts';
import { type RunningServer, startServer } from '../support/local-server.ts';
import { communityWorld } from '../support/scenario.ts';

/**
 * Issue 13, items 1 and 2, in Chromium at 390 × 844: the household signs a receipt on the phone, the cadre records
 * an outcome and a visit with a photo (reduced and uploaded by the page's script), the photo's thumbnail shows on
 * the household's page, and the community cadre's packet shows the receipt and the outcome.
 * `SCREENSHOT_DIR=docs/screenshots` writes the screenshots 70–74 there.
 */
let server: RunningServer;
let browser: Browser;
const scriptErrors: string[] = [];

beforeAll(async () => {
  server = await startServer({ DEMO_DATA: 'off' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function pageAs(token: string, path: string): Promise<Page> {
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  // A script error on a page is a failure of the page: collected, and the test expects none.
  page.on('pageerror', (e) => scriptErrors.push(e.message));
  await page.goto(`${server.url}/app/dev-login?token=${encodeURIComponent(token)}&next=${encodeURIComponent(path)}`);
  return page;
}

async function shot(page: Page, name: string) {
  const dir = process.env.SCREENSHOT_DIR;
  const png = await page.screenshot({ fullPage: true });
  expect(png.byteLength).toBeGreaterThan(5_000);
  if (dir) {
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}/${name}`, png);
  }
}

/** A real photo for the file input: a 2400 × 1800 picture drawn and captured by the browser itself (PNG). */
async function photo(): Promise<Buffer> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 2 });
  const page = await context.newPage();
  await page.setContent(
    '<body style="margin:0;background:linear-gradient(135deg,#c8e6c9,#1565c0)"><h1 style="font:bold 120px sans-serif;color:#fff;margin:200px">走访</h1></body>',
  );
  const png = await page.screenshot();
  await context.close();
  return png;
}

describe('field evidence on a phone', () => {
  it('takes a signed receipt, an outcome and a visit with a photo, and the packet shows the receipt and outcome', async () => {
    const w = await communityWorld(server, 1);
    const householdId = w.householdIds[0]!;
    // ¥1,000 in cash matched by the fund ledger, already acknowledged through the API; then the in-kind entry.
    const cashId = await w.cash(householdId, 100_000);
    await w.receipt(cashId);
    await w.fund([{ householdId, amountFen: 100_000 }]);
    const entryId = await w.inKind(householdId, 2, 2500, 'livelihood');

    // The receipt: from the household's page, the entry's link, the pad, the signature.
    const page = await pageAs(w.cadre, `/app/households/${householdId}`);
    const row = page.locator(`[data-entry="${entryId}"]`);
    await expect(row.locator('[data-receipt]').getAttribute('data-receipt')).resolves.toBe('missing');
    await row.locator(`a[href="/app/aid/${entryId}/receipt"]`).click();
    await page.waitForURL(`**/app/aid/${entryId}/receipt`);
    expect(await page.locator('#sign-form').isVisible()).toBe(true);
    // Submitting before signing says so, beside the pad.
    await page.locator('#sign-form button[type=submit]').click();
    expect(await page.locator('[data-signature-error]').isVisible()).toBe(true);
    await sign(page);
    await shot(page, '70-receipt-signature-phone.png');
    await page.locator('#sign-form button[type=submit]').click();
    await page.waitForURL(`**/app/households/${householdId}?saved=1#entry-${entryId}`);
    await expect(row.locator('[data-receipt]').getAttribute('data-receipt')).resolves.toBe('signature');

    // An outcome.
    await page.locator(`a[href="/app/households/${householdId}/outcomes/new"]`).click();
    await page.selectOption('#objective', 'education');
    await page.fill('#description', '孩子已返校读初二');
    await shot(page, '74-outcome-form-phone.png');
    await page.locator('form button[type=submit]').last().click();
    await page.waitForURL(`**/app/households/${householdId}?saved=1#outcomes`);
    expect(await page.locator('#outcomes').textContent()).toContain('孩子已返校读初二');

    // A visit with a photo: chosen, reduced and uploaded by the page's script, then posted with the visit.
    await page.locator(`a[href="/app/households/${householdId}/visits/new"]`).click();
    await page.fill('#note', '入户走访：屋顶已修好，孩子按时上学。');
    await page.setInputFiles('#photoKeys-file', { name: 'visit.png', mimeType: 'image/png', buffer: await photo() });
    await page.locator('img[data-uploaded]').waitFor();
    expect(await page.locator('input[type=hidden][name=photoKeys]').count()).toBe(1);
    await shot(page, '71-visit-form-phone.png');
    await page.locator('form button[type=submit]').last().click();
    await page.waitForURL(`**/app/households/${householdId}?saved=1#visits`);
    const thumb = page.locator('#visits img[data-thumb]');
    await thumb.scrollIntoViewIfNeeded();
    await expect
      .poll(() =>
        thumb.evaluate(
          (img) =>
            (img as unknown as { complete: boolean; naturalWidth: number }).complete &&
            (img as unknown as { naturalWidth: number }).naturalWidth,
        ),
      )
      .toBeGreaterThan(0);
    // Reduced on the phone: the stored photo's longest side is 1600 px (the picture chosen was 2400 px wide).
    const width = await thumb.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
    expect(width).toBe(1600);
    expect(await page.locator('#visits').textContent()).toContain('屋顶已修好');
    await page.evaluate('window.scrollTo(0, 0)');
    await shot(page, '72-household-evidence-phone.png');

    // The packet: the receipt (all entries acknowledged) and the outcome, in the household's card.
    const round = await w.start();
    await w.until(round.id, 'awaiting_confirmation');
    const packet = await pageAs(w.communityCadre, `/app/verifications/${round.id}`);
    const card = packet.locator(`section[aria-labelledby="v-${householdId}"]`);
    await expect(card.locator('[data-receipts]').getAttribute('data-receipts')).resolves.toBe('2/2');
    expect(await card.locator('[data-outcomes]').textContent()).toContain('孩子已返校读初二');
    await card.scrollIntoViewIfNeeded();
    await shot(packet, '73-packet-evidence-phone.png');
    expect(scriptErrors).toStrictEqual([]);
    await page.context().close();
    await packet.context().close();
  });
});
