/**
 * The registry pages' screenshots (docs/screenshots/30-…): a small city registered through the API, then the
 * households list and an edit page at desktop size (1280×900), the list at phone size, a refused form, and the
 * working-day calendar's overrides.
 * Run with `node scripts/screenshots-registry.ts`; needs Debian's chromium.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { launchBrowser, PHONE } from '../test/support/browser.ts';
import { makeIdNumber } from '../test/support/factories.ts';
import { devToken, startServer } from '../test/support/local-server.ts';

const OUT = 'docs/screenshots';
mkdirSync(OUT, { recursive: true });
const server = await startServer();
const browser = await launchBrowser();
const DESKTOP = { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, locale: 'zh-CN' };
const adminUser = { sub: 'demo-admin', groups: ['admin'] };

async function as(path: string, device: object = DESKTOP): Promise<Page> {
  const page = await (await browser.newContext(device)).newPage();
  await page.goto(
    `${server.url}/app/dev-login?token=${await devToken(server, adminUser)}&next=${encodeURIComponent(path)}`,
  );
  return page;
}
const shot = (page: Page, name: string, fullPage = true) => page.screenshot({ path: `${OUT}/${name}.png`, fullPage });

try {
  const token = await devToken(server, adminUser);
  const post = async (path: string, body: unknown) => {
    const r = await server.fetch(path, { token, body });
    if (r.status !== 201) throw new Error(`${path}: ${r.status} ${r.text}`);
    return r.json as { id: string };
  };
  const places: [string, string, string][] = [
    ['东关社区', '城关街道', '城北区'],
    ['西关社区', '城关街道', '城北区'],
    ['南湖社区', '湖滨街道', '城北区'],
    ['新河村', '河口镇', '城南区'],
  ];
  const communities = [];
  for (const [name, township, district] of places)
    communities.push(await post('/communities', { name, township, district }));
  const unit = await post('/units', { name: '市住建局' });
  await post('/cadres', { name: '赵明', unitId: unit.id, code: 'W001', phone: '13800138000' });
  const heads = ['张桂兰', '李建国', '王秀英', '刘志强', '陈玉梅', '杨德明', '黄丽华', '周文斌', '吴淑珍', '徐海涛'];
  const households = [];
  for (const [i, headName] of heads.entries()) {
    households.push(
      await post('/households', {
        headName,
        idNumber: makeIdNumber(`19${50 + i}0${1 + (i % 9)}15`),
        communityId: communities[i % communities.length]!.id,
        memberCount: 1 + (i % 5),
      }),
    );
  }
  await server.fetch(`/households/${households[2]!.id}`, { token, method: 'PATCH', body: { memberCount: 5 } });
  await server.fetch(`/households/${households[9]!.id}`, { token, method: 'PATCH', body: { active: false } });

  await shot(await as('/app/admin/households'), '30-registry-households-desktop');
  const edit = await as(`/app/admin/households/${households[2]!.id}`);
  // Without a reason: the browser's own check is taken off, to show the page's answer beside the field.
  await edit.fill('#newIdNumber', makeIdNumber('19661212'));
  await edit.evaluate("document.querySelector('#reason').removeAttribute('required')");
  await edit.click('#correct button[type=submit]');
  await shot(edit, '31-registry-household-edit-desktop');
  await shot(await as('/app/admin/households', { ...PHONE, deviceScaleFactor: 1 }), '32-registry-households-phone');
  const community = await as('/app/admin/communities');
  await community.click('details.create summary');
  await community.fill('#name', '东关社区');
  await community.fill('#township', '城关街道');
  await community.fill('#district', '城北区');
  await community.click('details.create button[type=submit]');
  await shot(community, '33-registry-communities-taken-name');
  await shot(await as(`/app/admin/cadres?unitId=${unit.id}`), '34-registry-cadres-desktop');
  // The working-day calendar: one local day off recorded, and the form refused without its answer.
  await server.fetch('/calendar/days/2026-12-01', {
    token,
    method: 'PUT',
    body: { working: false, note: '本地节日放假' },
  });
  const calendar = await as('/app/admin/calendar?year=2026');
  await calendar.fill('#date', '2026-12-26');
  await calendar.fill('#note', '调休上班');
  await calendar.click('form[method=post] button[type=submit]');
  await shot(calendar, '35-calendar-desktop');
} finally {
  await browser.close();
  await server.stop();
}
