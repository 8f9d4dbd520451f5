/**
 * English mode's screenshots (docs/screenshots/80-…): a refused aid form with its field errors and a packet with
 * its problems at phone size (390×844), and a refused registry form at desktop size (1280×900), all `?lang=en`.
 * Run with `node scripts/screenshots-english.ts`; needs Debian's chromium.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { launchBrowser, PHONE } from '../test/support/browser.ts';
import { makeIdNumber } from '../test/support/factories.ts';
import { devToken, startServer } from '../test/support/local-server.ts';

const OUT = 'docs/screenshots';
mkdirSync(OUT, { recursive: true });
const server = await startServer({ OBJECTION_WINDOW: 'PT1H' });
const browser = await launchBrowser();
const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();
const PHONE_EN = { ...PHONE, deviceScaleFactor: 1, locale: 'en-GB' };
const DESKTOP_EN = { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, locale: 'en-GB' };

async function as(user: Record<string, unknown>, path: string, device: object): Promise<Page> {
  const page = await (await browser.newContext(device)).newPage();
  const next = `${path}${path.includes('?') ? '&' : '?'}lang=en`;
  await page.goto(`${server.url}/app/dev-login?token=${await devToken(server, user)}&next=${encodeURIComponent(next)}`);
  return page;
}
const shot = (page: Page, name: string) => page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });

try {
  const cadre = { sub: 'demo-cadre-wang', groups: ['cadre'], cadreId: 'demo-cadre-wang' };
  const home = await as(cadre, '/app/', PHONE_EN);
  await home.click('h2 a >> nth=1');
  await home.click('a[href$="/aid/new"]');
  // The browser's own checks are taken off, to show the page's answers beside the fields.
  await home.evaluate(
    "document.querySelectorAll('[required],[min],[max],[step],[pattern]').forEach((e) => { e.removeAttribute('required'); e.removeAttribute('pattern'); })",
  );
  await home.evaluate("document.querySelector('form[method=post]').noValidate = true");
  await home.selectOption('#kind', 'in_kind');
  await home.fill('#date', `${year + 1}-01-01`);
  await home.fill('#amountYuan', '12.345');
  await home.fill('#description', '');
  await home.click('form[method=post] button[type=submit]');
  await shot(home, '80-aid-form-errors-en');

  const admin = await devToken(server, { sub: 'demo-admin', groups: ['admin'] });
  const started = await server.fetch('/verifications', {
    token: admin,
    body: { communityId: 'demo-community-xingfu', year },
  });
  for (let i = 0; i < 300; i++) {
    const v = await server.fetch(`/verifications/${started.json.id}`, { token: admin });
    if (v.json.status === 'awaiting_confirmation') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const communityCadre = { sub: 'demo-cc-xingfu', groups: ['communityCadre'], communityId: 'demo-community-xingfu' };
  await shot(await as(communityCadre, `/app/verifications/${started.json.id}`, PHONE_EN), '81-packet-problems-en');

  const adminUser = { sub: 'demo-admin', groups: ['admin'] };
  const list = await as(adminUser, '/app/admin/households', DESKTOP_EN);
  await list.click('table a[href^="/app/admin/households/"] >> nth=0');
  await list.fill('#newIdNumber', makeIdNumber('19661212'));
  await list.evaluate("document.querySelector('#reason').removeAttribute('required')");
  await list.click('#correct button[type=submit]');
  await shot(list, '82-registry-household-refused-en');
} finally {
  await browser.close();
  await server.stop();
}
