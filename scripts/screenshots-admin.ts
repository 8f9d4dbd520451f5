/**
 * The admin workspace's own screenshots (docs/screenshots/20-…): the workspace's front page, the accounts page
 * with an invited community cadre, and the objections workspace with one open and one resolved objection, at
 * desktop size (1280×900), on the demo data. Run with `node scripts/screenshots-admin.ts`; needs Debian's chromium.
 * The imports, pairings and registry pages have theirs from test/e2e/admin-import.test.ts (SCREENSHOT_DIR) and
 * scripts/screenshots-registry.ts.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../test/support/browser.ts';
import { devToken, startServer } from '../test/support/local-server.ts';

const OUT = 'docs/screenshots';
mkdirSync(OUT, { recursive: true });
const server = await startServer({ OBJECTION_WINDOW: 'PT1H' });
const browser = await launchBrowser();
const DESKTOP = { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, locale: 'zh-CN' };
const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();

async function as(user: Record<string, unknown>, path: string): Promise<Page> {
  const page = await (await browser.newContext(DESKTOP)).newPage();
  await page.goto(`${server.url}/app/dev-login?token=${await devToken(server, user)}&next=${encodeURIComponent(path)}`);
  return page;
}
const shot = (page: Page, name: string) => page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });

try {
  const adminUser = { sub: 'demo-admin', groups: ['admin'] };
  const admin = await devToken(server, adminUser);
  const cc = await devToken(server, {
    sub: 'demo-cc-xingfu',
    groups: ['communityCadre'],
    communityId: 'demo-community-xingfu',
  });
  const until = async (id: string, status: string) => {
    for (let i = 0; i < 300; i++) {
      const v = await server.fetch(`/verifications/${id}`, { token: admin });
      if (v.json.status === status) return v.json;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`round ${id} never reached ${status}`);
  };
  // A round of the demo community confirmed, so its notice takes objections.
  const started = await server.fetch('/verifications', {
    token: admin,
    body: { communityId: 'demo-community-xingfu', year },
  });
  const packet = await until(started.json.id, 'awaiting_confirmation');
  await server.fetch(`/verifications/${started.json.id}/decision`, {
    token: cc,
    body: {
      decision: 'confirm',
      digest: packet.digest,
      acknowledgeProblems: true,
      sealId: 'SEAL-XF-2026',
      signaturePng: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
    },
  });
  const open = await until(started.json.id, 'objection_window');
  const notice = (await server.fetch(`/notices/${open.noticeId}`)).json;
  for (const [i, text] of ['此户家中已有人就业，收入情况与公示不符', '公示的帮扶金额与我了解的不一致'].entries()) {
    const filed = await server.fetch(`/notices/${open.noticeId}/objections`, {
      body: { entryId: notice.entries[i % notice.entries.length].entryId, text },
    });
    if (i === 1) {
      await server.fetch(`/objections/${filed.json.id}/resolution`, {
        token: admin,
        body: { upheld: false, note: '经入户核实，帮扶款已按公示金额到户' },
      });
    }
  }
  await server.fetch('/users', {
    token: admin,
    body: {
      username: 'cc-xingfu',
      email: 'cc-xingfu@example.org',
      role: 'communityCadre',
      communityId: 'demo-community-xingfu',
    },
  });
  await server.fetch('/users', {
    token: admin,
    body: { username: 'wang-jianguo', email: 'wang@example.org', role: 'cadre', cadreId: 'demo-cadre-wang' },
  });

  await shot(await as(adminUser, '/app/admin'), '20-admin-home');
  await shot(await as(adminUser, '/app/admin/users'), '21-accounts');
  await shot(await as(adminUser, '/app/admin/objections'), '22-objections');
} finally {
  await browser.close();
  await server.stop();
}
