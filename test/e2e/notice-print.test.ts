import { writeFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, PHONE } from '../support/browser.ts';
import { type RunningServer, startServer } from '../support/local-server.ts';
import { communityWorld } from '../support/scenario.ts';

/**
 * Issue #13, item 5: the public notice as printed for the bulletin board (A4 print CSS), on a phone-sized
 * Chromium with print media emulated. `SAVE_SCREENSHOTS=1` writes the print layout to docs/screenshots/.
 */
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer({ DEMO_DATA: 'off', OBJECTION_WINDOW: 'PT1H', SUPERVISION_PHONE: '0931-12345' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function openNotice(): Promise<string> {
  const w = await communityWorld(server, 2);
  await w.clean(w.householdIds[0]!);
  await w.clean(w.householdIds[1]!);
  return (await w.confirmedRound()).noticeId;
}

const visible = (page: Page, selector: string) => page.locator(selector).first().isVisible();

describe('the printed notice', () => {
  it('hides the header, the form and the verify link in print, and shows the table, QR code, seal line and phone', async () => {
    const noticeId = await openNotice();
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(`${server.url}/public/notices/${noticeId}`);
    // On screen: the navigation, the form, the verify link and the QR code.
    for (const s of ['header', 'form[method=post]', '[data-verify]', 'svg.qr'])
      expect(await visible(page, s)).toBe(true);

    await page.emulateMedia({ media: 'print' });
    for (const s of ['header', 'form[method=post]', '[data-verify]', '.objection']) {
      expect(await visible(page, s), s).toBe(false);
    }
    for (const s of [
      'h1',
      '.basis',
      'table',
      '[data-window]',
      'svg.qr',
      '[data-seal-line]',
      '[data-supervision-phone]',
    ]) {
      expect(await visible(page, s), s).toBe(true);
    }
    await expect(page.locator('[data-supervision-phone]').textContent()).resolves.toContain('0931-12345');
    // The QR code is a real drawing of some size on the sheet, not a collapsed box.
    const box = await page.locator('svg.qr').boundingBox();
    expect(box!.width).toBeGreaterThan(80);
    const shot = await page.screenshot({ fullPage: true });
    expect(shot.byteLength).toBeGreaterThan(10_000);
    if (process.env.SAVE_SCREENSHOTS) await writeFile('docs/screenshots/61-notice-print-phone.png', shot);

    // An A4 sheet's width at 96 dpi (210 mm), as a printer lays it out.
    const a4 = await browser.newContext({ viewport: { width: 794, height: 1123 }, locale: 'zh-CN' });
    const sheet = await a4.newPage();
    await sheet.emulateMedia({ media: 'print' });
    await sheet.goto(`${server.url}/public/notices/${noticeId}`);
    expect(await visible(sheet, 'header')).toBe(false);
    if (process.env.SAVE_SCREENSHOTS) {
      await writeFile('docs/screenshots/60-notice-print-a4.png', await sheet.screenshot({ fullPage: true }));
    }
    const pdf = await sheet.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await context.close();
    await a4.close();
  });
});
