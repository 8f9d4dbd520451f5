import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.ts';
import { makeIdNumber } from '../support/factories.ts';
import { devToken, type RunningServer, startServer } from '../support/local-server.ts';
import { thisYear, today } from '../support/scenario.ts';

/**
 * The auditor's five report pages in headless Chromium at 1280×900, over a small city seeded through the API:
 * three districts, six communities, 62 work units (some with long names) and 70 paired households. The floor
 * chart has one row per unit and its labels must not overlap; at a tablet's 820 px no page scrolls sideways.
 * `SCREENSHOT_DIR=docs/screenshots` writes the screenshots 90–94 there.
 */
let server: RunningServer;
let browser: Browser;
let auditor: string;
let householdId: string;
const shots = process.env.SCREENSHOT_DIR;
const UNITS = 62;

async function ok(p: Promise<{ status: number; json: any; text: string }>) {
  const r = await p;
  if (r.status >= 300) throw new Error(`setup failed: ${r.status} ${r.text}`);
  return r.json;
}

const LONG_UNITS = ['市人力资源和社会保障局就业促进处', '市住房和城乡建设委员会房屋保障中心', '区卫生健康委员会'];

beforeAll(async () => {
  server = await startServer({ DEMO_DATA: 'off' });
  browser = await launchBrowser();
  const admin = await devToken(server, { sub: 'e2e-admin', groups: ['admin'] });
  auditor = await devToken(server, { sub: 'e2e-auditor', groups: ['auditor'] });
  const post = (path: string, body: unknown, token = admin) => ok(server.fetch(path, { token, body }));
  const communities: string[] = [];
  for (const [i, [district, township]] of [
    ['光明区', '光明街道'],
    ['光明区', '新城街道'],
    ['和平区', '和平街道'],
    ['和平区', '东湖街道'],
    ['长江县', '江口镇'],
    ['长江县', '西山乡'],
  ].entries()) {
    communities.push((await post('/communities', { name: `第${i + 1}社区`, district, township })).id);
  }
  const cadres: string[] = [];
  for (let u = 0; u < UNITS; u++) {
    const name = LONG_UNITS[u] ?? `帮扶单位${String(u + 1).padStart(2, '0')}`;
    const unitId = (await post('/units', { name })).id;
    cadres.push((await post('/cadres', { name: `干部${u + 1}`, unitId })).id);
  }
  const year = thisYear();
  const surnames = '赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张';
  for (let i = 0; i < 70; i++) {
    const communityId = communities[i % communities.length]!;
    const body = {
      headName: `${surnames[i % surnames.length]}某${i}`,
      idNumber: makeIdNumber(),
      communityId,
      memberCount: 2 + (i % 4),
    };
    const id = (await post('/households', body)).id;
    householdId ??= id;
    const cadreId = cadres[i % UNITS]!;
    await post('/pairings', { cadreId, householdId: id, year });
    const cadre = await devToken(server, { sub: `e2e-cadre-${cadreId}`, groups: ['cadre'], cadreId });
    const amountFen = i % 3 === 0 ? 100_000 : (i % 7) * 12_000;
    if (amountFen) {
      await ok(
        server.fetch('/aid-records', {
          token: cadre,
          headers: { 'idempotency-key': randomUUID() },
          body: {
            householdId: id,
            date: today(),
            kind: 'cash',
            objective: ['livelihood', 'education', 'medical', 'employment', 'housing'][i % 5],
            amountFen,
            description: '现金帮扶',
          },
        }),
      );
    }
  }
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(path: string, width = 1280, height = 900): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height }, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`${server.url}/app/dev-login?token=${encodeURIComponent(auditor)}&next=${encodeURIComponent(path)}`);
  return page;
}

async function shoot(page: Page, name: string) {
  if (shots) await page.screenshot({ path: join(shots, name), fullPage: true });
}

/** Whether any two boxes overlap (by more than half a pixel). */
function overlapping(boxes: { x: number; y: number; width: number; height: number }[]): number {
  let n = 0;
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!;
      const b = boxes[j]!;
      const x = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
      const y = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      if (x > 0.5 && y > 0.5) n++;
    }
  }
  return n;
}

describe('the auditor’s report pages', () => {
  it('floor report: a chart of 60 units whose labels do not overlap, search, sort and a second page', async () => {
    const page = await open('/app/reports/floor');
    const labels = page.locator('svg text.bar-label');
    expect(await labels.count()).toBe(60);
    await expect(page.locator('figure.chart').first().textContent()).resolves.toContain('62');
    const boxes = await labels.evaluateAll((els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { x: r.x, y: r.y, width: r.width, height: r.height };
      }),
    );
    expect(overlapping(boxes)).toBe(0);
    // Labels stay left of their bars.
    const bars = await page.locator('svg g.bar rect').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().x));
    for (const [i, b] of boxes.entries()) expect(b.x + b.width).toBeLessThanOrEqual(bars[i]! + 0.5);
    await shoot(page, '90-auditor-floor-report.png');

    expect(await page.locator('table[data-floor-rows] tbody tr').count()).toBe(50);
    await page.click('a[rel=next]');
    expect(await page.locator('table[data-floor-rows] tbody tr').count()).toBe(20);
    await page.fill('#q', '赵某');
    await page.selectOption('#sort', 'total');
    await page.click('form.filters button[type=submit]');
    const names = await page.locator('table[data-floor-rows] tbody tr td:first-child').allTextContents();
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(n).toContain('赵某');
    await page.locator('table[data-floor-rows] tbody tr td:first-child a').first().click();
    await page.waitForURL(/\/app\/households\//);
  });

  it('unit assessment: units that did not complete their task first', async () => {
    const page = await open('/app/reports/units');
    const flags = await page
      .locator('table[data-unit-rows] tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-completed')));
    expect(flags).toHaveLength(UNITS);
    expect(flags.indexOf('true')).toBeGreaterThan(flags.lastIndexOf('false'));
    await shoot(page, '91-auditor-unit-assessment.png');
  });

  it('campaign summary: charts by objective, district and month, figures in tables', async () => {
    const page = await open('/app/reports/summary');
    expect(await page.locator('figure.chart').count()).toBe(3);
    await expect(page.locator('table[data-by-district] tbody tr').count()).resolves.toBe(3);
    await shoot(page, '92-auditor-summary.png');
  });

  it('verification status: every community with its round status', async () => {
    const page = await open('/app/reports/verifications');
    expect(await page.locator('table[data-verification-rows] tbody tr').count()).toBe(6);
    await shoot(page, '93-auditor-verifications.png');
  });

  it('audit trail: today’s writes in Beijing time with plain action names, and one entity’s trail', async () => {
    const page = await open('/app/reports/audit');
    await expect(page.locator('table[data-audit-rows] tbody').textContent()).resolves.toContain('登记家庭');
    await shoot(page, '94-auditor-audit-trail.png');
    await page.fill('#entityId', householdId);
    await page.click('form.filters button[type=submit]');
    await expect(page.locator('table[data-audit-rows] tbody').textContent()).resolves.toContain('登记家庭');
  });

  it('fits a tablet’s 820 px: no page scrolls sideways', async () => {
    for (const path of [
      '/app/reports/floor',
      '/app/reports/units',
      '/app/reports/summary',
      '/app/reports/verifications',
      '/app/reports/audit',
    ]) {
      const page = await open(path, 820, 1180);
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), path).toBe(true);
      if (path.endsWith('floor')) await shoot(page, '95-auditor-floor-report-tablet.png');
      await page.context().close();
    }
  });
});
