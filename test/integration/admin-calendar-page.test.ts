import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '#functions/lib/clients.ts';
import { listAudit } from '#shared/audit/index.ts';
import { isWorkingDay, loadOverrides } from '#shared/calendar/index.ts';
import { admin, auditor } from '../support/factories.ts';
import { PageClient } from '../support/page-client.ts';

/**
 * Issue #13, item 6: the admin adds or corrects a day of the working-day calendar from a page, over the same
 * command as `PUT /calendar/days/{date}`; the working-day window then counts with it. A form without an answer is
 * refused beside its field and stores nothing.
 */

let page: PageClient;
beforeAll(async () => {
  page = await PageClient.as(admin);
});

const errorOf = (body: string, field: string) =>
  new RegExp(`<p class="error" id="${field}-error" role="alert">([^<]*)</p>`).exec(body)?.[1];
const post = (fields: Record<string, string>) => page.post('/app/admin/calendar', '/app/admin/calendar', fields);

describe('the working-day calendar page', () => {
  it('records a local day off beside what the State Council calendar says, and the window counts with it', async () => {
    // 2026-12-01 is a Tuesday, a working day by the official calendar.
    expect(isWorkingDay('2026-12-01', await loadOverrides(db, [2026]))).toBe(true);
    const saved = await post({ date: '2026-12-01', working: 'false', note: '本地节日放假' });
    expect(saved.statusCode, saved.body.slice(0, 400)).toBe(303);
    expect(saved.headers?.location).toBe('/app/admin/calendar?year=2026&saved=2026-12-01');
    const shown = await page.get(saved.headers!.location!);
    expect(shown.body).toContain('已登记 2026-12-01。');
    const row = /<tr><td>2026-12-01<\/td>[\s\S]*?<\/tr>/.exec(shown.body)?.[0] ?? '';
    expect(row).toContain('<td>上班（工作日）</td>');
    expect(row).toContain('<strong>休息</strong>');
    expect(row).toContain('本地节日放假');
    expect(isWorkingDay('2026-12-01', await loadOverrides(db, [2026]))).toBe(false);
  });

  it('corrects a day by recording it again, the audit trail holding it before and after', async () => {
    await post({ date: '2026-12-02', working: 'false', note: '误登' });
    const again = await post({ date: '2026-12-02', working: 'true', note: '更正：照常上班' });
    expect(again.statusCode).toBe(303);
    expect(isWorkingDay('2026-12-02', await loadOverrides(db, [2026]))).toBe(true);
    const { entries } = await listAudit(db, { entityId: '2026-12-02' }, new Date());
    expect(entries.at(-1)).toMatchObject({
      action: 'PAGE POST /app/admin/calendar',
      actor: admin.sub,
      before: { working: false, note: '误登' },
      after: { working: true, note: '更正：照常上班' },
    });
  });

  it('refuses a form without an answer beside that field, keeps what was typed and stores nothing', async () => {
    const noChoice = await post({ date: '2026-12-03', working: '', note: '本地放假' });
    expect(noChoice.statusCode).toBe(400);
    expect(errorOf(noChoice.body, 'working')).toBe('请选择这一天是上班还是休息');
    expect(noChoice.body).toContain('value="本地放假"');
    const noNote = await post({ date: '2026-12-03', working: 'false', note: ' ' });
    expect(noNote.statusCode).toBe(400);
    expect(errorOf(noNote.body, 'note')).toContain('请填写说明');
    const badDate = await post({ date: '2026-02-30', working: 'false', note: '本地放假' });
    expect(badDate.statusCode).toBe(400);
    expect(errorOf(badDate.body, 'date')).toContain('真实的日期');
    expect((await loadOverrides(db, [2026])).has('2026-12-03')).toBe(false);
  });

  it('warns of a year the State Council calendar does not cover yet', async () => {
    const res = await page.get('/app/admin/calendar?year=2030');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('2030 年不在国务院节假日安排的范围内');
  });

  it('is the admin’s alone', async () => {
    const res = await (await PageClient.as(auditor)).get('/app/admin/calendar');
    expect(res.statusCode).toBe(403);
  });
});
