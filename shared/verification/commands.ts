import type * as z from 'zod';
import { workingDayWindowCloses } from '../calendar/index.ts';
import { type Caller, hasRole } from '../caller.ts';
import { type Db, getItem, putIfAbsent, queryAll, queryPages, updateIf } from '../db.ts';
import { conflict, forbidden, invalid } from '../errors.ts';
import type { ObjectStore } from '../objects.ts';
import { pngSha256 } from '../png.ts';
import { type Community, requireEntity } from '../registry/entities.ts';
import { keys } from '../table.ts';
import { parseInput } from '../validate.ts';
import { digestOf, type HouseholdCheck, type HouseholdSnapshot } from './checks.ts';
import { readCommunityYear } from './community-year.ts';
import { releaseFigures } from './hold.ts';
import {
  type Decision,
  DecisionInput,
  getVerification,
  IN_FLIGHT,
  inputOf,
  StartVerification,
  setStatus,
  signatureKey,
  type Verification,
  type VerificationConfig,
  verificationIdFor,
  type WorkflowDeps,
} from './model.ts';
/**
 * The commands people give a round: start it, read its packet, decide it (the community cadre), reopen it (an
 * admin). Each validates its caller and the round's state, and changes the round by conditional writes.
 */

/**
 * Starts verification of a community-year, or returns the round already in flight (the same id). A finished
 * round that was returned, reinvestigated or expired is followed by the next round; a final one must be
 * reopened first.
 */
export async function startVerification(
  deps: WorkflowDeps & { config: VerificationConfig },
  caller: Caller,
  rawInput: z.input<typeof StartVerification>,
): Promise<{ verification: Verification; started: boolean }> {
  const input = parseInput(StartVerification, rawInput);
  const { db } = deps;
  await requireEntity<Community>(db, 'community', input.communityId, '社区');
  const pointer = await getItem<{ verificationId: string }>(db, keys.currentRound(input.communityId, input.year));
  let round = 1;
  if (pointer) {
    const current = await getVerification(db, pointer.verificationId);
    if (IN_FLIGHT.includes(current.status)) {
      await deps.workflow.start(current.id, inputOf(current));
      return { verification: current, started: false };
    }
    if (current.status === 'final') {
      throw conflict('verification.final', '该社区本年度结果已定稿；如需更正，请先重新开启（reopen）');
    }
    round = current.round + 1;
  }
  const first = await queryPages(db, {
    index: 'byCommunityYear',
    partition: keys.communityYear(input.communityId, input.year).gsi1pk,
    prefix: 'HOUSEHOLD#',
  }).next();
  if (!(first.value ?? []).some((i: Record<string, unknown>) => i.entity === 'pairing')) {
    throw invalid('verification.no_households', '该社区本年度没有结对家庭，无需核查');
  }
  return startRound(deps, caller, input.communityId, input.year, round);
}

async function startRound(
  deps: WorkflowDeps & { config: VerificationConfig },
  caller: Caller,
  communityId: string,
  year: number,
  round: number,
): Promise<{ verification: Verification; started: boolean }> {
  const { db } = deps;
  const workingDays = deps.config.objectionWorkingDays;
  if (workingDays !== undefined) {
    // Refused here, before anything is frozen, rather than only at publication after the community has signed:
    // the window of a notice published as late as the confirmation timeout allows must be on the known calendar.
    // Publication checks again (a later confirmation, an override changed meanwhile) and fails the round if not.
    const latest = new Date(deps.now.getTime() + deps.config.confirmationTimeoutSeconds * 1000);
    await workingDayWindowCloses(db, latest, workingDays);
  }
  const v: Verification = {
    id: verificationIdFor(communityId, year, round),
    communityId,
    year,
    round,
    status: 'checking',
    config: deps.config,
    startedBy: caller.sub,
    startedAt: deps.now.toISOString(),
    reminders: 0,
  };
  const created = await putIfAbsent(db, {
    ...keys.verification(v.id),
    ...keys.entityListing('verification', v.id),
    entity: 'verification',
    ...v,
  });
  const verification = created ? v : await getVerification(db, v.id);
  // The pointer only moves forward, so two racing starts of the same round agree on it.
  await updateIf(
    db,
    keys.currentRound(communityId, year),
    { set: { verificationId: verification.id, round } },
    { expression: 'attribute_not_exists(#round) OR #round < :r', values: { ':r': round } },
  );
  await deps.workflow.start(verification.id, inputOf(verification));
  return { verification, started: created };
}

/** A household of a round as the packet shows it. */
export interface VerifiedHousehold extends HouseholdCheck {
  /** Whether the household's checks have run; until then its marks are placeholders, not findings. */
  checked: boolean;
  headName: string;
  memberCount: number;
  cadreId: string;
  unitId: string;
  returned?: boolean;
}

/** The verification packet: the round, its status and every household's totals, checks and discrepancies. */
export async function verificationPacket(db: Db, caller: Caller, id: string) {
  const v = await getVerification(db, id);
  const allowed =
    hasRole(caller, 'admin', 'auditor') || (hasRole(caller, 'communityCadre') && caller.communityId === v.communityId);
  if (!allowed) throw forbidden('verification.not_yours', '您无权查看该社区的核查');
  const items = await queryAll(db, { partition: keys.verification(id).pk, prefix: 'HOUSEHOLD#' });
  const households: VerifiedHousehold[] = items.map((i) => {
    const s = i.snapshot as HouseholdSnapshot;
    const c = (i.check as HouseholdCheck | undefined) ?? {
      householdId: s.householdId,
      totalFen: s.manual.reduce((t, e) => t + e.amountFen, 0),
      meetsFloor: false,
      checks: { fundsMatchManual: false, fundsMatchObjectives: false, inKindMatchesObjectives: false },
      discrepancies: [],
    };
    return {
      ...c,
      checked: i.check !== undefined,
      headName: s.headName,
      memberCount: s.memberCount,
      cadreId: s.cadreId,
      unitId: s.unitId,
      ...(i.returned ? { returned: true } : {}),
    };
  });
  const { taskToken: _token, householdIds: _ids, ...rest } = v;
  return { ...rest, digest: v.digest ?? null, households };
}

/**
 * Records the community cadre's decision. Exactly one decision per round: the conditional write decides a
 * race, and the loser gets 409. Then the waiting workflow task is completed; if that signal is lost, the
 * task finds the recorded decision when it next registers (after a reminder or a resume).
 */
export async function decide(
  deps: WorkflowDeps & { objects: ObjectStore },
  caller: Caller,
  id: string,
  rawInput: z.input<typeof DecisionInput>,
) {
  const input = parseInput(DecisionInput, rawInput);
  const { db } = deps;
  const v = await getVerification(db, id);
  if (!(hasRole(caller, 'communityCadre') && caller.communityId === v.communityId)) {
    throw forbidden('verification.not_your_community', '只有本社区的社区干部可以确认或退回');
  }
  refuseUndecidable(v);
  const decision: Decision = {
    decision: input.decision,
    decidedBy: caller.sub,
    decidedAt: deps.now.toISOString(),
  };
  if (input.decision === 'confirm') {
    await checkConfirmable(db, v, input);
    decision.sealId = input.sealId;
    decision.signatureSha256 = pngSha256(input.signaturePng);
    decision.signatureKey = signatureKey(id, decision.signatureSha256);
    await deps.objects.put(decision.signatureKey, Buffer.from(input.signaturePng, 'base64'), 'image/png');
  } else {
    decision.comment = input.comment;
    if (input.householdIds) {
      // Only the round's own households can be sent back; anything else is a mistake, not something to store.
      const round = new Set(v.householdIds ?? []);
      const unknown = input.householdIds.filter((h) => !round.has(h));
      if (unknown.length) {
        throw invalid('verification.unknown_households', '退回名单中有不属于本轮核查的家庭', [
          {
            path: 'householdIds',
            message: `不属于本轮核查：${unknown.slice(0, 3).join('、')}${unknown.length > 3 ? '…' : ''}`,
          },
        ]);
      }
      decision.householdIds = [...new Set(input.householdIds)];
    }
  }
  // The decision and the timeout's expiry race on this one item: each is conditional on the other's absence,
  // so exactly one of them happens, and the answer says which.
  const won = await updateIf(
    db,
    keys.verification(id),
    { set: { decision } },
    {
      expression: 'attribute_not_exists(#decision) AND #status = :awaiting',
      values: { ':awaiting': 'awaiting_confirmation' },
    },
  );
  if (!won) refuseUndecidable(await getVerification(db, id));
  const fresh = await getVerification(db, id);
  if (fresh.taskToken) await deps.workflow.sendTaskSuccess(fresh.taskToken, { decision: decision.decision });
  return { id, status: fresh.status, decision: decision.decision };
}

/** Throws the conflict that says why a round takes no decision now; returns when it does. */
function refuseUndecidable(v: Verification): void {
  if (v.decision) throw conflict('verification.decided', '本轮核查已作出决定，不能重复确认或退回');
  if (v.status === 'expired') {
    throw conflict('verification.expired', '本轮核查已超过确认期限而失效，决定未被记录；请联系管理员重新发起核查');
  }
  if (v.status === 'failed') {
    throw conflict('verification.failed', '本轮核查因系统故障中止，决定未被记录；请联系管理员重新发起核查');
  }
  if (v.status !== 'awaiting_confirmation') {
    throw conflict('verification.not_awaiting', '本轮核查当前不在待确认状态');
  }
}

/**
 * What a confirmation must satisfy before it is recorded: it names the digest the round snapshotted (the
 * packet the cadre saw), it acknowledges the households with problems, and the ledger still gives that digest.
 */
async function checkConfirmable(db: Db, v: Verification, input: Extract<DecisionInput, { decision: 'confirm' }>) {
  if (input.digest !== v.digest) {
    throw conflict(
      'verification.stale',
      '您确认的核查材料与本轮快照不一致（页面可能已过期），请刷新核查页面，核对后重新签字确认',
    );
  }
  const items = await queryAll(db, { partition: keys.verification(v.id).pk, prefix: 'HOUSEHOLD#' });
  const problems = items.filter((i) => {
    const c = i.check as HouseholdCheck | undefined;
    return !(c?.meetsFloor && c.discrepancies.length === 0);
  });
  if (problems.length && input.acknowledgeProblems !== true) {
    const names = problems.slice(0, 5).map((i) => (i.snapshot as HouseholdSnapshot).headName);
    const message =
      `有 ${problems.length} 户未达标或核查未通过（${names.join('、')}${problems.length > 5 ? '等' : ''}），` +
      '确认前请勾选“已知悉以上问题”（acknowledgeProblems: true），或退回这些家庭';
    throw invalid('verification.problems_unacknowledged', message, [{ path: 'acknowledgeProblems', message }]);
  }
  // The freeze keeps the ledger equal to the snapshot; this proves it at the moment of signing.
  const live = await readCommunityYear(db, v.communityId, v.year);
  const ids = new Set(v.householdIds ?? []);
  if (
    digestOf(
      v.communityId,
      v.year,
      live.filter((h) => ids.has(h.householdId)),
    ) !== v.digest
  ) {
    throw conflict(
      'verification.stale',
      '帮扶台账在本轮快照之后发生了变化，本轮材料已不是最新；请退回本轮，由管理员重新发起核查',
    );
  }
}

/**
 * Reopens a final community-year: unlocks its figures and starts the next round, which must be confirmed and
 * noticed again. The reason is kept on the old round.
 */
export async function reopen(
  deps: WorkflowDeps & { config: VerificationConfig },
  caller: Caller,
  id: string,
  reason: string,
) {
  const v = await getVerification(deps.db, id);
  if (v.status !== 'final') throw conflict('verification.not_final', '只有已定稿的核查可以重新开启');
  const nextId = verificationIdFor(v.communityId, v.year, v.round + 1);
  const reopened = { by: caller.sub, at: deps.now.toISOString(), reason, nextId };
  if (!(await setStatus(deps.db, id, 'reopened', ['final'], { reopened }))) {
    throw conflict('verification.not_final', '只有已定稿的核查可以重新开启');
  }
  await releaseFigures(deps.db, v);
  if (v.noticeId) await updateIf(deps.db, keys.notice(v.noticeId), { set: { status: 'superseded' } });
  const next = await startRound(deps, caller, v.communityId, v.year, v.round + 1);
  return { id: next.verification.id, status: next.verification.status, reopened: id };
}
