/**
 * `npm run screenshots`: every page at phone size (390×844), and the packet at desktop size too, into
 * docs/screenshots/, from a local stack with demo data, driven in headless Chromium the way a person would use
 * it. Needs Debian's chromium.
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

const DESKTOP = { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, locale: 'zh-CN' };

async function as(
  user: Record<string, unknown> | undefined,
  path: string,
  lang = 'zh',
  device: object = { ...PHONE, deviceScaleFactor: 1 },
): Promise<Page> {
  const page = await (await browser.newContext(device)).newPage();
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
  const until = async (id: string, status: string) => {
    for (let i = 0; i < 300; i++) {
      const v = await server.fetch(`/verifications/${id}`, { token: admin });
      if (v.json.status === status) return v.json;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${id} never reached ${status}`);
  };
  const started = await server.fetch('/verifications', {
    token: admin,
    body: { communityId: 'demo-community-xingfu', year },
  });
  const communityCadre = { sub: 'demo-cc-xingfu', groups: ['communityCadre'], communityId: 'demo-community-xingfu' };
  // Taken at once: the round waits FREEZE_SETTLE between the freeze and the snapshot, so it is still checking.
  await shot(await as(communityCadre, `/app/verifications/${started.json.id}`), '11-packet-checking');
  const frozen = await as(cadre, '/app/');
  await frozen.click('h2 a >> nth=1');
  await shot(frozen, '12-household-frozen');
  await until(started.json.id, 'awaiting_confirmation');

  const cc = await as(communityCadre, '/app/');
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
  const acknowledge = (await cc.locator('#acknowledgeProblems').count()) > 0;
  if (acknowledge) {
    // Confirmed without ticking first, as a hurried cadre would: the refusal is next to the box.
    await cc.click('button[value=confirm]');
    await cc.waitForSelector('#acknowledgeProblems-error');
    await shot(cc, '13-packet-acknowledge-error');
    await cc.check('#acknowledgeProblems');
  }
  await shot(await as(communityCadre, `/app/verifications/${started.json.id}`, 'zh', DESKTOP), '15-packet-desktop');
  await cc.click('button[value=confirm]');
  await cc.waitForURL(/decided=1/);
  const confirmed = await until(started.json.id, 'objection_window');
  await cc.goto(`${server.url}/app/verifications/${started.json.id}`);
  await cc.waitForFunction("document.querySelector('img[data-signature]')?.complete");
  await shot(cc, '14-packet-decided');

  const board = await as(undefined, '/public/notices');
  await shot(board, '07-public-notices');
  await board.click('section a');
  await shot(board, '08-public-notice-objection');

  // An objection upheld: its entry is marked as under review at once.
  const notice = (await server.fetch(`/notices/${confirmed.noticeId}`)).json;
  const filed = await server.fetch(`/notices/${confirmed.noticeId}/objections`, {
    body: { entryId: notice.entries[0].entryId, text: '此户家庭人口与实际不符，请复核' },
  });
  await server.fetch(`/objections/${filed.json.id}/resolution`, {
    token: admin,
    body: { upheld: true, note: '经入户核实，异议成立' },
  });
  await board.reload();
  await shot(board, '16-public-notice-under-review');

  const auditor = { sub: 'demo-auditor', groups: ['auditor'] };
  await shot(await as(auditor, '/app/reports/floor'), '09-auditor-floor-report');
  await shot(await as({ sub: 'demo-admin', groups: ['admin'] }, '/app/verifications'), '10-verifications');
  console.log(`screenshots written to ${OUT}/`);
} finally {
  await browser.close();
  await server.stop();
}
