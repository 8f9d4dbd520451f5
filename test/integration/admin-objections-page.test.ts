import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '#functions/lib/clients.ts';
import { fileObjection, registerResolutionToken } from '#shared/notice/index.ts';
import { objectionStatus } from '#shared/notice/objections.ts';
import { admin, auditor } from '../support/factories.ts';
import { PageClient } from '../support/page-client.ts';
import { confirmedRound, type RecordingWorkflow, useRecordingWorkflow } from '../support/rounds.ts';
import { thisYear } from '../support/scenario.ts';
import { pairedWorld } from '../support/world.ts';

/**
 * Issue #12, item 5: the admin reads every objection (its text, the notice, the entry, when it was filed, in
 * Beijing time), open ones first, and resolves one from the page with a note; a missing choice or note is said
 * beside the field of that objection's card and changes nothing.
 */

let workflow: RecordingWorkflow;
let page: PageClient;

beforeAll(async () => {
  workflow = useRecordingWorkflow();
  page = await PageClient.as(admin);
});

async function objectionOnOpenNotice(text: string) {
  const world = await pairedWorld(thisYear());
  const round = await confirmedRound(world.communityId, thisYear());
  const filed = await fileObjection(
    db,
    round.noticeId,
    { entryId: round.entryId, text },
    new Date('2026-11-30T03:00:00Z'),
  );
  return { ...round, ...filed };
}

describe('the objections workspace', () => {
  it('lists an open objection with its text, reference, notice, entry and filing time in Beijing time', async () => {
    const o = await objectionOnOpenNotice('该户家中已有人就业，收入不符');
    const res = await page.get('/app/admin/objections');
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    const card = new RegExp(`<section class="card objection" id="objection-${o.id}"[\\s\\S]*?</section>`).exec(
      res.body,
    );
    expect(card).not.toBeNull();
    expect(card![0]).toContain('该户家中已有人就业，收入不符');
    expect(card![0]).toContain(o.reference);
    expect(card![0]).toContain('2026-11-30 11:00');
    expect(card![0]).toContain(`/public/notices/${o.noticeId}`);
    expect(card![0]).toContain(`/app/verifications/${o.verificationId}`);
    expect(card![0]).toMatch(/人，¥/);
    // Open ones come before the resolved section.
    expect(res.body.indexOf(o.reference)).toBeLessThan(res.body.indexOf('已处理的异议'));
  });

  it('resolves an objection from the page: the status changes, the round is signalled, the list says so', async () => {
    const o = await objectionOnOpenNotice('公示金额与实际收到不一致');
    // The round waits on it (the workflow's AwaitResolution step registered its token).
    await registerResolutionToken(db, { verificationId: o.verificationId, taskToken: `token-${o.id}` });
    const signals = workflow.signals.length;
    const res = await page.post('/app/admin/objections', `/app/admin/objections/${o.id}/resolution`, {
      upheld: 'no',
      note: '经入户核实，金额一致',
    });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
    expect(res.headers?.location).toBe(`/app/admin/objections?resolved=${encodeURIComponent(o.reference)}`);
    expect((await objectionStatus(db, o.reference)).status).toBe('dismissed');
    expect(workflow.signals.length).toBe(signals + 1);
    const after = await page.get(res.headers!.location as string);
    expect(after.body).toContain(`已处理异议 ${o.reference}`);
    expect(after.body).not.toContain(`id="objection-${o.id}"`);
    expect(after.body).toContain('经入户核实，金额一致');
  });

  it('says beside the card what is missing, with status 400, and changes nothing', async () => {
    const o = await objectionOnOpenNotice('该户不符合条件');
    const attempts: Record<string, string>[] = [
      { note: '说明' },
      { upheld: 'yes', note: '' },
      { upheld: 'maybe', note: '说明' },
    ];
    for (const fields of attempts) {
      const res = await page.post('/app/admin/objections', `/app/admin/objections/${o.id}/resolution`, fields);
      expect(res.statusCode, JSON.stringify(fields)).toBe(400);
      const card = new RegExp(`id="objection-${o.id}"[\\s\\S]*?</section>`).exec(res.body)![0];
      expect(card).toMatch(/class="error"[^>]*role="alert">(请选择异议是否成立|请填写处理说明)/);
      expect((await objectionStatus(db, o.reference)).status).toBe('open');
    }
  });

  it('answers a second resolution with 409 and keeps the first', async () => {
    const o = await objectionOnOpenNotice('重复处理测试');
    const first = await page.post('/app/admin/objections', `/app/admin/objections/${o.id}/resolution`, {
      upheld: 'yes',
      note: '情况属实',
    });
    expect(first.statusCode).toBe(303);
    const second = await page.request(
      'POST',
      `/app/admin/objections/${o.id}/resolution`,
      new URLSearchParams({
        _csrf: /name="_csrf" value="([\w-]{43})"/.exec((await page.get('/app/admin')).body)?.[1] ?? '',
        upheld: 'no',
        note: '改为不成立',
      }).toString(),
    );
    expect(second.statusCode).toBe(409);
    expect((await objectionStatus(db, o.reference)).status).toBe('upheld');
  });

  it('is the admin’s only: an auditor is refused', async () => {
    const res = await (await PageClient.as(auditor)).get('/app/admin/objections');
    expect(res.statusCode).toBe(403);
  });
});
