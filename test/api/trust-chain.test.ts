import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeIdNumber } from '../support/factories.ts';
import { type RunningServer, startServer } from '../support/local-server.ts';
import { communityWorld, PNG, sleep, thisYear, today } from '../support/scenario.ts';

/**
 * The trust chain, end to end on the local stack (the real ASL file in aws-local-stepfunctions, the real
 * handlers, dynalite on disk): what the community cadre signs is what the ledger holds, and every act the
 * system acknowledged (an entry, a decision, an objection) takes effect exactly once. The races are fired
 * across a spread of offsets around their instant, over many trials, and every acknowledged act is checked.
 */
const ENV = {
  DEMO_DATA: 'off',
  OBJECTION_WINDOW: 'PT2S',
  CONFIRMATION_TIMEOUT: 'PT60S',
  // An hour: a round that moves on after a resolution was signalled; it did not poll.
  OBJECTION_RECHECK: 'PT1H',
  OBJECTION_RATE_LIMIT: '10000/PT10M',
};

type World = Awaited<ReturnType<typeof communityWorld>>;

/** What the API answers to each kind of write a frozen community-year must refuse. */
async function attempts(w: World, entryId: string, inKindId: string) {
  const s = w.server;
  const household = (
    await s.fetch('/households', {
      token: w.admin,
      body: { headName: '新户', idNumber: makeIdNumber(), communityId: w.communityId, memberCount: 1 },
    })
  ).json.id as string;
  return {
    aid: await w.cashAttempt(w.householdIds[0]!, 100),
    reversal: await s.fetch(`/aid-records/${entryId}/reversal`, { token: w.cadre, body: { reason: '录入有误' } }),
    receipt: await s.fetch(`/aid-records/${inKindId}/receipt`, {
      token: w.cadre,
      body: { method: 'signature', imagePng: PNG },
    }),
    fund: await s.fetch('/fund-ledger', {
      token: w.admin,
      body: {
        entries: [
          {
            reference: `F-${randomUUID()}`,
            householdId: w.householdIds[0],
            date: today(),
            objective: 'livelihood',
            amountFen: 100,
          },
        ],
      },
    }),
    pairing: await s.fetch('/pairings', {
      token: w.admin,
      body: { cadreId: w.cadreId, householdId: household, year: thisYear() },
    }),
  };
}

describe('the trust chain', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(ENV);
  });
  afterAll(() => server.stop());

  it('refuses every write to the figures while checking and while awaiting confirmation, and takes them again after a return', async () => {
    // Prepare
    const w = await communityWorld(server, 2);
    await w.clean(w.householdIds[0]!);
    const entryId = await w.cash(w.householdIds[1]!, 500);
    const inKindId = await w.inKind(w.householdIds[1]!, 1, 1_000);

    // Act: the round freezes first, then waits (FREEZE_SETTLE) before it reads the snapshot.
    const v = await w.start();
    const aidOf = async (h: string) =>
      (await server.fetch(`/households/${h}/aid?year=${thisYear()}`, { token: w.cadre })).json;
    for (let i = 0; (await aidOf(w.householdIds[0]!)).frozenBy !== v.id; i++) {
      if (i > 100) throw new Error('never frozen');
      await sleep(20);
    }
    expect((await w.get(v.id)).status).toBe('checking');
    const whileChecking = await attempts(w, entryId, inKindId);
    await w.until(v.id, 'awaiting_confirmation');
    const whileAwaiting = await attempts(w, entryId, inKindId);

    // Assess: every write refused with the code and a message that names the round and what to do.
    for (const answers of [whileChecking, whileAwaiting]) {
      for (const [what, r] of Object.entries(answers)) {
        expect(r.status, `${what}: ${r.text}`).toBe(409);
        expect(r.json.error.code, what).toBe('ledger.under_verification');
        expect(r.json.error.message, what).toContain(v.id);
      }
      expect(answers.aid.json.error.message).toMatch(/等待社区干部确认.*退回/);
    }
    const packet = await w.get(v.id);
    expect(
      packet.households.map((h: { totalFen: number }) => h.totalFen).sort((a: number, b: number) => a - b),
    ).toStrictEqual([1_500, 100_000]);

    const back = await server.fetch(`/verifications/${v.id}/decision`, {
      token: w.communityCadre,
      body: { decision: 'reject', comment: '第二户未达标', householdIds: [w.householdIds[1]] },
    });
    expect(back.status).toBe(200);
    await w.until(v.id, 'returned');
    expect((await aidOf(w.householdIds[1]!)).frozenBy).toBeNull();
    const after = await attempts(w, entryId, inKindId);
    expect(after.aid.status).toBe(201);
    expect(after.reversal.status).toBe(201);
    expect(after.receipt.status).toBe(201);
    expect(after.fund.status).toBe(200);
    expect(after.pairing.status).toBe(201);
  });

  it('refuses a confirmation of another digest (409), without one (400), and of a packet with problems not acknowledged (400)', async () => {
    const w = await communityWorld(server, 2);
    await w.clean(w.householdIds[0]!);
    await w.cash(w.householdIds[1]!, 500);
    const v = await w.start();
    const packet = await w.until(v.id, 'awaiting_confirmation');
    const decide = (body: Record<string, unknown>) =>
      server.fetch(`/verifications/${v.id}/decision`, {
        token: w.communityCadre,
        body: { decision: 'confirm', signaturePng: PNG, sealId: 'SEAL-1', ...body },
      });

    const stale = await decide({ digest: 'f'.repeat(64), acknowledgeProblems: true });
    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe('verification.stale');
    const missing = await decide({ acknowledgeProblems: true });
    expect(missing.status).toBe(400);
    expect(missing.json.error.issues[0].path).toBe('digest');
    const unacknowledged = await decide({ digest: packet.digest });
    expect(unacknowledged.status).toBe(400);
    expect(unacknowledged.json.error.code).toBe('verification.problems_unacknowledged');
    expect(unacknowledged.json.error.message).toContain('1 户');
    expect((await w.get(v.id)).decision).toBeUndefined();

    const confirmed = await decide({ digest: packet.digest, acknowledgeProblems: true });
    expect(confirmed.status).toBe(200);
    const open = await w.until(v.id, 'objection_window');
    expect(open.confirmation.digest).toBe(packet.digest);
  });

  it('puts every write answered 201 around the freeze into the snapshot, and the signed packet equals the ledger (many trials)', async () => {
    const TRIALS = 4;
    const results = await Promise.all(
      Array.from({ length: TRIALS }, async (_, trial) => {
        const w = await communityWorld(server, 1);
        const household = w.householdIds[0]!;
        await w.clean(household);
        const accepted: string[] = [];
        const refused: string[] = [];
        let firing = true;
        // Writes every ~25 ms from before the start until after the snapshot, offset per trial.
        const writer = (async () => {
          await sleep(trial * 7);
          while (firing) {
            const r = await w.cashAttempt(household, 100);
            if (r.status === 201) accepted.push(r.json.id);
            else refused.push(`${r.status} ${r.json?.error?.code}`);
            await sleep(25);
          }
        })();
        await sleep(60);
        const v = await w.start();
        const packet = await w.until(v.id, 'awaiting_confirmation');
        firing = false;
        await writer;
        const summary = (await server.fetch(`/households/${household}/aid?year=${thisYear()}`, { token: w.cadre }))
          .json;
        const confirmed = await w.confirm(v.id);
        return { accepted, refused, packet, summary, confirmed, v, w };
      }),
    );
    for (const { accepted, refused, packet, summary, confirmed } of results) {
      expect(accepted.length).toBeGreaterThan(0);
      expect(refused.length).toBeGreaterThan(0);
      expect(new Set(refused)).toStrictEqual(new Set(['409 ledger.under_verification']));
      // The snapshot holds the clean ¥1,000 and exactly the accepted writes; so does the ledger.
      expect(packet.households[0].totalFen).toBe(100_000 + 100 * accepted.length);
      expect(summary.totalFen).toBe(packet.households[0].totalFen);
      expect(confirmed.status).toBe(200);
    }
  });

  it('moves on within seconds of the last resolution, and shows an upheld objection on the notice at once', async () => {
    // A dismissed objection: the round waits for it after the window, then goes final when it is resolved.
    const w = await communityWorld(server, 2);
    await w.clean(w.householdIds[0]!);
    await w.clean(w.householdIds[1]!);
    const open = await w.confirmedRound();
    const notice = (await server.fetch(`/notices/${open.noticeId}`)).json;
    const filed = await server.fetch(`/notices/${open.noticeId}/objections`, {
      body: { entryId: notice.entries[0].entryId, text: '收入情况与公示不符' },
    });
    expect(filed.status).toBe(201);
    await sleep(Math.max(0, Date.parse(notice.closesAt) - Date.now()) + 1_000);
    expect((await w.get(open.id)).status).toBe('objection_window');
    const resolvedAt = Date.now();
    const dismissed = await server.fetch(`/objections/${filed.json.id}/resolution`, {
      token: w.admin,
      body: { upheld: false, note: '经核实收入无误' },
    });
    expect(dismissed.status).toBe(200);
    await w.until(open.id, 'final', 5_000);
    expect(Date.now() - resolvedAt).toBeLessThan(5_000);
    expect(await w.states(open.id)).toContain('AwaitResolution');

    // An upheld objection: the entry shows as under re-investigation while the window is still open.
    const w2 = await communityWorld(server, 2);
    await w2.clean(w2.householdIds[0]!);
    await w2.clean(w2.householdIds[1]!);
    const open2 = await w2.confirmedRound();
    const notice2 = (await server.fetch(`/notices/${open2.noticeId}`)).json;
    const target = notice2.entries[1].entryId;
    const objection = await server.fetch(`/notices/${open2.noticeId}/objections`, {
      body: { entryId: target, text: '该户已有稳定收入' },
    });
    const upheld = await server.fetch(`/objections/${objection.json.id}/resolution`, {
      token: w2.admin,
      body: { upheld: true, note: '情况属实，退回复核' },
    });
    expect(upheld.status).toBe(200);
    const shown = (await server.fetch(`/notices/${open2.noticeId}`)).json;
    expect(shown.status).toBe('open');
    expect(
      shown.entries.map((e: { entryId: string; underReview: boolean }) => [e.entryId, e.underReview]),
    ).toStrictEqual(notice2.entries.map((e: { entryId: string }) => [e.entryId, e.entryId === target]));
    await w2.until(open2.id, 'reinvestigating', 10_000);
  });

  it('considers every objection accepted at the closing instant before the round can be final (many trials)', async () => {
    const TRIALS = 6;
    const OFFSETS = [-80, -40, -20, -10, -5, 0, 5, 10, 20, 40, 80];
    const trials = await Promise.all(
      Array.from({ length: TRIALS }, async () => {
        const w = await communityWorld(server, 1);
        await w.clean(w.householdIds[0]!);
        const open = await w.confirmedRound();
        const notice = (await server.fetch(`/notices/${open.noticeId}`)).json;
        const closesAt = Date.parse(notice.closesAt);
        const answers = await Promise.all(
          OFFSETS.map(async (offset) => {
            await sleep(Math.max(0, closesAt + offset - Date.now()));
            const r = await server.fetch(`/notices/${open.noticeId}/objections`, {
              body: { entryId: notice.entries[0].entryId, text: `公示截止前后提出的异议 ${offset}` },
            });
            return { offset, status: r.status, id: r.json?.id as string | undefined, code: r.json?.error?.code };
          }),
        );
        await sleep(Math.max(0, closesAt - Date.now()) + 800);
        const statusAfterClose = (await w.get(open.id)).status as string;
        const accepted = answers.filter((a) => a.status === 201);
        for (const a of accepted) {
          const r = await server.fetch(`/objections/${a.id}/resolution`, {
            token: w.admin,
            body: { upheld: false, note: '已核实' },
          });
          expect(r.status, `resolution of an accepted objection (${a.offset} ms)`).toBe(200);
        }
        await w.until(open.id, 'final', 5_000);
        return { answers, accepted, statusAfterClose };
      }),
    );
    for (const { answers, accepted, statusAfterClose } of trials) {
      // Refused ones were refused as closed; while any accepted one was open, the round was not final.
      for (const a of answers.filter((x) => x.status !== 201))
        expect([a.status, a.code]).toStrictEqual([409, 'notice.closed']);
      expect(statusAfterClose).toBe(accepted.length ? 'objection_window' : 'final');
    }
    const all = trials.flatMap((t) => t.answers);
    // The spread straddled the instant: some accepted, some refused.
    expect(all.some((a) => a.status === 201)).toBe(true);
    expect(all.some((a) => a.status === 409)).toBe(true);
  });
});

describe('a decision at the timeout instant', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ ...ENV, CONFIRMATION_TIMEOUT: 'PT1S', CONFIRMATION_REMINDERS: '0' });
  });
  afterAll(() => server.stop());

  it('is either taken (200, the round goes on) or refused as expired (409), never answered 200 and lost (many trials)', async () => {
    const TRIALS = 12;
    const trials = await Promise.all(
      Array.from({ length: TRIALS }, async (_, i) => {
        const w = await communityWorld(server, 1);
        await w.clean(w.householdIds[0]!);
        const v = await w.start();
        await w.until(v.id, 'awaiting_confirmation', 20_000);
        // From well before the timeout (1 s after the wait began) to well after it.
        await sleep(500 + i * 80);
        const answer = await w.confirm(v.id);
        let round = await w.get(v.id);
        for (let n = 0; ['awaiting_confirmation', 'checking'].includes(round.status) && n < 100; n++) {
          await sleep(100);
          round = await w.get(v.id);
        }
        return { status: answer.status, code: answer.json?.error?.code, round: round.status };
      }),
    );
    for (const t of trials) {
      if (t.status === 200) expect(['objection_window', 'final']).toContain(t.round);
      else expect([t.status, t.code, t.round]).toStrictEqual([409, 'verification.expired', 'expired']);
    }
    expect(trials.some((t) => t.status === 200)).toBe(true);
    expect(trials.some((t) => t.status === 409)).toBe(true);
  });
});
