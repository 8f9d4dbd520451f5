import { afterEach, describe, expect, it } from 'vitest';
import { db } from '#functions/lib/clients.ts';
import { registerLocalImportRunner } from '#functions/lib/import-jobs.ts';
import { localImportRunner } from '#infra/local/imports.ts';
import { findPairing } from '#shared/pairing/index.ts';
import { admin } from '../support/factories.ts';
import { PageClient } from '../support/page-client.ts';
import { thisYear, today } from '../support/scenario.ts';
import { newCadre, newHousehold, pairedWorld } from '../support/world.ts';

/**
 * Issue #12, item 3 from the admin's pages: a year's pairings by unit, cadre or community; pair, reassign from a
 * date, end on a date, with errors beside the fields; carry a year's pairings into the next with a preview
 * whose digest the commit is checked against. Through the real admin-pages Lambda.
 */

const year = thisYear();
const client = () => PageClient.as(admin);
const list = (page: PageClient, q: Record<string, string>) =>
  page.get(`/app/admin/pairings?${new URLSearchParams({ year: String(year), ...q })}`);
const act = async (page: PageClient, action: string, fields: Record<string, string>) =>
  page.post('/app/admin/pairings', action, fields);

describe('the pairing lists', () => {
  it('list a year by unit, by cadre and by community, with names and each pairing’s household', async () => {
    const page = await client();
    const w = await pairedWorld(year, 2);
    const filters: Record<string, string>[] = [
      { unitId: w.unitId },
      { cadreId: w.cadreId },
      { communityId: w.communityId },
    ];
    for (const q of filters) {
      const res = await list(page, q);
      expect(res.statusCode).toBe(200);
      for (const h of w.householdIds) expect(res.body).toContain(`id="pairing-${h}"`);
      expect(res.body).toContain('测试干部');
      expect(res.body).toContain(`href="/app/admin/pairings?year=${year}&amp;`);
    }
    // Another year lists nothing; no filter asks for one.
    expect((await list(page, { unitId: w.unitId, year: String(year - 3) })).body).toContain('没有符合条件的结对');
    expect((await page.get('/app/admin/pairings')).body).toContain('请选择单位、帮扶责任人或社区');
  });

  it('offers the chosen unit’s cadres in the forms and brings a household from the list’s link', async () => {
    const page = await client();
    const w = await pairedWorld(year);
    const other = await newCadre(w.unitId, '第二干部');
    const res = await list(page, { unitId: w.unitId, householdId: w.householdId });
    expect(res.body).toMatch(new RegExp(`<select id="reassign-cadreId" name="cadreId"[^>]*>.*value="${other}"`, 's'));
    expect(res.body).toContain(`id="reassign-householdId" name="householdId" type="text" value="${w.householdId}"`);
  });
});

describe('pairing acts from the page', () => {
  it('pairs a household, then shows an error beside the field for an unknown household (400)', async () => {
    const page = await client();
    const w = await pairedWorld(year);
    const h = await newHousehold(w.communityId, '新户主');
    const ok = await act(page, `/app/admin/pairings?year=${year}&unitId=${w.unitId}`, {
      householdId: h,
      year: String(year),
      cadreId: w.cadreId,
    });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers?.location).toContain('assigned=');
    expect((await findPairing(db, h, year))?.cadreId).toBe(w.cadreId);
    const bad = await act(page, `/app/admin/pairings?year=${year}`, {
      householdId: 'no-such-household',
      year: String(year),
      cadreId: w.cadreId,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/id="assign-householdId-error" role="alert">困难家庭不存在/);
  });

  it('reassigns from a date: the list shows the handover; a bad date is shown beside its field', async () => {
    const page = await client();
    const w = await pairedWorld(year);
    const successor = await newCadre(w.unitId, '接手干部');
    const from = today();
    const bad = await act(page, `/app/admin/pairings/reassignment?year=${year}`, {
      householdId: w.householdId,
      year: String(year),
      cadreId: successor,
      from: '2026-02-30',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/id="reassign-from-error" role="alert">[^<]*交接日期/);
    expect((await findPairing(db, w.householdId, year))?.cadreId).toBe(w.cadreId);

    const ok = await act(page, `/app/admin/pairings/reassignment?year=${year}&unitId=${w.unitId}`, {
      householdId: w.householdId,
      year: String(year),
      cadreId: successor,
      from,
    });
    expect(ok.statusCode).toBe(303);
    expect((await findPairing(db, w.householdId, year))?.cadreId).toBe(successor);
    const shown = await list(page, { unitId: w.unitId });
    const row = new RegExp(`id="pairing-${w.householdId}".*?</tr>`, 's').exec(shown.body)?.[0] ?? '';
    if (from !== `${year}-01-01`) expect(row).toContain(`接手干部 ${from} 起`);
    expect(row).toContain('接手干部');
  });

  it('ends a pairing on a date and marks it; a date outside the year is refused beside the field', async () => {
    const page = await client();
    const w = await pairedWorld(year);
    const bad = await act(page, `/app/admin/pairings/end?year=${year}`, {
      householdId: w.householdId,
      year: String(year),
      on: `${year + 1}-01-05`,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('id="end-on-error"');
    const ok = await act(page, `/app/admin/pairings/end?year=${year}`, {
      householdId: w.householdId,
      year: String(year),
      on: today(),
    });
    expect(ok.statusCode).toBe(303);
    const shown = await list(page, { cadreId: w.cadreId });
    expect(shown.body).toContain(`已结束于 ${today()}`);
  });
});

describe('carrying pairings over from the page', () => {
  it('previews counts and the skipped with reasons in Chinese, then commits with the preview’s digest', async () => {
    const page = await client();
    const kept = await pairedWorld(year, 2);
    const ended = await pairedWorld(year);
    await act(page, `/app/admin/pairings/end?year=${year}`, {
      householdId: ended.householdId,
      year: String(year),
      on: today(),
    });
    const preview = await act(page, '/app/admin/pairings/carry-over', {
      fromYear: String(year),
      toYear: String(year + 1),
      action: 'preview',
    });
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain(`${year} → ${year + 1}`);
    expect(preview.body).toMatch(new RegExp(`${ended.householdId}</a></td><td>[^<]*</td><td>上一年已结束`));
    const digest = /name="digest" value="([0-9a-f]{64})"/.exec(preview.body)?.[1];
    expect(digest).toBeDefined();
    expect(await findPairing(db, kept.householdId, year + 1)).toBeUndefined();

    const commit = await act(page, '/app/admin/pairings/carry-over', {
      fromYear: String(year),
      toYear: String(year + 1),
      action: 'commit',
      digest: digest!,
    });
    expect(commit.statusCode).toBe(303);
    expect(commit.headers?.location).toContain(`year=${year + 1}`);
    expect(commit.headers?.location).not.toContain('digest=changed');
    for (const h of kept.householdIds) expect((await findPairing(db, h, year + 1))?.cadreId).toBe(kept.cadreId);
    const done = await page.get(String(commit.headers?.location));
    expect(done.body).toContain('结转完成');

    // Again with the old digest: nothing new is created, which the page points out.
    const again = await act(page, '/app/admin/pairings/carry-over', {
      fromYear: String(year),
      toYear: String(year + 1),
      action: 'commit',
      digest: digest!,
    });
    expect(again.headers?.location).toContain('carried=0');
    expect(again.headers?.location).toContain('digest=changed');
  });

  afterEach(() => {
    delete process.env.CARRY_OVER_INLINE_PAIRINGS;
    registerLocalImportRunner(undefined);
  });

  it('follows a carry-over too large for the request in the background until it is done', async () => {
    const runner = localImportRunner();
    registerLocalImportRunner(runner);
    // A small inline limit stands in for a city's 76,000 pairings.
    process.env.CARRY_OVER_INLINE_PAIRINGS = '1';
    const page = await client();
    const from = year;
    const kept = await pairedWorld(from, 3);
    const commit = await act(page, '/app/admin/pairings/carry-over', {
      fromYear: String(from),
      toYear: String(from + 1),
      action: 'commit',
    });
    expect(commit.statusCode, commit.body.slice(0, 300)).toBe(303);
    const location = String(commit.headers?.location);
    expect(location).toMatch(/carryJob=carry-over-/);
    await runner.idle();
    const done = await page.get(location);
    expect(done.body).toMatch(/data-carry-job="done"[^>]*>结转完成：新建 \d+/);
    for (const h of kept.householdIds) expect((await findPairing(db, h, from + 1))?.cadreId).toBe(kept.cadreId);
  });

  it('shows a wrong year beside its field (400)', async () => {
    const page = await client();
    const res = await act(page, '/app/admin/pairings/carry-over', {
      fromYear: 'abc',
      toYear: String(year + 1),
      action: 'preview',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('id="carry-fromYear-error"');
  });
});
