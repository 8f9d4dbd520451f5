import { randomInt } from 'node:crypto';
import type { Context } from 'aws-lambda';
import QRCode from 'qrcode';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { db } from '#functions/lib/clients.ts';
import { csrfToken } from '#functions/lib/session.ts';
import { handler as pages } from '#functions/public-pages.ts';
import { handler as updateCommunity } from '#functions/update-registry.ts';
import { buildApiEvent } from '#infra/local/event.ts';
import { beijingTime } from '#shared/dates.ts';
import { updateIf } from '#shared/db.ts';
import { fileObjection, getNotice, resolveObjection } from '#shared/notice/index.ts';
import { keys } from '#shared/table.ts';
import { admin, auditor } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { PageClient } from '../support/page-client.ts';
import { confirmedRound, type RecordingWorkflow, useRecordingWorkflow } from '../support/rounds.ts';
import { thisYear } from '../support/scenario.ts';
import { pairedWorld } from '../support/world.ts';

/**
 * Issue #13, item 5: the public notice in plain words and Beijing time, without the digest (a verify link
 * instead), with a QR code to itself and a supervision phone; the objection status look-up; a rate-limited
 * objection that keeps what was typed.
 */

let page: PageClient;
let workflow: RecordingWorkflow;
const HOST = '127.0.0.1:8787';

beforeAll(async () => {
  // The rounds' workflow, recorded: these tests drive its steps themselves.
  workflow = useRecordingWorkflow();
  page = await PageClient.as(auditor);
});

afterEach(() => {
  vi.useRealTimers();
});

async function openNotice() {
  const world = await pairedWorld(thisYear());
  return confirmedRound(world.communityId, thisYear());
}

const statusOf = (body: string) => /data-status="(\w+)">([^<]+)</.exec(body)?.slice(1);

describe('the public notice page', () => {
  it('shows an open notice as 公示中 with its window in Beijing time, said so', async () => {
    const round = await openNotice();
    const n = await getNotice(db, round.noticeId);
    const res = await page.get(`/public/notices/${round.noticeId}`);
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(statusOf(res.body)).toStrictEqual(['open', '公示中']);
    expect(res.body).toContain(`${beijingTime(n.opensAt)} — ${beijingTime(n.closesAt)}（北京时间）`);
    expect(res.body).not.toContain('UTC');
    expect(res.body).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
    // In English too, with the English words.
    const en = await page.get(`/public/notices/${round.noticeId}?lang=en`);
    expect(statusOf(en.body)).toStrictEqual(['open', 'Open for objections']);
    expect(en.body).toContain(`${beijingTime(n.closesAt)} (Beijing time)`);
  });

  it('names each stored state plainly: 公示期满, 复核中, 已更正重新公示', async () => {
    const ended = await openNotice();
    await updateIf(db, keys.notice(ended.noticeId), { set: { status: 'final' } });
    const reviewing = await openNotice();
    await updateIf(db, keys.notice(reviewing.noticeId), { set: { status: 'withdrawn' } });
    const corrected = await openNotice();
    await updateIf(db, keys.notice(corrected.noticeId), { set: { status: 'superseded' } });
    // Still `open` in the table, its window past, with an upheld objection: under review.
    const upheld = await openNotice();
    const filed = await fileObjection(db, upheld.noticeId, { entryId: upheld.entryId, text: '不符' }, new Date());
    await resolveObjection({ db, workflow }, 'admin', filed.id, { upheld: true, note: '属实' }, new Date());
    await updateIf(db, keys.notice(upheld.noticeId), { set: { closesAt: '2020-01-01T00:00:00Z', closesAtMs: 0 } });
    const seen = [];
    for (const id of [ended.noticeId, reviewing.noticeId, corrected.noticeId, upheld.noticeId]) {
      seen.push(statusOf((await page.get(`/public/notices/${id}`)).body));
    }
    expect(seen).toStrictEqual([
      ['ended', '公示期满'],
      ['reviewing', '复核中'],
      ['corrected', '已更正重新公示'],
      ['reviewing', '复核中'],
    ]);
    const board = await page.get('/public/notices');
    expect(board.body).toContain('已更正重新公示');
    expect(board.body).not.toContain('已定稿');
    expect(board.body).not.toContain('已更新');
  });

  it('shows no digest, only a verify link to the notice in the API, which carries it', async () => {
    const round = await openNotice();
    const n = await getNotice(db, round.noticeId);
    expect(n.digest).toMatch(/^[0-9a-f]{64}$/);
    const res = await page.get(`/public/notices/${round.noticeId}`);
    expect(res.body).not.toContain(n.digest);
    expect(res.body).not.toContain('SHA-256');
    expect(res.body).toMatch(new RegExp(`<a href="/notices/${round.noticeId}"[^>]*data-verify>核验</a>`));
  });

  it('carries an inline SVG QR code that encodes the notice’s own address', async () => {
    const round = await openNotice();
    const res = await page.get(`/public/notices/${round.noticeId}`);
    const url = `http://${HOST}/public/notices/${round.noticeId}`;
    const svg = /<figure class="qr-box" data-qr="([^"]+)"><svg [^>]*>([\s\S]*?)<\/svg>/.exec(res.body);
    expect(svg?.[1]).toBe(url);
    // The same modules as the library's own full renderer draws for that address.
    const expected = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    const pathOf = (s: string) => /<path stroke="#000000" d="([^"]+)"/.exec(s)?.[1];
    expect(pathOf(svg![2]!)).toBeDefined();
    expect(pathOf(svg![2]!)).toBe(pathOf(expected));
    // The print layout's parts: the basis, the issuer with a seal and date line.
    expect(res.body).toContain('每户结对困难家庭全年获得帮扶不少于 1000 元');
    expect(res.body).toMatch(/data-seal-line>日期：\d{4}年\d{1,2}月\d{1,2}日/);
    expect(res.body).toContain('@page{size:A4');
  });

  it('prints the supervision phone the admin set on the community, and none once it is taken away', async () => {
    const round = await openNotice();
    const n = await getNotice(db, round.noticeId);
    const set = (supervisionPhone: unknown) =>
      invoke(updateCommunity, 'PATCH /communities/{id}', {
        as: admin,
        params: { id: n.communityId },
        body: { supervisionPhone },
      });
    const bad = await set('请拨打');
    expect(bad.status).toBe(400);
    expect(bad.json.error.issues[0].path).toBe('supervisionPhone');
    const ok = await set('0931-12345678');
    expect(ok.status).toBe(200);
    expect(ok.json.supervisionPhone).toBe('0931-12345678');
    const res = await page.get(`/public/notices/${round.noticeId}`);
    expect(res.body).toContain('<p data-supervision-phone>监督电话：0931-12345678</p>');
    // Taken away: the city's (SUPERVISION_PHONE, unset in these tests), so no line.
    expect((await set(null)).status).toBe(200);
    expect((await page.get(`/public/notices/${round.noticeId}`)).body).not.toContain('data-supervision-phone');
  });
});

describe('the objection status look-up', () => {
  it('links the receipt to the status of its reference, which reads 处理中 and the filing time', async () => {
    const round = await openNotice();
    const at = new Date();
    const filed = await fileObjection(db, round.noticeId, { entryId: round.entryId, text: '情况不符' }, at);
    const receipt = await page.get(`/public/notices/${round.noticeId}?filed=${filed.reference}`);
    const link = `/public/objections/status?reference=${encodeURIComponent(filed.reference)}`;
    expect(receipt.body).toContain(`<a href="${link}" data-status-link>`);
    const res = await page.get(link);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('data-objection-status="open"');
    expect(res.body).toContain('<strong>处理中</strong>');
    expect(res.body).toContain(`${beijingTime(at)}（北京时间）`);
    expect(res.body).not.toContain('情况不符');
    // Typed in lower case without dashes, the same objection.
    const typed = await page.get(
      `/public/objections/status?reference=${filed.reference.replace(/-/g, '').toLowerCase()}`,
    );
    expect(typed.body).toContain('data-objection-status="open"');
  });

  it('shows 成立 once upheld', async () => {
    const round = await openNotice();
    const filed = await fileObjection(db, round.noticeId, { entryId: round.entryId, text: '不符' }, new Date());
    await resolveObjection({ db, workflow }, 'admin', filed.id, { upheld: true, note: '属实' }, new Date());
    const res = await page.get(`/public/objections/status?reference=${filed.reference}`);
    expect(res.body).toContain('<strong>成立</strong>');
  });

  it('answers an unknown reference with a 404 page and a malformed one with 400 beside the field', async () => {
    const unknown = await page.get('/public/objections/status?reference=AAA-AAA-AAA');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('没有这个回执编号的异议');
    const bad = await page.get('/public/objections/status?reference=12');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('id="reference-error"');
    const empty = await page.get('/public/objections/status');
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toContain('name="reference"');
  });
});

describe('a rate-limited objection', () => {
  it('is shown again with what was typed, and says when to try again in Beijing time', async () => {
    const round = await openNotice();
    // The start of the next 10-minute window, so all six attempts fall in one window.
    const start = Math.ceil(Date.now() / 600_000) * 600_000;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(start + 5_000);
    const ip = `198.51.100.${randomInt(1, 255)}`;
    const post = async (text: string) => {
      const event = buildApiEvent({
        method: 'POST',
        routePath: '/public/{proxy+}',
        rawPath: `/public/notices/${round.noticeId}/objections`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `la_csrf=${'r'.repeat(43)}` },
        params: { proxy: `notices/${round.noticeId}/objections` },
        body: new URLSearchParams({ entryId: round.entryId, text, _csrf: csrfToken('r'.repeat(43)) }).toString(),
        sourceIp: ip,
      });
      return pages(event, {} as Context);
    };
    for (let i = 0; i < 5; i++) expect((await post(`第 ${i} 次`)).statusCode).toBe(303);
    const limited = await post('这户人家 <住房> 已经翻新，不应再领住房补助');
    expect(limited.statusCode).toBe(429);
    expect(limited.body).toContain('>这户人家 &lt;住房&gt; 已经翻新，不应再领住房补助</textarea>');
    expect(limited.body).toContain(`<option value="${round.entryId}" selected>`);
    expect(limited.body).toMatch(
      /role="alert">提交过于频繁，请稍后再试：\d{4}-\d\d-\d\d \d\d:\d\d（北京时间）后可再次提交/,
    );
    expect(limited.body).toContain(beijingTime(new Date(start + 600_000)));
  });
});
