import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, PHONE, sign } from '../support/browser.ts';
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

/** A desktop-sized page, Chinese locale. */
const DESKTOP = { viewport: { width: 1280, height: 900 }, locale: 'zh-CN' };

async function pageAs(token: string | undefined, path: string, device: object = PHONE): Promise<Page> {
  const context = await browser.newContext(device);
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

    await sign(page);
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
    const reference = await publicPage.locator('[data-objection-id]').textContent();
    expect(reference).toMatch(
      /^[34679ACDEFGHJKMNPQRTWXY]{3}-[34679ACDEFGHJKMNPQRTWXY]{3}-[34679ACDEFGHJKMNPQRTWXY]{3}$/,
    );
    // The receipt is what the person looks the objection up by.
    const status = await publicPage.request.get(
      `${new URL(publicPage.url()).origin}/objections/status?reference=${reference}`,
    );
    expect(await status.json()).toMatchObject({ reference, status: 'open' });
    await page.context().close();
    await publicPage.context().close();
  });
});

describe('the packet page tells the truth', () => {
  it('says the round is still checking, marks no household failed, and refreshes itself until the packet is ready', async () => {
    const w = await communityWorld(server, 2);
    // Below the floor: once checked it gets a ✗, which must not show before.
    await w.cash(w.householdIds[0]!, 10_000);
    const started = await w.start();
    // The round waits FREEZE_SETTLE (2 s) between freeze and snapshot, so it is still checking here.
    const page = await pageAs(w.communityCadre, `/app/verifications/${started.id}`);
    await expect(page.locator('[data-status]').getAttribute('data-status')).resolves.toBe('checking');
    await expect(page.locator('[data-checking]').textContent()).resolves.toContain('核查进行中');
    expect(await page.locator('main').textContent()).not.toContain('✗');
    expect(await page.locator('.bad').count()).toBe(0);
    expect(await page.locator('[data-summary]').count()).toBe(0);
    expect(await page.locator('meta[http-equiv=refresh]').getAttribute('content')).toBe(
      `3; url=/app/verifications/${started.id}`,
    );

    // Nobody reloads: the page does, and then shows the checked packet with its marks and no refresh.
    await page.waitForSelector('[data-status=awaiting_confirmation]', { timeout: 30_000 });
    await expect(page.locator('[data-summary]').textContent()).resolves.toContain('共 2 户，其中 2 户未达标');
    expect(await page.locator('main').textContent()).toContain('✗');
    expect(await page.locator('meta[http-equiv=refresh]').count()).toBe(0);
    await page.context().close();
  });

  it('names the community and the year in its heading and opens with households, below the floor and failing a check', async () => {
    const w = await communityWorld(server, 3);
    await w.clean(w.householdIds[0]!); // 欧阳明明: passes everything
    // 张三: no aid, below the floor. 李四: ¥1,000 cash the fund ledger does not show, a failing check.
    await w.cash(w.householdIds[2]!, 100_000);
    const started = await w.start();
    await w.until(started.id, 'awaiting_confirmation');

    for (const device of [PHONE, DESKTOP]) {
      const page = await pageAs(w.communityCadre, `/app/verifications/${started.id}`, device);
      const heading = await page.locator('h1').textContent();
      expect(heading).toContain('核查社区');
      expect(heading).toContain(String(thisYear()));
      await expect(page.locator('[data-summary]').textContent()).resolves.toBe(
        '共 3 户，其中 1 户未达标，1 户核查未通过',
      );
      // The summary comes before any household.
      const first = page.locator('main > [data-summary], main > section.household').first();
      expect(await first.getAttribute('data-summary')).not.toBeNull();
      const listed = await page.locator('[data-problem-households] li').allTextContents();
      expect(listed.sort()).toStrictEqual(['张三：未达标（还差 ¥1,000.00）', '李四：核查未通过']);
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
      await page.context().close();
    }

    const en = await pageAs(w.communityCadre, `/app/verifications/${started.id}?lang=en`);
    await expect(en.locator('[data-summary]').textContent()).resolves.toBe(
      '3 households: 1 below the floor, 1 failing a check',
    );
    await en.context().close();
  });

  it('refuses a confirmation whose problems are not acknowledged next to the checkbox, then records it with the signature and seal shown', async () => {
    const w = await communityWorld(server, 2);
    await w.clean(w.householdIds[0]!);
    await w.cash(w.householdIds[1]!, 30_000); // 张三, ¥300: below the floor
    const started = await w.start();
    await w.until(started.id, 'awaiting_confirmation');

    const page = await pageAs(w.communityCadre, `/app/verifications/${started.id}`);
    await expect(page.locator('[data-problem-households]').textContent()).resolves.toContain('张三');
    await expect(page.locator('[data-problem-households]').textContent()).resolves.toContain('还差 ¥700.00');
    expect(await page.locator('#acknowledgeProblems').isChecked()).toBe(false);
    await sign(page);
    await page.fill('#sealId', 'SEAL-E2E-ACK');
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('button[value=confirm]'),
    ]);
    expect(refused.status()).toBe(400);
    const error = page.locator('#acknowledgeProblems-error');
    await expect(error.textContent()).resolves.toContain('已知悉以上问题');
    // Next to the checkbox: in the same fieldset, tied to it for screen readers.
    await expect(page.locator('fieldset.ack #acknowledgeProblems-error').count()).resolves.toBe(1);
    expect(await page.getAttribute('#acknowledgeProblems', 'aria-describedby')).toBe('acknowledgeProblems-error');
    // What was typed and drawn is kept; only the box is left to tick.
    expect(await page.inputValue('#sealId')).toBe('SEAL-E2E-ACK');
    expect((await w.get(started.id)).decision).toBeUndefined();

    await page.check('#acknowledgeProblems');
    await page.click('button[value=confirm]');
    await page.waitForURL(/decided=1/);
    await page.waitForSelector('[data-status=objection_window]', { timeout: 30_000 });
    await expect(page.locator('[data-status]').textContent()).resolves.toBe('公示中');
    await expect(page.locator('[data-seal-id]').textContent()).resolves.toBe('SEAL-E2E-ACK');
    const img = page.locator('img[data-signature]');
    await img.scrollIntoViewIfNeeded();
    await page.waitForFunction("document.querySelector('img[data-signature]').complete");
    expect(await page.evaluate("document.querySelector('img[data-signature]').naturalWidth")).toBeGreaterThan(0);
    const v = await w.get(started.id);
    expect(v.decision.sealId).toBe('SEAL-E2E-ACK');
    await page.context().close();

    // The image is the community's and its overseers' only.
    const outsider = await communityWorld(server, 1);
    const other = await pageAs(outsider.communityCadre, `/app/verifications/${started.id}/signature`);
    const answer = await other.goto(`${server.url}/app/verifications/${started.id}/signature`);
    expect(answer?.status()).toBe(403);
    const auditorPage = await pageAs(w.auditor, '/app/');
    const seen = await auditorPage.goto(`${server.url}/app/verifications/${started.id}/signature`);
    expect(seen?.status()).toBe(200);
    expect(seen?.headers()['content-type']).toBe('image/png');
    await other.context().close();
    await auditorPage.context().close();
  });

  it('says on the page that a confirmation of a stale packet was not recorded', async () => {
    const w = await communityWorld(server, 1);
    await w.clean(w.householdIds[0]!);
    const started = await w.start();
    await w.until(started.id, 'awaiting_confirmation');
    const page = await pageAs(w.communityCadre, `/app/verifications/${started.id}`);
    await sign(page);
    await page.fill('#sealId', 'SEAL-E2E-STALE');
    // The digest the page was given is replaced as if the page were stale.
    await page.evaluate("document.querySelector('input[name=digest]').value = '0'.repeat(64)");
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('button[value=confirm]'),
    ]);
    expect(refused.status()).toBe(409);
    await expect(page.locator('[data-decision-error]').textContent()).resolves.toContain(
      '决定未被记录：核查材料已变化',
    );
    await page.context().close();
  });
});

describe('a frozen household-year', () => {
  it('shows the cadre the frozen notice instead of the record button, and a form posted after the freeze its refusal', async () => {
    const w = await communityWorld(server, 1);
    const hid = w.householdIds[0]!;
    // A form loaded before the round froze the year.
    const early = await pageAs(w.cadre, `/app/households/${hid}/aid/new`);
    await fillCash(early, '100', '冻结前打开的表单');

    const started = await w.start();
    await w.until(started.id, 'awaiting_confirmation');

    const page = await pageAs(w.cadre, `/app/households/${hid}`);
    // Spaces around the round number do not break (a non-breaking space); compared as plain spaces.
    const notice = (await page.locator('[data-frozen]').textContent())!.replace(/\s/g, ' ');
    expect(notice).toContain(`本户 ${thisYear()} 年帮扶数据正在核查中（第 1 轮）`);
    expect(await page.locator('a.button', { hasText: '登记帮扶' }).count()).toBe(0);
    await page.goto(`${server.url}/app/`);
    expect(await page.locator('[data-frozen]').count()).toBe(1);
    expect(await page.locator('a.button', { hasText: '登记帮扶' }).count()).toBe(0);
    await page.goto(`${server.url}/app/households/${hid}/aid/new`);
    expect(await page.locator('[data-frozen]').count()).toBe(1);
    expect(await page.locator('#amountYuan').count()).toBe(0);

    const [answer] = await Promise.all([
      early.waitForResponse((r) => r.request().method() === 'POST'),
      early.click('button[type=submit]'),
    ]);
    expect(answer.status()).toBe(409);
    await expect(early.locator('[role=alert]').textContent()).resolves.toContain('核查中');
    expect(await early.locator('[data-frozen]').count()).toBe(1);
    await page.context().close();
    await early.context().close();
  });
});

describe('the public notice', () => {
  it('marks an entry whose objection was upheld as under review, in Chinese and in English', async () => {
    const w = await communityWorld(server, 2);
    await w.clean(w.householdIds[0]!);
    await w.clean(w.householdIds[1]!);
    const open = await w.confirmedRound();
    const notice = (await server.fetch(`/notices/${open.noticeId}`)).json;
    const entry = notice.entries.find((e: { name: string }) => e.name === '张*');
    const filed = await server.fetch(`/notices/${open.noticeId}/objections`, {
      body: { entryId: entry.entryId, text: '此户情况与实际不符，请复核' },
    });
    const resolved = await server.fetch(`/objections/${filed.json.id}/resolution`, {
      token: w.admin,
      body: { upheld: true, note: '经核实，异议成立' },
    });
    expect(resolved.status).toBe(200);

    const page = await pageAs(undefined, `/public/notices/${open.noticeId}`);
    const marked = page.locator('tr[data-under-review]');
    await expect(marked.count()).resolves.toBe(1);
    await expect(marked.textContent()).resolves.toContain('张*');
    await expect(marked.locator('.tag').textContent()).resolves.toBe('复核中');
    await page.goto(`${server.url}/public/notices/${open.noticeId}?lang=en`);
    await expect(page.locator('tr[data-under-review] .tag').textContent()).resolves.toBe('Under review');
    await page.context().close();
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

    // Each download is an export job: its page shows the link when the file is ready (report-downloads.test.ts).
    const floorUrl = page.url();
    const fetchFile = async (button: string) => {
      await page.goto(floorUrl);
      await page.click(`[data-downloads="floor"] button[value="${button}"]`);
      await page.locator('[data-download-link]').waitFor({ timeout: 30_000 });
      const [file] = await Promise.all([page.waitForEvent('download'), page.click('[data-download-link]')]);
      return file;
    };
    const csv = await fetchFile('csv');
    const csvText = (await readFile((await csv.path())!)).toString('utf8');
    expect(csvText.startsWith('\uFEFF')).toBe(true);
    const lines = csvText.split('\r\n').filter(Boolean);
    const header = lines.findIndex((l) => l.startsWith('家庭编号,'));
    expect(header).toBeGreaterThan(0);
    expect(lines.length - header - 1).toBe(2);

    const xlsx = await fetchFile('xlsx');
    // Named for the report, the filter and the day.
    expect(xlsx.suggestedFilename()).toMatch(new RegExp(`^达标情况-${thisYear()}-.+-\\d{8}\\.xlsx$`));
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

describe('forms another site sends', () => {
  /** A page of another site that posts a form to this one as soon as it loads, as a forging site would. */
  async function forge(page: Page, action: string, fields: Record<string, string>) {
    const inputs = Object.entries(fields)
      .map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`)
      .join('');
    await page.route('https://evil.example/**', (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><form method="post" action="${server.url}${action}">${inputs}</form><script>document.forms[0].submit()</script>`,
      }),
    );
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url() === server.url + action),
      page.goto('https://evil.example/'),
    ]);
    return answer;
  }

  it('refuses an aid entry and an objection posted from another site, in the signed-in browser, and writes nothing', async () => {
    const w = await communityWorld(server, 1);
    await w.clean(w.householdIds[0]!);
    const open = await w.confirmedRound();
    const notice = (await server.fetch(`/notices/${open.noticeId}`)).json;
    const before = (await server.fetch(`/households/${w.householdIds[0]}/aid?year=${thisYear()}`, { token: w.auditor }))
      .json.records.length;

    const since = new Date().toISOString();
    const page = await pageAs(w.cadre, `/app/households/${w.householdIds[0]}`);
    const aid = await forge(page, `/app/households/${w.householdIds[0]}/aid`, {
      idempotencyKey: 'forged-0000000001',
      kind: 'cash',
      objective: 'livelihood',
      date: new Date().toISOString().slice(0, 10),
      amountYuan: '999',
      description: '伪造',
    });
    expect(aid.status()).toBe(403);
    await expect(page.locator('[role=alert]').textContent()).resolves.toContain('其他网站');
    const objection = await forge(page, `/public/notices/${open.noticeId}/objections`, {
      entryId: notice.entries[0].entryId,
      text: '伪造的异议',
    });
    expect(objection.status()).toBe(403);

    const after = await server.fetch(`/households/${w.householdIds[0]}/aid?year=${thisYear()}`, { token: w.auditor });
    expect(after.json.records).toHaveLength(before);
    // Every write through the pages is in the audit trail: none to this notice since the page was opened.
    const range = new URLSearchParams({ from: since, to: new Date().toISOString() });
    const trail = await server.fetch(`/audit?${range}`, { token: w.auditor });
    expect(trail.status, trail.text).toBe(200);
    expect(trail.json.truncated).toBe(false);
    const actions = trail.json.entries.map((e: { action: string }) => e.action);
    expect(actions).not.toContain(`PAGE POST /public/notices/${open.noticeId}/objections`);
    expect(actions).not.toContain(`PAGE POST /app/households/${w.householdIds[0]}/aid`);
    await page.context().close();
  });

  it('signs out only through the header’s form, never through a link another site could open', async () => {
    const w = await communityWorld(server, 1);
    const page = await pageAs(w.cadre, '/app/');
    // A link (GET) shows the button and leaves the browser signed in.
    await page.goto(`${server.url}/app/sign-out`);
    await page.goto(`${server.url}/app/`);
    expect(await page.locator('progress').count()).toBe(1);
    await page.click('header [data-sign-out]');
    await page.waitForURL(/\/public\/notices$/);
    await page.goto(`${server.url}/app/`);
    await page.waitForURL(/\/app\/dev-login$/);
    await page.context().close();
  });
});
