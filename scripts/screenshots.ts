/**
 * `npm run screenshots`: every page at phone size (390×844) into docs/screenshots/, from a local stack with
 * demo data, driven in headless Chromium the way a person would use it. Needs Debian's chromium.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { launchBrowser, PHONE } from '../test/support/browser.ts';
import { devToken, startServer } from '../test/support/local-server.ts';

const OUT = 'docs/screenshots';
mkdirSync(OUT, { recursive: true });
const server = await startServer({ OBJECTION_WINDOW: 'PT1H' });
const browser = await launchBrowser();
const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();

async function as(user: Record<string, unknown> | undefined, path: string, lang = 'zh'): Promise<Page> {
  const page = await (await browser.newContext({ ...PHONE, deviceScaleFactor: 1 })).newPage();
  const next = `${path}${path.includes('?') ? '&' : '?'}lang=${lang}`;
  await page.goto(
    server.url +
      (user ? `/app/dev-login?token=${await devToken(server, user)}&next=${encodeURIComponent(next)}` : next),
  );
  return page;
}
const shot = (page: Page, name: string) => page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });

try {
  const cadre = { sub: 'demo-cadre-wang', groups: ['cadre'], cadreId: 'demo-cadre-wang' };
  await shot(await as(undefined, '/app/dev-login'), '01-sign-in');

  const home = await as(cadre, '/app/');
  await shot(home, '02-cadre-home');
  await home.click('h2 a >> nth=1');
  await shot(home, '03-household');
  await home.click('text=登记帮扶');
  await home.selectOption('#kind', 'in_kind');
  await home.fill('#amountYuan', '12.345');
  await home.fill('#description', '冬季慰问物资');
  await home.fill('#itemName', '棉被');
  await home.fill('#itemQuantity', '2');
  await home.fill('#itemUnitValueYuan', '150');
  await home.click('button[type=submit]');
  await shot(home, '04-aid-form-errors');

  await shot(await as(cadre, '/app/', 'en'), '05-cadre-home-en');

  const admin = await devToken(server, { sub: 'demo-admin', groups: ['admin'] });
  const started = await server.fetch('/verifications', {
    token: admin,
    body: { communityId: 'demo-community-xingfu', year },
  });
  for (let i = 0; i < 100; i++) {
    const v = await server.fetch(`/verifications/${started.json.id}`, { token: admin });
    if (v.json.status === 'awaiting_confirmation') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const cc = await as(
    { sub: 'demo-cc-xingfu', groups: ['communityCadre'], communityId: 'demo-community-xingfu' },
    '/app/',
  );
  const pad = cc.locator('canvas.signature');
  await pad.scrollIntoViewIfNeeded();
  const box = (await pad.boundingBox())!;
  await cc.mouse.move(box.x + 30, box.y + box.height * 0.6);
  await cc.mouse.down();
  for (let i = 1; i <= 30; i++)
    await cc.mouse.move(box.x + 30 + i * 9, box.y + box.height * (0.6 - 0.25 * Math.sin(i / 3)));
  await cc.mouse.up();
  await cc.fill('#sealId', '幸福社区居委会 320902-017');
  await shot(cc, '06-packet-and-signature');
  await cc.click('button[value=confirm]');
  await cc.waitForURL(/decided=1/);
  for (let i = 0; i < 100; i++) {
    const v = await server.fetch(`/verifications/${started.json.id}`, { token: admin });
    if (v.json.status === 'objection_window') break;
    await new Promise((r) => setTimeout(r, 100));
  }

  const board = await as(undefined, '/public/notices');
  await shot(board, '07-public-notices');
  await board.click('section a');
  await shot(board, '08-public-notice-objection');

  const auditor = { sub: 'demo-auditor', groups: ['auditor'] };
  await shot(await as(auditor, '/app/reports/floor'), '09-auditor-floor-report');
  await shot(await as({ sub: 'demo-admin', groups: ['admin'] }, '/app/verifications'), '10-verifications');
  console.log(`screenshots written to ${OUT}/`);
} finally {
  await browser.close();
  await server.stop();
}
