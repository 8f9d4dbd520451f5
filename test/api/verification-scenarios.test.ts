import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../support/local-server.ts';
import { communityWorld, HAPPY_PATH, PNG, sleep, thisYear, today } from '../support/scenario.ts';

/**
 * Scenarios of the verification workflow against the local stack: the real ASL file in aws-local-stepfunctions,
 * the real handlers, dynalite on disk. Each is named after the branch it takes and asserts which states ran.
 * Windows are seconds long here (OBJECTION_WINDOW=PT2S); the product default is P7D.
 */
const ENV = { DEMO_DATA: 'off', OBJECTION_WINDOW: 'PT2S', CONFIRMATION_TIMEOUT: 'PT60S', OBJECTION_RECHECK: 'PT1S' };

describe('verification scenarios', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(ENV);
  });
  afterAll(() => server.stop());

  it('happy path: checks pass, the cadre confirms, the notice is posted, and the year is final and locked', async () => {
    const w = await communityWorld(server, 2);
    await w.clean(w.householdIds[0]!);
    const gift = await w.inKind(w.householdIds[1]!, 10, 10_000);
    await w.receipt(gift);

    const started = await w.start();
    expect(started).toMatchObject({ id: `verify-${thisYear()}-${w.communityId}-1`, status: 'checking' });
    const again = await w.start();
    expect(again.id).toBe(started.id);

    const packet = await w.until(started.id, 'awaiting_confirmation');
    expect(packet).toMatchObject({ communityId: w.communityId, year: thisYear(), round: 1 });
    expect(packet.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(packet.households).toHaveLength(2);
    for (const h of packet.households) {
      expect(h).toMatchObject({
        totalFen: 100_000,
        meetsFloor: true,
        checks: { fundsMatchManual: true, fundsMatchObjectives: true, inKindMatchesObjectives: true },
        discrepancies: [],
      });
    }

    expect((await w.confirm(started.id)).status).toBe(200);
    const open = await w.until(started.id, 'objection_window');
    // The signature image is kept in the object store, named by its hash, and bound to the digest.
    expect(open.decision.signatureKey).toBe(`signatures/${started.id}/${open.decision.signatureSha256}.png`);
    expect(readFileSync(join(server.dataDir, 'objects', open.decision.signatureKey)).toString('base64')).toBe(PNG);
    expect(open.confirmation).toMatchObject({ digest: packet.digest, sealId: 'SEAL-0001' });
    const notices = (await server.fetch('/notices')).json.notices;
    const notice = notices.find((n: { id: string }) => n.id === open.noticeId);
    expect(notice).toMatchObject({
      communityId: w.communityId,
      communityName: w.communityName,
      year: thisYear(),
      status: 'open',
    });
    const one = (await server.fetch(`/notices/${notice.id}`)).json;
    expect(one.digest).toBe(packet.digest);
    expect(one.entries.map((e: { name: string }) => e.name).sort()).toStrictEqual(['张*', '欧阳**']);
    expect(one.entries.every((e: { totalFen: number }) => e.totalFen === 100_000)).toBe(true);
    expect(JSON.stringify(one)).not.toMatch(/householdId|idNumber|\d{17}[\dX]/);

    await w.until(started.id, 'final');
    expect(await w.states(started.id)).toStrictEqual(HAPPY_PATH);
    expect((await server.fetch(`/notices/${notice.id}`)).json.status).toBe('final');

    const late = await server.fetch('/aid-records', {
      token: w.cadre,
      body: {
        householdId: w.householdIds[0],
        date: today(),
        kind: 'cash',
        objective: 'livelihood',
        amountFen: 100,
        description: '补登',
      },
      headers: { 'idempotency-key': 'after-final-0001' },
    });
    expect(late.status).toBe(409);
    expect(late.json.error.code).toBe('ledger.locked');
    const objection = await server.fetch(`/notices/${notice.id}/objections`, {
      body: { entryId: one.entries[0].entryId, text: '太晚了' },
    });
    expect(objection.status).toBe(409);
  });

  it('discrepancy found and rejected: households return to their cadre, are corrected, and a new round confirms', async () => {
    const w = await communityWorld(server, 2);
    await w.clean(w.householdIds[0]!);
    await w.cash(w.householdIds[1]!, 100_000); // no fund-ledger entry behind it
    const round1 = await w.start();
    const packet = await w.until(round1.id, 'awaiting_confirmation');
    const bad = packet.households.find((h: { householdId: string }) => h.householdId === w.householdIds[1]);
    expect(bad.checks.fundsMatchManual).toBe(false);
    expect(bad.discrepancies.map((d: { code: string }) => d.code)).toStrictEqual([
      'funds.missing_for_entry',
      'objectives.cash_mismatch',
    ]);
    expect(bad.discrepancies[0].message).toContain('¥1000.00');

    const decide = (token: string, body: unknown) =>
      server.fetch(`/verifications/${round1.id}/decision`, { token, body });
    expect((await decide(w.communityCadre, { decision: 'reject' })).status).toBe(400);
    expect((await decide(w.communityCadre, { decision: 'confirm', sealId: 'S' })).status).toBe(400);
    const stranger = (
      await server.fetch('/auth/dev-token', {
        body: { sub: 'x', groups: ['communityCadre'], communityId: 'elsewhere' },
      })
    ).json.token;
    expect((await decide(stranger, { decision: 'reject', comment: '不是我的社区' })).status).toBe(403);

    const rejected = await decide(w.communityCadre, { decision: 'reject', comment: '第二户资金台账缺拨付记录' });
    expect(rejected.status).toBe(200);
    const afterReject = { decision: 'confirm', signaturePng: PNG, sealId: 'S', digest: packet.digest };
    expect((await decide(w.communityCadre, afterReject)).status).toBe(409);

    const returned = await w.until(round1.id, 'returned');
    expect(
      returned.households
        .filter((h: { returned?: boolean }) => h.returned)
        .map((h: { householdId: string }) => h.householdId),
    ).toStrictEqual([w.householdIds[1]]);
    await sleep(200);
    expect((await w.ended(round1.id)).status).toBe('SUCCEEDED');
    expect(await w.states(round1.id)).toStrictEqual([...HAPPY_PATH.slice(0, 9), 'ReturnHouseholds']);

    const sentBack = (await server.fetch(`/households/${w.householdIds[1]}/aid?year=${thisYear()}`, { token: w.cadre }))
      .json;
    expect(sentBack.returned).toStrictEqual({ verificationId: round1.id, comment: '第二户资金台账缺拨付记录' });

    await w.fund([{ householdId: w.householdIds[1]!, amountFen: 100_000 }]);
    const round2 = await w.start();
    expect(round2.id).toBe(`verify-${thisYear()}-${w.communityId}-2`);
    const packet2 = await w.until(round2.id, 'awaiting_confirmation');
    expect(packet2.households.every((h: { discrepancies: unknown[] }) => h.discrepancies.length === 0)).toBe(true);
    expect(packet2.digest).not.toBe(packet.digest);
    expect((await w.confirm(round2.id)).status).toBe(200);
    await w.until(round2.id, 'final');
  });

  it('objection upheld: the community is reinvestigated, re-confirmed and re-noticed', async () => {
    const w = await communityWorld(server, 1);
    await w.clean(w.householdIds[0]!);
    const open = await w.confirmedRound();
    const notice = (await server.fetch(`/notices/${open.noticeId}`)).json;
    const filed = await server.fetch(`/notices/${open.noticeId}/objections`, {
      body: { entryId: notice.entries[0].entryId, text: '该户实际未收到帮扶款' },
    });
    expect(filed.status).toBe(201);

    await sleep(3_000); // the window closes with the objection still pending
    expect((await w.get(open.id)).status).toBe('objection_window');
    const waiting = await w.states(open.id);
    expect(waiting.filter((s) => s === 'AwaitResolution').length).toBeGreaterThan(0);

    const resolved = await server.fetch(`/objections/${filed.json.id}/resolution`, {
      token: w.admin,
      body: { upheld: true, note: '经核实，现金未发放到户' },
    });
    expect(resolved.status).toBe(200);
    expect(
      (
        await server.fetch(`/objections/${filed.json.id}/resolution`, {
          token: w.admin,
          body: { upheld: false, note: 'x' },
        })
      ).status,
    ).toBe(409);
    await w.until(open.id, 'reinvestigating');
    expect((await w.states(open.id)).at(-1)).toBe('Reinvestigate');
    expect((await server.fetch(`/notices/${open.noticeId}`)).json.status).toBe('withdrawn');

    // Unlocked for correction: the cadre can reverse the disputed entry.
    const summary = (await server.fetch(`/households/${w.householdIds[0]}/aid?year=${thisYear()}`, { token: w.cadre }))
      .json;
    expect(summary.locked).toBe(false);

    const round2 = await w.start();
    expect(round2.id).toBe(`verify-${thisYear()}-${w.communityId}-2`);
    await w.until(round2.id, 'awaiting_confirmation');
    await w.confirm(round2.id);
    const reopened = await w.until(round2.id, 'objection_window');
    expect(reopened.noticeId).not.toBe(open.noticeId);
    await w.until(round2.id, 'final');
  });

  it('objection dismissed: the note is kept and the community becomes final', async () => {
    const w = await communityWorld(server, 1);
    await w.clean(w.householdIds[0]!);
    const open = await w.confirmedRound();
    const notice = (await server.fetch(`/notices/${open.noticeId}`)).json;
    const filed = await server.fetch(`/notices/${open.noticeId}/objections`, {
      body: { entryId: notice.entries[0].entryId, text: '有疑问' },
    });
    const resolved = await server.fetch(`/objections/${filed.json.id}/resolution`, {
      token: w.admin,
      body: { upheld: false, note: '经核实，帮扶款已到户' },
    });
    expect(resolved.json).toStrictEqual({ id: filed.json.id, status: 'dismissed', note: '经核实，帮扶款已到户' });
    await w.until(open.id, 'final');
    expect(await w.states(open.id)).toStrictEqual(HAPPY_PATH);
  });

  it('refuses an objection to an entry that is not on the notice', async () => {
    const w = await communityWorld(server, 1);
    await w.clean(w.householdIds[0]!);
    const open = await w.confirmedRound();
    const r = await server.fetch(`/notices/${open.noticeId}/objections`, { body: { entryId: 'nope', text: 'x' } });
    expect(r.status).toBe(400);
    expect((await server.fetch('/notices/nope')).status).toBe(404);
    await w.until(open.id, 'final');
  });

  it('reopen: an admin unlocks a final year with a reason, and a new round starts', async () => {
    const w = await communityWorld(server, 1);
    await w.clean(w.householdIds[0]!);
    const v = await w.start();
    await w.until(v.id, 'awaiting_confirmation');
    await w.confirm(v.id);
    await w.until(v.id, 'final');

    const restart = await server.fetch('/verifications', {
      token: w.admin,
      body: { communityId: w.communityId, year: thisYear() },
    });
    expect(restart.status).toBe(409);
    expect(restart.json.error.code).toBe('verification.final');
    expect((await server.fetch(`/verifications/${v.id}/reopen`, { token: w.admin, body: { reason: '' } })).status).toBe(
      400,
    );
    expect(
      (await server.fetch(`/verifications/${v.id}/reopen`, { token: w.cadre, body: { reason: 'x' } })).status,
    ).toBe(403);

    const reopened = await server.fetch(`/verifications/${v.id}/reopen`, {
      token: w.admin,
      body: { reason: '审计发现漏登一笔' },
    });
    expect(reopened.status).toBe(200);
    expect(reopened.json).toStrictEqual({
      id: `verify-${thisYear()}-${w.communityId}-2`,
      status: 'checking',
      reopened: v.id,
    });
    expect((await w.get(v.id)).status).toBe('reopened');
    expect(
      (await server.fetch(`/verifications/${v.id}/reopen`, { token: w.admin, body: { reason: 'again' } })).status,
    ).toBe(409);
    // The next round holds the figures at once; the correction is made after its community cadre returns the household.
    await w.until(reopened.json.id, 'awaiting_confirmation');
    const held = await w.cashAttempt(w.householdIds[0]!, 500);
    expect(held.status).toBe(409);
    expect(held.json.error.code).toBe('ledger.under_verification');
    const back = await server.fetch(`/verifications/${reopened.json.id}/decision`, {
      token: w.communityCadre,
      body: { decision: 'reject', comment: '审计发现漏登一笔', householdIds: [w.householdIds[0]] },
    });
    expect(back.status).toBe(200);
    await w.until(reopened.json.id, 'returned');
    expect((await w.cashAttempt(w.householdIds[0]!, 500)).status).toBe(201);
  });
});

describe('confirmation timeout', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ ...ENV, CONFIRMATION_TIMEOUT: 'PT1S', CONFIRMATION_REMINDERS: '2' });
  });
  afterAll(() => server.stop());

  it('reminds the community cadre when the decision is late, and goes on when it comes', async () => {
    const w = await communityWorld(server, 1);
    await w.clean(w.householdIds[0]!);
    const v = await w.start();
    await w.until(v.id, 'awaiting_confirmation');
    await sleep(1_300);
    expect((await w.confirm(v.id)).status).toBe(200);
    await w.until(v.id, 'final');
    const states = await w.states(v.id);
    expect(states.slice(0, 11)).toStrictEqual([...HAPPY_PATH.slice(0, 8), 'Remind', 'RemindersLeft', 'AwaitDecision']);
    expect(states.at(-1)).toBe('Finalize');
    expect((await w.get(v.id)).reminders).toBeGreaterThanOrEqual(1);
  });

  it('expires the round when every reminder goes unanswered', async () => {
    const w = await communityWorld(server, 1);
    await w.clean(w.householdIds[0]!);
    const v = await w.start();
    await w.until(v.id, 'expired', 15_000);
    await w.ended(v.id);
    const states = await w.states(v.id);
    expect(states.filter((s) => s === 'Remind')).toHaveLength(3);
    expect(states.slice(-3)).toStrictEqual(['Expire', 'ExpiredOrDecided', 'Expired']);
    expect((await w.confirm(v.id)).status).toBe(409);
    const next = await w.start();
    expect(next.id).toBe(`verify-${thisYear()}-${w.communityId}-2`);
  });
});

describe('restarts of the local stack', () => {
  it('resumes a verification that was awaiting the decision, without a second snapshot', async () => {
    const first = await startServer({ ...ENV, OBJECTION_WINDOW: 'PT1S' });
    const w = await communityWorld(first, 2);
    await w.clean(w.householdIds[0]!);
    await w.clean(w.householdIds[1]!);
    const v = await w.start();
    const before = await w.until(v.id, 'awaiting_confirmation');
    await first.stop();

    const second = await startServer({ ...ENV, OBJECTION_WINDOW: 'PT1S' }, first.dataDir);
    try {
      const after = (await second.fetch(`/verifications/${v.id}`, { token: w.admin })).json;
      expect(after.status).toBe('awaiting_confirmation');
      expect(after.digest).toBe(before.digest);
      expect(after.snapshotAt).toBe(before.snapshotAt);
      const decided = await second.fetch(`/verifications/${v.id}/decision`, {
        token: w.communityCadre,
        body: { decision: 'confirm', signaturePng: PNG, sealId: 'SEAL-9', digest: after.digest },
      });
      expect(decided.status).toBe(200);
      const deadline = Date.now() + 20_000;
      while ((await second.fetch(`/verifications/${v.id}`, { token: w.admin })).json.status !== 'final') {
        if (Date.now() > deadline) throw new Error('not final after restart');
        await sleep(100);
      }
      const states = (await second.fetch(`/_local/executions/${v.id}`)).json.states;
      expect(states).toStrictEqual(HAPPY_PATH);
      const notices = (await second.fetch('/notices')).json.notices.filter(
        (n: { verificationId: string }) => n.verificationId === v.id,
      );
      expect(notices).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });

  it('resumes inside the objection window and waits only for what is left of it', async () => {
    const first = await startServer({ ...ENV, OBJECTION_WINDOW: 'PT4S' });
    const w = await communityWorld(first, 1);
    await w.clean(w.householdIds[0]!);
    const open = await w.confirmedRound();
    const notice = (await first.fetch(`/notices/${open.noticeId}`)).json;
    await first.stop();

    const second = await startServer({ ...ENV, OBJECTION_WINDOW: 'PT4S' }, first.dataDir);
    try {
      const stillOpen = (await second.fetch(`/notices/${open.noticeId}`)).json;
      expect(stillOpen.closesAt).toBe(notice.closesAt);
      expect(stillOpen.entries).toStrictEqual(notice.entries);
      const deadline = Date.parse(notice.closesAt) + 15_000;
      let status = '';
      while (status !== 'final') {
        status = (await second.fetch(`/verifications/${open.id}`, { token: w.admin })).json.status;
        if (Date.now() > deadline) throw new Error(`still ${status}`);
        await sleep(100);
      }
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(notice.closesAt));
      expect((await second.fetch(`/_local/executions/${open.id}`)).json.states).toStrictEqual(HAPPY_PATH);
      expect(
        (await second.fetch('/notices')).json.notices.filter((n: { id: string }) => n.id === open.noticeId),
      ).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});
