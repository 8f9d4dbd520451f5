import { type Db, getItem, inParallel, putAll, putIfAbsent, queryAll, updateIf } from '../db.ts';
import { keys } from '../table.ts';
import { checkHousehold, digestOf, type HouseholdCheck, type HouseholdSnapshot } from './checks.ts';
import { readCommunityYear } from './community-year.ts';
import { freezePairings, lockFigures, releaseFigures } from './hold.ts';
import { confirmationOf, getVerification, IN_FLIGHT, setStatus } from './model.ts';

/**
 * The workflow's steps, one function each. The Lambdas in functions/verify-*.ts and the local runner call them.
 * Every step is idempotent: a step that finds its work done returns what it did before.
 */

function chunk<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/**
 * Step "Freeze": from now on no entry, reversal, receipt, fund row or pairing changes this community-year's
 * figures (each write reads the pairing it concerns and finds `frozenBy`). The state machine then waits
 * `settleSeconds` ("SettleWrites") so that writes which passed their check just before the freeze have landed
 * when the snapshot reads the ledger. Only a round still checking freezes: a resumed run finds it done.
 */
export async function freezeStep(db: Db, input: { verificationId: string }) {
  const v = await getVerification(db, input.verificationId);
  if (v.status !== 'checking' || v.digest) return { frozen: 0 };
  const frozen = await freezePairings(db, v);
  await updateIf(
    db,
    keys.verification(v.id),
    { set: { frozenAt: new Date().toISOString() } },
    {
      expression: 'attribute_not_exists(#frozenAt)',
    },
  );
  return { frozen };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Step "Snapshot": freezes the community-year as it is now (entries, receipts, fund ledger) and its digest.
 * A second call returns the first snapshot: what is confirmed is exactly what was snapshotted. A pairing made
 * while the freeze was being set is frozen here, and the snapshot waits once more for its writes to land.
 */
export async function snapshotStep(
  db: Db,
  input: { verificationId: string; batchSize: number; settleSeconds?: number },
) {
  let v = await getVerification(db, input.verificationId);
  if (!v.digest) {
    if ((await freezePairings(db, v)) > 0) await sleep((input.settleSeconds ?? 0) * 1000);
    const households = await readCommunityYear(db, v.communityId, v.year);
    const digest = digestOf(v.communityId, v.year, households);
    await putAll(
      db,
      households.map((h) => ({
        ...keys.verifiedHousehold(v.id, h.householdId),
        entity: 'verified-household',
        verificationId: v.id,
        householdId: h.householdId,
        snapshot: h,
      })),
    );
    const householdIds = households.map((h) => h.householdId).sort();
    await updateIf(
      db,
      keys.verification(v.id),
      { set: { digest, householdIds, householdCount: householdIds.length, snapshotAt: new Date().toISOString() } },
      { expression: 'attribute_not_exists(#digest)' },
    );
    v = await getVerification(db, v.id);
  }
  return { digest: v.digest!, batches: chunk(v.householdIds ?? [], Math.max(1, input.batchSize)) };
}

/** Step "CheckBatch": the three conformities and the floor for a batch of households. Recomputing is harmless. */
export async function checkBatchStep(db: Db, input: { verificationId: string; householdIds: string[] }) {
  const items: Record<string, unknown>[] = [];
  await inParallel(input.householdIds, 8, async (hid) => {
    const item = await getItem(db, keys.verifiedHousehold(input.verificationId, hid));
    if (!item) throw new Error(`snapshot of household ${hid} missing in ${input.verificationId}`);
    items.push({ ...item, check: checkHousehold(item.snapshot as HouseholdSnapshot) });
  });
  await putAll(db, items);
  return { checked: items.length };
}

/** Step "Summarize": counts discrepancies and opens the round for the community cadre's decision. */
export async function summarizeStep(db: Db, input: { verificationId: string }) {
  const items = await queryAll(db, { partition: keys.verification(input.verificationId).pk, prefix: 'HOUSEHOLD#' });
  const discrepancies = items.reduce((n, i) => n + ((i.check as HouseholdCheck).discrepancies.length ?? 0), 0);
  await setStatus(db, input.verificationId, 'awaiting_confirmation', ['checking'], {
    discrepancyCount: discrepancies,
    householdCount: items.length,
  });
  return { households: items.length, discrepancies };
}

/**
 * Step "AwaitDecision" (the task that waits for a token): keeps the token where the decision route finds it.
 * Returns the decision when one was already recorded (signal lost, or the run resumed), so the caller can
 * complete the task at once.
 */
export async function registerDecisionToken(db: Db, input: { verificationId: string; taskToken: string }) {
  await updateIf(db, keys.verification(input.verificationId), {
    set: { taskToken: input.taskToken, awaitingSince: new Date().toISOString() },
  });
  const v = await getVerification(db, input.verificationId);
  return v.decision ? { decision: v.decision.decision } : undefined;
}

/**
 * Step "Remind": the decision is overdue. Records a reminder for the community's cadres (the notification
 * outbox) and says whether the reminders are used up. A decision recorded as the wait timed out is not lost:
 * the step reports it (`decided`) and the state machine goes on with it.
 */
export async function remindStep(db: Db, input: { verificationId: string; maxReminders: number }) {
  const v = await getVerification(db, input.verificationId);
  if (v.decision)
    return { reminders: v.reminders ?? 0, exhausted: false, decided: true, decision: v.decision.decision };
  const n = (v.reminders ?? 0) + 1;
  await putIfAbsent(db, {
    ...keys.reminder(v.id, n),
    entity: 'reminder',
    verificationId: v.id,
    communityId: v.communityId,
    n,
    at: new Date().toISOString(),
  });
  await updateIf(db, keys.verification(v.id), { set: { reminders: n } });
  return { reminders: n, exhausted: n > input.maxReminders, decided: false, decision: null };
}

/**
 * Step "Expire": no decision after every reminder. The expiry is conditional on there being no decision, as
 * the decision is on there being no expiry, so of the two racing exactly one is recorded. When the decision
 * won, the step reports it and the state machine goes on with it.
 */
export async function expireStep(db: Db, input: { verificationId: string }) {
  const won = await updateIf(
    db,
    keys.verification(input.verificationId),
    { set: { status: 'expired' } },
    {
      expression: '#status = :a AND attribute_not_exists(#decision)',
      values: { ':a': 'awaiting_confirmation' },
    },
  );
  const v = await getVerification(db, input.verificationId);
  if (!won && v.decision) return { expired: false, decided: true, decision: v.decision.decision };
  if (v.status !== 'expired') throw new Error(`verification ${v.id} can neither expire nor go on (${v.status})`);
  await releaseFigures(db, v);
  return { expired: true, decided: false, decision: null };
}

/**
 * Step "ReturnHouseholds": the community cadre rejected. The households named in the decision (or, if none
 * were named, those with discrepancies, or else all) go back to their cadres with the comment.
 */
export async function returnHouseholdsStep(db: Db, input: { verificationId: string }) {
  const v = await getVerification(db, input.verificationId);
  const items = await queryAll(db, { partition: keys.verification(v.id).pk, prefix: 'HOUSEHOLD#' });
  const named = v.decision?.householdIds?.length ? new Set(v.decision.householdIds) : undefined;
  const withProblems = items.filter((i) => (i.check as HouseholdCheck | undefined)?.discrepancies.length);
  const returned = named
    ? items.filter((i) => named.has(i.householdId as string))
    : withProblems.length
      ? withProblems
      : items;
  await putAll(
    db,
    returned.map((i) => ({ ...i, returned: true })),
  );
  await inParallel(returned, 8, async (i) => {
    await updateIf(
      db,
      keys.pairing(i.householdId as string, v.year),
      { set: { returnedBy: v.id, returnComment: v.decision?.comment ?? '' } },
      { expression: 'attribute_exists(pk)' },
    );
  });
  // Released before the status moves, so whoever sees `returned` can correct at once (a resumed step releases
  // again, harmlessly, before it sets the status).
  await releaseFigures(db, v);
  await setStatus(db, v.id, 'returned', ['awaiting_confirmation']);
  return { returned: returned.length };
}

/**
 * Step "StoreConfirmation": binds the signature image and seal to the digest of exactly what was confirmed,
 * and locks the community-year's figures (no entries, reversals or receipts until reopened).
 */
export async function storeConfirmationStep(db: Db, input: { verificationId: string }) {
  const v = await getVerification(db, input.verificationId);
  if (!v.confirmation) {
    const confirmation = confirmationOf(v);
    if (!confirmation) throw new Error(`verification ${v.id} has no confirmation to store`);
    await updateIf(
      db,
      keys.verification(v.id),
      { set: { confirmation } },
      { expression: 'attribute_not_exists(#confirmation)' },
    );
  }
  await lockFigures(db, v);
  return { binding: (await getVerification(db, v.id)).confirmation!.binding };
}

/**
 * Step "Reinvestigate": an objection was upheld. The notice is withdrawn, the figures unlocked, the households
 * concerned go back to their cadres, and the next round re-confirms and re-notices the community.
 */
export async function reinvestigateStep(db: Db, input: { verificationId: string }) {
  const v = await getVerification(db, input.verificationId);
  const upheld = await queryAll(db, {
    index: 'byCommunityYear',
    partition: keys.communityYear(v.communityId, v.year).gsi1pk,
    prefix: `OBJECTION#${v.noticeId}#`,
  });
  for (const o of upheld.filter((x) => x.status === 'upheld')) {
    await updateIf(
      db,
      keys.pairing(o.householdId as string, v.year),
      { set: { returnedBy: v.id, returnComment: `公示异议成立：${(o.note as string) ?? ''}` } },
      { expression: 'attribute_exists(pk)' },
    );
  }
  await releaseFigures(db, v);
  if (v.noticeId) await updateIf(db, keys.notice(v.noticeId), { set: { status: 'withdrawn' } });
  await setStatus(db, v.id, 'reinvestigating', ['objection_window']);
  return {};
}

/**
 * Step "Finalize": the window closed with nothing pending. The figures stay locked, the notice is final, and
 * each unit's assessment for the year records how its households in this community stand.
 */
export async function finalizeStep(db: Db, input: { verificationId: string }) {
  // The figures have been locked since StoreConfirmation; only reinvestigation unlocks them, and it ends the round.
  const v = await getVerification(db, input.verificationId);
  const items = await queryAll(db, { partition: keys.verification(v.id).pk, prefix: 'HOUSEHOLD#' });
  const byUnit = new Map<string, { paired: number; meetingFloor: number }>();
  for (const i of items) {
    const unitId = (i.snapshot as HouseholdSnapshot).unitId;
    const u = byUnit.get(unitId) ?? { paired: 0, meetingFloor: 0 };
    u.paired++;
    if ((i.check as HouseholdCheck).meetsFloor) u.meetingFloor++;
    byUnit.set(unitId, u);
  }
  await putAll(
    db,
    [...byUnit].map(([unitId, u]) => ({
      pk: `UNIT#${unitId}`,
      sk: `ASSESSMENT#${v.year}#${v.communityId}`,
      entity: 'unit-assessment',
      unitId,
      year: v.year,
      communityId: v.communityId,
      verificationId: v.id,
      ...u,
    })),
  );
  if (v.noticeId) await updateIf(db, keys.notice(v.noticeId), { set: { status: 'final' } });
  await setStatus(db, v.id, 'final', ['objection_window'], { finalAt: new Date().toISOString() });
  return {};
}

/**
 * Step "MarkFailed": a step failed after its retries. The round becomes `failed`, releases its hold on the
 * community-year (freeze and lock), withdraws a notice it had posted, and an admin can start the next round.
 * The execution then ends in the Fail state, which raises the failed-executions alarm on AWS.
 */
export async function failStep(db: Db, input: { verificationId: string; error?: string }) {
  const failure = { at: new Date().toISOString(), error: String(input.error ?? 'unknown').slice(0, 200) };
  await setStatus(db, input.verificationId, 'failed', [...IN_FLIGHT], { failure });
  const v = await getVerification(db, input.verificationId);
  if (v.status !== 'failed') return { failed: false, status: v.status };
  await releaseFigures(db, v);
  if (v.noticeId) {
    await updateIf(
      db,
      keys.notice(v.noticeId),
      { set: { status: 'withdrawn' } },
      {
        expression: '#status = :o',
        values: { ':o': 'open' },
      },
    );
  }
  return { failed: true, status: v.status };
}
