import { beforeEach, describe, expect, it } from 'vitest';
import { handler as decideVerification } from '#functions/decide-verification.ts';
import { handler as getHouseholdAid } from '#functions/get-household-aid.ts';
import { db } from '#functions/lib/clients.ts';
import { handler as recordAid } from '#functions/record-aid.ts';
import { shanghaiDate } from '#shared/dates.ts';
import { getVerification } from '#shared/verification/index.ts';
import { admin, cadreUser, communityCadreUser, makeAid, newKey } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { type RecordingWorkflow, roundAwaitingDecision, useRecordingWorkflow } from '../support/rounds.ts';
import { PNG } from '../support/scenario.ts';
import { pairedWorld } from '../support/world.ts';

/**
 * Concurrency on one household and on one verification, through the real handlers on dynalite. Requests are
 * fired together with Promise.all; dynalite serves them interleaved, as DynamoDB serves concurrent Lambdas.
 *
 * The decision races run with a recording workflow engine instead of the local runner: who wins is decided by
 * one conditional write in the table (`attribute_not_exists(decision)`), not by the engine, and the recording
 * shows what the engine would have been told: exactly one task completion, carrying the winner's decision.
 */

const today = () => shanghaiDate(new Date());
const year = () => Number(today().slice(0, 4));
const RACERS = 8;

let workflow: RecordingWorkflow;
beforeEach(() => {
  workflow = useRecordingWorkflow();
});

/** A decision through the real handler; a confirmation names the round's digest, as the packet page sends it. */
const decide = async (verificationId: string, communityId: string, body: Record<string, unknown>) =>
  invoke(decideVerification, 'POST /verifications/{id}/decision', {
    as: communityCadreUser(communityId),
    params: { id: verificationId },
    body:
      body.decision === 'confirm'
        ? { digest: (await getVerification(db, verificationId)).digest, acknowledgeProblems: true, ...body }
        : body,
  });

const confirm = (n: number) => ({ decision: 'confirm', signaturePng: PNG, sealId: `SEAL-${n}` });
const reject = (n: number) => ({ decision: 'reject', comment: `第 ${n} 位社区干部的退回意见` });

describe('concurrent decisions on one verification', () => {
  it('lets exactly one of many simultaneous confirmations win; the rest get 409 and signal nothing', async () => {
    const w = await pairedWorld(year());
    const token = `token-confirm-race-${newKey()}`;
    const id = await roundAwaitingDecision(w.communityId, year(), token);

    const results = await Promise.all(Array.from({ length: RACERS }, (_, n) => decide(id, w.communityId, confirm(n))));

    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toStrictEqual([200, ...Array(RACERS - 1).fill(409)]);
    for (const lost of results.filter((r) => r.status === 409)) {
      expect(lost.json.error.code).toBe('verification.decided');
    }
    const winner = results.findIndex((r) => r.status === 200);
    const stored = await getVerification(db, id);
    expect(stored.decision).toMatchObject({ decision: 'confirm', sealId: `SEAL-${winner}` });
    expect(workflow.signals).toStrictEqual([{ token, output: { decision: 'confirm' } }]);
  });

  it('lets exactly one of confirmations and rejections racing each other win, and records that one', async () => {
    const w = await pairedWorld(year());
    const token = `token-mixed-race-${newKey()}`;
    const id = await roundAwaitingDecision(w.communityId, year(), token);
    const bodies = Array.from({ length: RACERS }, (_, n) => (n % 2 ? reject(n) : confirm(n)));

    const results = await Promise.all(bodies.map((body) => decide(id, w.communityId, body)));

    expect(results.map((r) => r.status).sort()).toStrictEqual([200, ...Array(RACERS - 1).fill(409)]);
    const winner = results.findIndex((r) => r.status === 200);
    const won = bodies[winner]!;
    expect(results[winner]!.json).toMatchObject({ id, decision: won.decision });
    const stored = await getVerification(db, id);
    expect(stored.decision?.decision).toBe(won.decision);
    if (won.decision === 'confirm') expect(stored.decision?.sealId).toBe(`SEAL-${winner}`);
    else expect(stored.decision?.comment).toBe(`第 ${winner} 位社区干部的退回意见`);
    expect(workflow.signals).toStrictEqual([{ token, output: { decision: won.decision } }]);
  });

  it('refuses a late decision after the race is over with 409, and leaves the winner in place', async () => {
    const w = await pairedWorld(year());
    const id = await roundAwaitingDecision(w.communityId, year());
    await Promise.all([decide(id, w.communityId, confirm(0)), decide(id, w.communityId, reject(1))]);
    const before = await getVerification(db, id);

    const late = await decide(id, w.communityId, reject(2));
    expect(late.status).toBe(409);
    expect((await getVerification(db, id)).decision).toStrictEqual(before.decision);
    expect(workflow.signals).toHaveLength(1);
  });
});

describe('concurrent aid submissions for one household', () => {
  it('counts every distinct submission once and every duplicate not at all, when both arrive together', async () => {
    const w = await pairedWorld(year());
    const as = cadreUser(w.cadreId);
    // Ten distinct submissions, each sent three times at once with its own key (a form resent twice).
    const submissions = Array.from({ length: 10 }, (_, i) => ({
      key: newKey(),
      body: makeAid(w.householdId, { date: today(), amountFen: 1_000 * (i + 1) }),
    }));
    const sends = submissions.flatMap((s) => [s, s, s]);
    // Interleave them so a submission's copies are not adjacent.
    sends.sort(() => Math.random() - 0.5);

    const results = await Promise.all(
      sends.map((s) =>
        invoke(recordAid, 'POST /aid-records', { as, body: s.body, headers: { 'idempotency-key': s.key } }),
      ),
    );

    expect(results.filter((r) => r.status === 201)).toHaveLength(10);
    expect(results.filter((r) => r.status === 200)).toHaveLength(20);
    expect(new Set(results.map((r) => r.json.id)).size).toBe(10);
    const summary = await invoke(getHouseholdAid, 'GET /households/{id}/aid', {
      as: admin,
      params: { id: w.householdId },
      query: { year: String(year()) },
    });
    expect(summary.json.records).toHaveLength(10);
    expect(summary.json.totalFen).toBe(1_000 * ((10 * 11) / 2));
  });
});
