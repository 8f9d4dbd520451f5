import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as calendarDays } from '#functions/calendar-days.ts';
import { db } from '#functions/lib/clients.ts';
import { handler as startVerification } from '#functions/start-verification.ts';
import { calendarLastYear } from '#shared/calendar/index.ts';
import { getNotice, publishNoticeStep } from '#shared/notice/index.ts';
import { getVerification, storeConfirmationStep } from '#shared/verification/index.ts';
import { admin, auditor } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { confirmThroughHandler, roundAwaitingDecision, useRecordingWorkflow } from '../support/rounds.ts';
import { thisYear } from '../support/scenario.ts';
import { pairedWorld } from '../support/world.ts';

/**
 * Objection windows counted in working days (OBJECTION_WORKING_DAYS): a round started with the setting carries
 * it, and its notice closes at 24:00 Beijing time (16:00 UTC) of the Nth working day after publication by the
 * State Council's calendar and the admins' overrides, which `PUT /calendar/days/{date}` sets.
 */

const putDay = (date: string, body: unknown) =>
  invoke(calendarDays, 'PUT /calendar/days/{date}', { as: admin, params: { date }, body });
const listDays = (year: string, as = admin) => invoke(calendarDays, 'GET /calendar/days', { as, query: { year } });

/** A round confirmed and stored, then published at `publishedAt` (only Date is faked: the clock of publication). */
async function publishedAt(instant: string) {
  const { communityId } = await pairedWorld(thisYear());
  const verificationId = await roundAwaitingDecision(communityId, thisYear());
  const decided = await confirmThroughHandler(communityId, verificationId);
  expect(decided.status).toBe(200);
  await storeConfirmationStep(db, { verificationId });
  const { config } = await getVerification(db, verificationId);
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(instant));
  try {
    const { noticeId, closesAt } = await publishNoticeStep(db, {
      verificationId,
      objectionWindowSeconds: config.objectionWindowSeconds,
      config,
    });
    return { config, closesAt, notice: await getNotice(db, noticeId) };
  } finally {
    vi.useRealTimers();
  }
}

beforeAll(() => {
  useRecordingWorkflow();
  process.env.OBJECTION_WORKING_DAYS = '7';
});

afterEach(() => {
  vi.useRealTimers();
});

describe('working-day objection windows', () => {
  it('closes a notice published on the Friday before the 2026 Spring Festival at 24:00 Beijing time on 2 March', async () => {
    // 10:00 Beijing time on Friday 13 February 2026; 14 and 28 February are make-up working days.
    const { config, closesAt, notice } = await publishedAt('2026-02-13T02:00:00Z');
    expect(config.objectionWorkingDays).toBe(7);
    expect(closesAt).toBe('2026-03-02T16:00:00Z');
    expect(notice.closesAt).toBe('2026-03-02T16:00:00Z');
    expect(notice.closesAtMs).toBe(Date.parse('2026-03-02T16:00:00Z'));
  });

  it('counts from the Beijing date of publication: 23:30 UTC on 30 September is 1 October in Beijing', async () => {
    // Published on National Day itself: 8, 9, 10 (make-up), 12, 13, 14, 15 October.
    const { closesAt } = await publishedAt('2026-09-30T23:30:00Z');
    expect(closesAt).toBe('2026-10-15T16:00:00Z');
  });

  it('uses an override an admin set through the API in a later computation', async () => {
    const set = await putDay('2026-03-02', { working: false, note: '本地节日，停止办公' });
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({ date: '2026-03-02', working: false, note: '本地节日，停止办公' });
    const { closesAt } = await publishedAt('2026-02-13T02:00:00Z');
    expect(closesAt).toBe('2026-03-03T16:00:00Z');

    const listed = await listDays('2026');
    expect(listed.status).toBe(200);
    expect(listed.json.items).toEqual([
      expect.objectContaining({ date: '2026-03-02', working: false, officialWorking: true, updatedBy: admin.sub }),
    ]);
    // Corrected back: the last write of a date holds.
    expect((await putDay('2026-03-02', { working: true, note: '更正：照常上班' })).status).toBe(200);
    expect((await listDays('2026')).json.items).toEqual([
      expect.objectContaining({ date: '2026-03-02', working: true, note: '更正：照常上班' }),
    ]);
  });

  it('refuses to start a round whose window could reach past the calendar, and starts nothing', async () => {
    const year = thisYear();
    const { communityId } = await pairedWorld(year);
    process.env.OBJECTION_WORKING_DAYS = '20';
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(`${calendarLastYear()}-12-10T02:00:00Z`));
    try {
      const r = await invoke(startVerification, 'POST /verifications', { as: admin, body: { communityId, year } });
      expect(r.status).toBe(409);
      expect(r.json.error.code).toBe('calendar.not_covered');
      expect(r.json.error.message).toContain(`${calendarLastYear()}`);
    } finally {
      vi.useRealTimers();
      process.env.OBJECTION_WORKING_DAYS = '7';
    }
    // Nothing was started: the same community starts normally once the window fits.
    const again = await invoke(startVerification, 'POST /verifications', { as: admin, body: { communityId, year } });
    expect(again.status).toBe(202);
    expect(again.json.round).toBe(1);
  });

  it('answers bad calendar input with 400 and the field, and changes nothing', async () => {
    const cases: [string, unknown, string][] = [
      ['2026-02-30', { working: true, note: '调休' }, 'date'],
      ['20260301', { working: true, note: '调休' }, 'date'],
      ['2026-05-09', { working: 'yes', note: '调休' }, 'working'],
      ['2026-05-09', { working: true }, 'note'],
      ['2026-05-09', { working: true, note: '   ' }, 'note'],
      ['2026-05-09', { working: true, note: '调休', extra: 1 }, ''],
    ];
    for (const [date, body, path] of cases) {
      const r = await putDay(date, body);
      expect(r.status, JSON.stringify([date, body])).toBe(400);
      expect(r.json.error.code).toBe('request.invalid');
      if (path) expect(r.json.error.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    for (const year of ['abc', '1999', '2026.5']) {
      const r = await listDays(year);
      expect(r.status).toBe(400);
    }
    const may = (await listDays('2026')).json.items.filter((d: { date: string }) => d.date === '2026-05-09');
    expect(may).toEqual([]);
  });

  it('lets only admins read or change the calendar', async () => {
    expect((await listDays('2026', auditor)).status).toBe(403);
    const r = await invoke(calendarDays, 'PUT /calendar/days/{date}', {
      as: auditor,
      params: { date: '2026-05-09' },
      body: { working: true, note: '调休' },
    });
    expect(r.status).toBe(403);
  });
});
